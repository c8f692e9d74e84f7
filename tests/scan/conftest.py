"""A small simulated building for the scan tests (root only), built once per session.

Uses the lab package's public API (:class:`camscan.lab.Lab`); the lab is torn down even when a
test fails. Without root the tests skip with the reason (or fail under
CAMSCAN_REQUIRE_ROOT_TESTS=1, as CI runs them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import built_lab

REPO = Path(__file__).resolve().parents[2]
SMALL = REPO / "examples" / "lab" / "small.yaml"


@dataclass
class ScanRun:
    """One `camscan scan` run in the auditor namespace."""

    returncode: int
    doc: dict[str, Any]
    stderr: str

    def device(self, address: str) -> dict[str, Any]:
        for dev in self.doc["devices"]:
            if dev["address"] == address:
                return dev  # type: ignore[no-any-return]
        raise AssertionError(
            f"{address} not found; devices: {[d['address'] for d in self.doc['devices']]}"
        )

    def sources(self, address: str) -> set[str]:
        return {o["source"] for o in self.device(address)["observations"]}

    def signals(self, address: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for o in self.device(address)["observations"]:
            out.setdefault(o["signal"], []).append(o["value"])
        return out


class ScanLab:
    """The running lab plus a helper to run `camscan scan` inside it."""

    def __init__(self, lab: Any) -> None:
        self.lab = lab

    def argv(self, *args: str) -> list[str]:
        return self.lab.command([sys.executable, "-m", "camscan", "scan", *args])  # type: ignore[no-any-return]

    def scan(self, *args: str, timeout: float = 180, iface: bool = False) -> ScanRun:
        """Scan as a user would: no ``--iface`` (the routing table picks it) unless asked."""
        chosen = ("--iface", self.lab.auditor_iface) if iface else ()
        cmd = self.argv(*chosen, "--no-db", "-f", "json", *args)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        try:
            doc = json.loads(proc.stdout)
        except ValueError:
            raise AssertionError(f"no JSON (rc {proc.returncode}): {proc.stderr[-2000:]}") from None
        return ScanRun(proc.returncode, doc, proc.stderr)


@pytest.fixture(scope="session")
def scan_lab() -> Iterator[ScanLab]:
    with built_lab(SMALL) as lab:
        yield ScanLab(lab)


@pytest.fixture(scope="session")
def full_scan(scan_lab: ScanLab) -> ScanRun:
    """One complete default scan of the small building with no ``--iface`` (as a new user
    types it), shared by the assertions."""
    return scan_lab.scan("192.0.2.0/24")
