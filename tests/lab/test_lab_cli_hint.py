"""`camscan lab up` prints the exact scan command, with the lab's config when it has one."""

from __future__ import annotations

from camscan.cli.lab import _describe


def test_scan_hint_carries_the_lab_config() -> None:
    said = _describe("cs-1", "eth0", ["198.51.100.10"], ["192.0.2.0/24"], "/run/x/scan.toml")
    assert (
        "scan it:  camscan lab exec --lab cs-1 -- camscan scan --config /run/x/scan.toml "
        "192.0.2.0/24\n"
    ) in said
    plain = _describe("cs-2", "eth0", ["192.0.2.250"], ["192.0.2.0/24"])
    assert "scan it:  camscan lab exec --lab cs-2 -- camscan scan 192.0.2.0/24\n" in plain
