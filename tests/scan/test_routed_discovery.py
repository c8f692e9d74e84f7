"""Cameras behind a router (examples/lab/routed.yaml): no --iface, no --infra. ARP and
multicast cannot cross the router, so they are skipped with that reason (not a failure), and
WS-Discovery, DHIP, SSDP and mDNS ask each live camera directly across the router."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import root_problem, skip_or_fail

pytestmark = pytest.mark.root

ROUTED = Path(__file__).resolve().parents[2] / "examples" / "lab" / "routed.yaml"
HIKVISION, DAHUA, AMCREST, AXIS = "192.0.2.20", "192.0.2.40", "192.0.2.44", "192.0.2.52"


@pytest.fixture(scope="module")
def routed_scan() -> dict[str, Any]:
    problem = root_problem()
    if problem:
        skip_or_fail(problem)
    from camscan.lab import Lab

    with Lab(ROUTED) as lab:
        argv = [sys.executable, "-m", "camscan", "scan", "--no-db", "-f", "json",
                "--probes", "none", "192.0.2.0/24"]  # fmt: skip
        run = lab.exec(argv, timeout=300)
    assert run.returncode in (0, 1), run.stderr[-3000:]
    doc: dict[str, Any] = json.loads(run.stdout)
    return doc


def test_link_methods_say_the_targets_are_routed(routed_scan: dict[str, Any]) -> None:
    runs = {r["method"]: r for r in routed_scan["method_runs"]}
    assert routed_scan["interface"] is None
    for method in ("arp", "sadp"):
        assert runs[method]["state"] == "skipped"
        assert runs[method]["reason"] == "targets routed via 198.51.100.1"
        assert runs[method]["complete"] is True  # nothing they could reach: not a failure
    assert routed_scan["complete"] is True, runs


def test_discovery_protocols_answer_across_the_router(routed_scan: dict[str, Any]) -> None:
    runs = {r["method"]: r for r in routed_scan["method_runs"]}
    for method in ("wsd", "dhip", "ssdp", "mdns"):
        assert runs[method]["state"] == "ran", runs[method]
        assert runs[method]["modes"] == ["unicast"]
        assert runs[method]["hosts"] >= 1, runs[method]
    signals: dict[str, dict[str, set[str]]] = {}
    for device in routed_scan["devices"]:
        for o in device["observations"]:
            signals.setdefault(device["address"], {}).setdefault(o["source"], set()).add(
                o["signal"]
            )
    assert {"wsd.types", "wsd.xaddrs"} <= signals[HIKVISION]["wsd"]
    assert "dhip.DeviceType" in signals[DAHUA]["dhip"]
    assert "dhip.Vendor" in signals[AMCREST]["dhip"]  # the OEM names itself
    assert "ssdp.server" in signals[AXIS]["ssdp"]
    assert "mdns.service" in signals[AXIS]["mdns"]
    vendors = {d["address"]: d["identification"]["vendor"] for d in routed_scan["devices"]}
    assert (vendors[HIKVISION], vendors[DAHUA], vendors[AMCREST]) == ("Hikvision", "Dahua", "Dahua")
