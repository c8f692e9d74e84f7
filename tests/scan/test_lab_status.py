"""The verdict per device in a real lab scan (examples/lab/small.yaml): the tarpit, which
accepts connections and never answers, is "not identified" — never "clear" — in the scan
document and in the summary line."""

from __future__ import annotations

import pytest

from tests.scan.conftest import ScanRun

pytestmark = pytest.mark.root


def test_statuses_from_a_real_scan(full_scan: ScanRun) -> None:
    status = {d["address"]: d["status"] for d in full_scan.doc["devices"]}
    assert status["192.0.2.72"] == "unidentified"  # tarpit: every probe timed out
    assert status["192.0.2.10"] == "restricted"  # Hikvision
    assert status["192.0.2.30"] == "clear"  # Axis
    tarpit = full_scan.device("192.0.2.72")
    assert tarpit["attempts"]
    assert all(a["status"] != "ok" for a in tarpit["attempts"])
    unidentified = sorted(a for a, s in status.items() if s == "unidentified")
    assert f"{len(unidentified)} not identified (" in full_scan.stderr
    assert "192.0.2.72" in full_scan.stderr
