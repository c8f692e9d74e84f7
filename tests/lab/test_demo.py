"""`camscan demo` end to end, and real scans of the loopback personas (no root needed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from camscan.cli import main
from camscan.lab import netns as nsmod
from camscan.lab.loopback import scan_command

REPO = Path(__file__).resolve().parents[2]
SMALL = REPO / "examples" / "lab" / "small.yaml"
SUMMARY = re.compile(
    r"demo \((?P<where>[^,]+), 9 simulated hosts\): (?P<devices>\d+) devices, "
    r"(?P<cameras>\d+) cameras?(?: \(\d+ camera-or-recorder\))?, (?P<recorders>\d+) recorders?, "
    r"(?P<restricted>\d+) restricted"
)


def by_octet(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(d["address"].rsplit(".", 1)[1]): d for d in doc["devices"]}


def test_loopback_personas_scan_and_identify(loopback_personas: Any) -> None:
    run = subprocess.run(
        scan_command(loopback_personas.addresses, "-f", "json", "--no-db", "--timeout", "2"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode in (0, 1), run.stderr[-2000:]
    devices = by_octet(json.loads(run.stdout))
    assert set(devices) == {10, 11, 20, 21, 30, 31, 40, 70, 72}
    ident = {octet: d["identification"] for octet, d in devices.items()}
    assert ident[10]["vendor"] == "Hikvision"
    assert ident[20]["vendor"] == "Dahua"
    assert ident[21]["vendor"] == "Dahua"
    assert ident[21]["brand"] == "Amcrest"
    assert ident[30]["vendor"] == "Axis"
    assert ident[40]["device_type"] not in {"camera", "nvr", "dvr", "recorder"}
    # The tarpit answers nothing, so its probes time out - as data, not as a crash.
    statuses = {a["status"] for a in devices[72]["attempts"]}
    assert "timeout" in statuses


def test_demo_without_root_falls_back_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nsmod.os, "geteuid", lambda: 1000)
    result = CliRunner().invoke(main, ["demo", "--topology", str(SMALL), "-f", "text"])
    assert "needs root" in result.output
    assert "falling back to personas on 127.x" in result.output
    summary = SUMMARY.search(result.output)
    assert summary is not None, result.output[-3000:]
    assert summary["where"] == "loopback"
    assert int(summary["devices"]) == 9
    assert int(summary["restricted"]) >= 2  # the Hikvision and the Dahua at least
    assert result.exit_code == 1  # restricted hardware found: the scan's own exit code


@pytest.mark.root
def test_demo_scans_a_real_lab_and_removes_it() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "camscan", "demo", "--topology", str(SMALL), "-f", "text"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = SUMMARY.search(run.stderr)
    assert summary is not None, run.stderr[-3000:]
    assert summary["where"].startswith("lab cs-")
    assert int(summary["devices"]) == 9
    assert int(summary["restricted"]) == 4  # Hikvision, LTS, Dahua, Amcrest
    assert run.returncode == 1
    # The inner scan writes the scan document, and says so (it once said "report written to
    # …scan.json" while the demo's report is report.html).
    assert re.search(r"; scan document written to \S+scan\.json\n", run.stderr), run.stderr
    assert "report written to" not in run.stderr
    assert re.search(r"^report: \S+report\.html$", run.stderr, re.M), run.stderr
    assert "192.0.2.11" in run.stdout
    assert nsmod.lab_namespaces(summary["where"].removeprefix("lab ")) == []  # torn down
