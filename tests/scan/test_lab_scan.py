"""`camscan scan` end to end in the simulated building (examples/lab/small.yaml).

Every discovery method and probe must contribute, hosts found by several methods must merge
into one device per MAC, and identification must name the real maker behind each label.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.scan.conftest import ScanLab, ScanRun

pytestmark = pytest.mark.root

HIKVISION, LTS, DAHUA, AMCREST, AXIS, OEM, PC, BOMB, TARPIT = (
    "192.0.2.10",
    "192.0.2.11",
    "192.0.2.20",
    "192.0.2.21",
    "192.0.2.30",
    "192.0.2.31",
    "192.0.2.40",
    "192.0.2.70",
    "192.0.2.72",
)


def test_every_host_found_once_with_its_mac(full_scan: ScanRun) -> None:
    addresses = [d["address"] for d in full_scan.doc["devices"]]
    assert sorted(addresses) == sorted(
        [HIKVISION, LTS, DAHUA, AMCREST, AXIS, OEM, PC, BOMB, TARPIT]
    )
    assert len(set(addresses)) == len(addresses)
    macs = [d["mac"] for d in full_scan.doc["devices"]]
    assert all(macs), "ARP gives every on-link device a MAC"
    assert len(set(macs)) == len(macs)
    assert full_scan.doc["complete"] is True
    assert full_scan.doc["interrupted"] is False
    assert full_scan.returncode == 1, full_scan.stderr[-2000:]  # restricted hardware found


def test_interface_comes_from_the_routing_table(full_scan: ScanRun, scan_lab: ScanLab) -> None:
    """No --iface: ARP and every multicast method still ran, on the on-link interface, and
    the summary names it; the auditor itself is not a device."""
    doc = full_scan.doc
    assert doc["interface"] == scan_lab.lab.auditor_iface
    assert doc["interface_source"] == "routing table"
    runs = {r["method"]: r for r in doc["method_runs"]}
    for method in ("arp", "wsd", "mdns", "ssdp", "sadp", "dhip"):
        assert runs[method]["state"] == "ran", runs[method]
        assert runs[method]["interface"] == scan_lab.lab.auditor_iface
        assert runs[method]["modes"] == ["link"]
    assert runs["tcp"]["state"] == "ran"
    assert all(r["complete"] for r in runs.values())
    assert doc["this_host"] == ["192.0.2.250"]
    assert "192.0.2.250" not in {d["address"] for d in doc["devices"]}
    assert f"; interface {scan_lab.lab.auditor_iface} (routing table)" in full_scan.stderr


def test_iface_still_overrides(scan_lab: ScanLab) -> None:
    run = scan_lab.scan("192.0.2.10-11", "--probes", "none", iface=True)
    assert run.doc["interface_source"] == "--iface"
    assert {d["address"]: bool(d["mac"]) for d in run.doc["devices"]} == {
        HIKVISION: True,
        LTS: True,
    }


def test_missing_interface_is_a_usage_error_before_any_packet(scan_lab: ScanLab) -> None:
    proc = subprocess.run(
        scan_lab.argv("--iface", "eth9", "--no-db", "192.0.2.0/24"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "no interface named eth9" in proc.stderr
    assert scan_lab.lab.auditor_iface in proc.stderr  # names the interfaces that exist
    assert proc.stdout == ""


def test_default_policies_cover_hikvision_and_dahua_not_axis(full_scan: ScanRun) -> None:
    for address in (HIKVISION, LTS, DAHUA, AMCREST):
        assert full_scan.device(address)["policy"]["restricted"] is True, address
    for address in (AXIS, PC):
        assert full_scan.device(address)["policy"]["restricted"] is False, address


def test_each_discovery_method_contributes(full_scan: ScanRun) -> None:
    status = {a["probe"]: a["status"] for a in full_scan.doc["attempts"]}
    for method in ("arp", "wsd", "mdns", "ssdp", "sadp", "dhip", "tcp"):
        assert status.get(method) == "ok", (method, full_scan.doc["attempts"])
    assert {"sadp", "wsd", "arp", "tcp"} <= full_scan.sources(HIKVISION)
    assert {"dhip", "wsd"} <= full_scan.sources(DAHUA)
    assert {"mdns", "ssdp", "upnp"} <= full_scan.sources(AXIS)
    assert "wsd" in full_scan.sources(OEM)
    hik = full_scan.signals(HIKVISION)
    assert any(v.startswith("DS-2CD2185FWD") for v in hik["sadp.DeviceDescription"])
    assert hik["wsd.types"]
    assert full_scan.signals(AMCREST)["dhip.Vendor"]
    assert any(v.startswith("_axis-video._tcp") for v in full_scan.signals(AXIS)["mdns.service"])


def test_each_probe_contributes(full_scan: ScanRun) -> None:
    seen = set().union(*(full_scan.sources(d["address"]) for d in full_scan.doc["devices"]))
    assert {"http", "onvif", "rtsp", "tls", "banner"} <= seen
    probes_run = {a["probe"] for d in full_scan.doc["devices"] for a in d["attempts"]}
    assert "snmp" in probes_run  # skipped without a community, but recorded as an attempt


@pytest.mark.parametrize(
    ("address", "vendor", "brand"),
    [
        (HIKVISION, "Hikvision", None),
        (LTS, "Hikvision", None),
        (DAHUA, "Dahua", None),
        (AMCREST, "Dahua", "Amcrest"),
        (AXIS, "Axis", None),
    ],
)
def test_identification_end_to_end(
    full_scan: ScanRun, address: str, vendor: str, brand: str | None
) -> None:
    ident = full_scan.device(address)["identification"]
    assert ident["vendor"] == vendor, ident
    if brand:
        assert ident["brand"] == brand
    assert ident["device_type"] == "camera"
    assert ident["evidence"]


def test_non_cameras_and_hostile_hosts_are_not_called_cameras(full_scan: ScanRun) -> None:
    for address in (PC, BOMB, TARPIT):
        ident = full_scan.device(address)["identification"]
        assert ident["vendor"] is None
        assert ident["device_type"] != "camera"


def test_tarpit_attempts_end_by_their_own_timeouts(full_scan: ScanRun) -> None:
    attempts = full_scan.device(TARPIT)["attempts"]
    assert any(a["status"] == "timeout" for a in attempts)
    # it answers nothing: every attempt ends at its own timeout or says why it stopped (the
    # budget's cost is observed by outcome, not by a wall-clock bound)
    assert {a["status"] for a in attempts} <= {"timeout", "no_answer", "skipped"}
    assert all(a["reason"] for a in attempts)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("arp", {HIKVISION, LTS, DAHUA, AMCREST, AXIS, OEM, PC, BOMB, TARPIT}),
        ("wsd", {HIKVISION, LTS, DAHUA, AMCREST, AXIS, OEM}),
        ("mdns", {AXIS}),
        ("ssdp", {AXIS}),
        ("sadp", {HIKVISION, LTS}),
        ("dhip", {DAHUA, AMCREST}),
    ],
)
def test_each_method_alone(scan_lab: ScanLab, method: str, expected: set[str]) -> None:
    run = scan_lab.scan("192.0.2.0/24", "--methods", method, "--probes", "none")
    found = {d["address"] for d in run.doc["devices"]}
    assert expected <= found, (method, found, run.doc["attempts"])
    assert run.doc["methods"] == [method]
    assert all(a["status"] != "error" for a in run.doc["attempts"])
    sources = {o["source"] for d in run.doc["devices"] for o in d["observations"]}
    assert sources <= {method, "upnp"}


def test_methods_subset_and_tcp_only(scan_lab: ScanLab) -> None:
    run = scan_lab.scan("192.0.2.1-40", "--methods", "tcp", "--probes", "http")
    addresses = {d["address"] for d in run.doc["devices"]}
    assert addresses == {HIKVISION, LTS, DAHUA, AMCREST, AXIS, OEM, PC}
    assert run.doc["methods"] == ["tcp"]
    # MACs still come from the kernel's neighbour table after connecting
    assert all(d["mac"] for d in run.doc["devices"])
    assert {o["source"] for d in run.doc["devices"] for o in d["observations"]} <= {"tcp", "http"}


def test_exclusions_are_honoured(scan_lab: ScanLab) -> None:
    run = scan_lab.scan("192.0.2.0/24", "--exclude", "192.0.2.20-21,192.0.2.70", "--probes", "http")
    addresses = {d["address"] for d in run.doc["devices"]}
    assert not addresses & {DAHUA, AMCREST, BOMB}
    assert HIKVISION in addresses
    assert any("outside the scope" in a["reason"] for a in run.doc["attempts"])


def _wait_until_catching(pid: int, signum: int, limit: float = 60.0) -> None:
    """Wait until process ``pid`` catches ``signum`` (the SigCgt mask of /proc/PID/status)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            caught = next(line for line in status if line.startswith("SigCgt:"))
        if int(caught.split()[1], 16) & (1 << (signum - 1)):
            return
        time.sleep(0.05)
    pytest.fail(f"the scan (pid {pid}) never installed its {signal.Signals(signum).name} handler")


def _interrupt(
    scan_lab: ScanLab, signum: int, *args: str, after: float = 0.5
) -> tuple[int, str, str]:
    cmd = scan_lab.argv(
        "--iface", scan_lab.lab.auditor_iface, "--no-db", "-f", "json", "192.0.2.0/24",
        "--discovery-timeout", "5", *args,
    )  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # `ip netns exec` execs the command, so the PID is camscan itself. Signal it once the scan
    # has installed its handlers (it then is inside discovery, which listens for 5 s): a fixed
    # sleep signalled a still-importing process on a loaded machine.
    _wait_until_catching(proc.pid, signal.SIGTERM)
    time.sleep(after)  # let discovery (or, later, probing) put something in flight
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_returns_partial_document(scan_lab: ScanLab, signum: int) -> None:
    """Ctrl-C and SIGTERM alike: exit 130 with the partial document (README's exit codes),
    or 5 when restricted hardware was already found (a finding is never hidden)."""
    import json

    returncode, out, err = _interrupt(scan_lab, signum)
    doc = json.loads(out)
    assert len(err.splitlines()) == 1, err  # the summary line; no traceback of cancelled tasks
    restricted = [d["address"] for d in doc["devices"] if d["policy"]["restricted"]]
    assert returncode == (5 if restricted else 130), restricted
    assert doc["interrupted"] is True
    assert doc["complete"] is False
    assert doc["scope"] == ["192.0.2.1-192.0.2.254"]


def test_interrupt_while_probing_prints_one_line(scan_lab: ScanLab) -> None:
    """Ctrl-C in the probe phase used to print dozens of '_GatheringFuture exception was never
    retrieved ... CancelledError' tracebacks; now: the summary line alone, partial document."""
    import json

    # TCP sweep only and slow probes (the tarpit, 8 s timeouts): 4 s after the handlers are
    # in, the scan is probing
    returncode, out, err = _interrupt(
        scan_lab, signal.SIGINT, "--timeout", "8", "--methods", "tcp", after=4.0
    )
    assert "Traceback" not in err
    assert "never retrieved" not in err
    assert len(err.splitlines()) == 1, err
    assert "scan interrupted" in err
    assert json.loads(out)["interrupted"] is True
    assert returncode in (5, 130)


def test_sigterm_to_lab_exec_reaches_the_scan(scan_lab: ScanLab) -> None:
    """`camscan lab exec` passes SIGTERM on (a systemd stop, a cron timeout): the scan inside
    ends with its partial document and exit code, and is not left running orphaned."""
    import json

    cmd = [sys.executable, "-m", "camscan", "lab", "exec", "--lab", scan_lab.lab.id, "--",
           sys.executable, "-m", "camscan", "scan", "--iface", scan_lab.lab.auditor_iface,
           "--no-db", "-f", "json", "--discovery-timeout", "5", "192.0.2.0/24"]  # fmt: skip
    wrapper = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    children: list[int] = []
    while not children and time.monotonic() < deadline:
        with open(f"/proc/{wrapper.pid}/task/{wrapper.pid}/children", encoding="ascii") as f:
            children = [int(p) for p in f.read().split()]
        time.sleep(0.05)
    assert children, "lab exec started no command"
    (scan_pid,) = children
    _wait_until_catching(scan_pid, signal.SIGTERM)
    time.sleep(0.5)
    wrapper.send_signal(signal.SIGTERM)
    out, err = wrapper.communicate(timeout=60)
    doc = json.loads(out)
    assert doc["interrupted"] is True, err
    restricted = [d["address"] for d in doc["devices"] if d["policy"]["restricted"]]
    assert wrapper.returncode == (5 if restricted else 130), err
    assert not os.path.exists(f"/proc/{scan_pid}"), "the scan outlived lab exec"
