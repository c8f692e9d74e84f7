"""The routed lab (examples/lab/routed.yaml): cameras behind a router get their MAC and switch
port/VLAN from `--infra`, over SNMP v2c and v3 (authPriv); wrong v3 credentials are a clear
attempt error; the cameras on the two NVRs' private PoE sides exist, only their recorder
reaches them, and a scan with the lab's logins lists every one behind its recorder with its
maker. Root: real namespaces, a real router namespace, real pysnmp agents and NVRs that learn
their cameras over ONVIF."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from camscan.cli import main
from camscan.cli.demo import demo_infra_args
from camscan.lab.persona import load_persona
from camscan.lab.topology import load_topology
from tests.conftest import root_problem, skip_or_fail

pytestmark = pytest.mark.root

REPO = Path(__file__).resolve().parents[2]
ROUTED = REPO / "examples" / "lab" / "routed.yaml"
ROUTER, SWITCH = "198.51.100.1", "198.51.100.2"
CAMERAS = {"192.0.2.20", "192.0.2.28", "192.0.2.30", "192.0.2.40", "192.0.2.44", "192.0.2.50",
           "192.0.2.52"}  # fmt: skip
LAB_SECRETS = ("lab-community", "lab-auth-pass", "lab-priv-pass")
# Cameras on the recorders' private PoE sides: address -> (recorder, channel, maker).
BEHIND = {
    "203.0.113.10": ("192.0.2.26", 1, "Hikvision"),
    "203.0.113.11": ("192.0.2.26", 2, "Dahua"),  # Amcrest label, Dahua firmware
    "203.0.113.12": ("192.0.2.26", 3, "Dahua"),
    "203.0.113.140": ("192.0.2.27", 1, "Dahua"),
    "203.0.113.141": ("192.0.2.27", 2, "Dahua"),  # Amcrest
    "203.0.113.142": ("192.0.2.27", 3, "Axis"),
    "203.0.113.143": ("192.0.2.27", 4, "Hikvision"),
}
NVR_SECRETS = ("Lab-Hik-NVR-2026", "Lab-Dahua-NVR-2026", "admin12345")
NVR_COMMUNITIES = ("lab-hik-nvr-community", "lab-dahua-nvr-community")


@pytest.fixture(scope="module")
def routed() -> Iterator[Any]:
    problem = root_problem()
    if problem:
        skip_or_fail(problem)
    from camscan.lab import Lab
    from camscan.lab import netns as nsmod

    with Lab(ROUTED) as lab:
        lab_id = lab.id
        yield lab
    assert nsmod.lab_namespaces(lab_id) == []  # every namespace removed, PoE sides included


def scan(lab: Any, config: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    cmd = [sys.executable, "-m", "camscan", "scan", "--no-db", "-f", "json", "--config",
           str(config), "--infra", ROUTER, "--infra", SWITCH, *extra, "192.0.2.0/24"]  # fmt: skip
    return lab.exec(cmd, timeout=300, env=env)


def check_every_camera_located(lab: Any, out: str) -> dict[str, Any]:
    doc = json.loads(out)
    devices = {d["address"]: d for d in doc["devices"]}
    assert set(devices) >= CAMERAS
    hosts = {h.address: h for h in lab.hosts}
    for address in CAMERAS:
        device, host = devices[address], hosts[address]
        assert device["mac"] == host.mac, address
        assert device["mac_source"] == f"snmp {ROUTER} IP-MIB ipNetToPhysicalTable"
        location = device["location"]
        assert location is not None, address
        # The lab's real port: the bridge-side veth of this host's namespace.
        assert (location["switch"], location["port"], location["vlan"]) == (
            "cam-sw1", f"p{host.index}", 20,
        )  # fmt: skip
        assert location["source"] == f"snmp {SWITCH} Q-BRIDGE-MIB dot1qTpFdbTable"
    # the router itself is on an LLDP (uplink) port: never a location
    assert devices["192.0.2.1"]["location"] is None
    return doc


def test_v2c_every_camera_gets_mac_port_and_maker(routed: Any, tmp_path: Path) -> None:
    (tmp_path / "community").write_text("lab-community\n")
    config = tmp_path / "c.toml"
    config.write_text(f'[[infra]]\ncommunity_file = "{tmp_path / "community"}"\n')
    run = scan(routed, config)
    assert run.returncode == 1, run.stderr[-3000:]  # restricted cameras found
    doc = check_every_camera_located(routed, run.stdout)
    vendors = {d["address"]: d["identification"]["vendor"] for d in doc["devices"]}
    assert vendors["192.0.2.20"] == "Hikvision"
    assert vendors["192.0.2.28"] == "Hikvision"  # EZVIZ: its MAC prefix is the only clue
    assert vendors["192.0.2.40"] == "Dahua"
    assert vendors["192.0.2.52"] == "Axis"
    # Without logins the recorders say what they say for free: unicast DHIP gives the Dahua
    # NVR's 8 IP channels; multicast SADP does not cross the router, so the Hikvision count is
    # unknown. No camera behind either is listed.
    channels = {d["address"]: d["channels"] for d in doc["devices"] if d["channels"]}
    assert (channels["192.0.2.27"]["ip"], channels["192.0.2.26"]["ip"]) == (8, None)
    for recorder in ("192.0.2.26", "192.0.2.27"):
        assert channels[recorder]["note"] == "cameras not enumerated (give credentials)"
    assert not [d for d in doc["devices"] if d["behind"]]
    for secret in LAB_SECRETS:
        assert secret not in run.stdout + run.stderr


def test_v3_authpriv_from_the_demo_config(routed: Any, tmp_path: Path) -> None:
    args = demo_infra_args(routed)
    config = Path(args[1])
    assert "snmp_version = 3" in config.read_text()
    assert "lab-auth-pass" not in config.read_text()  # only the file names
    run = scan(routed, config, "--probes", "none")
    doc = check_every_camera_located(routed, run.stdout)
    reasons = [a["reason"] for a in doc["attempts"] if a["probe"] == "infra"]
    # the router and the switch over v3; the recorders' PoE switches (v2c) add their tables
    assert sum("v3 user audit sha256/aes" in r for r in reasons) == 2, reasons
    assert sorted(r for r in reasons if "v3" not in r) == [
        "192.0.2.26 (192.0.2.26, v2c): 3 ARP, 3 FDB entries, 0 LLDP ports (recorder: for the "
        "cameras behind it only)",
        "192.0.2.27 (192.0.2.27, v2c): 4 ARP, 4 FDB entries, 0 LLDP ports (recorder: for the "
        "cameras behind it only)",
    ]
    for secret in LAB_SECRETS:
        assert secret not in run.stdout + run.stderr


def test_wrong_v3_credentials_are_a_clear_attempt_error(routed: Any, tmp_path: Path) -> None:
    user = load_persona(load_topology(ROUTED).router_path()).snmp.v3_users[0]  # type: ignore[arg-type,union-attr]
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[infra]]\nsnmp_version = 3\nuser = "{user.user}"\nauth_protocol = "sha256"\n'
        'auth_password_env = "LAB_AUTH"\npriv_protocol = "aes"\npriv_password_env = "LAB_PRIV"\n'
    )
    env = {"PATH": "/usr/bin:/bin", "LAB_AUTH": "wrong-pass-42", "LAB_PRIV": user.priv_password}
    run = scan(routed, config, "--probes", "none", env=env)
    assert "Traceback" not in run.stderr
    doc = json.loads(run.stdout)
    infra = [a for a in doc["attempts"] if a["probe"] == "infra"]
    assert len(infra) == 2
    for attempt in infra:
        assert attempt["status"] == "error"
        assert "refused" in attempt["reason"]
        assert "WrongDigest" in attempt["reason"]
    assert "wrong-pass-42" not in run.stdout + run.stderr
    assert all(d["location"] is None for d in doc["devices"])


def test_demo_runs_the_routed_topology(tmp_path: Path) -> None:
    problem = root_problem()
    if problem:
        skip_or_fail(problem)
    result = CliRunner().invoke(
        main, ["demo", "--topology", "routed", "-f", "text", "--out-dir", str(tmp_path)]
    )
    assert result.exit_code == 1, result.output[-3000:]  # restricted cameras found
    doc = json.loads((tmp_path / "scan.json").read_text())
    located = [d for d in doc["devices"] if d["location"]]
    assert {d["address"] for d in located} >= CAMERAS
    assert "cam-sw1 port p" in result.output
    # The demo passes the lab's recorder logins: the cameras behind both NVRs are in the report.
    check_behind(doc)
    for address, (recorder, channel, _) in BEHIND.items():
        assert f"behind {recorder} channel {channel}" in result.output, address
    for secret in NVR_SECRETS:
        assert secret not in result.output + (tmp_path / "scan.json").read_text()


def check_behind(doc: dict[str, Any]) -> None:
    """Every PoE-side camera is a device behind its recorder, with its maker, judged by policy."""
    behind = {d["address"]: d for d in doc["devices"] if d["behind"]}
    assert set(behind) == set(BEHIND)
    for address, (recorder, channel, maker) in BEHIND.items():
        device = behind[address]
        assert (device["behind"]["recorder"], device["behind"]["channel"]) == (recorder, channel)
        assert device["identification"]["vendor"] == maker, address
        assert device["policy"]["restricted"] is (maker != "Axis"), address
    recorders = {d["address"]: d for d in doc["devices"] if d["channels"]}
    assert recorders["192.0.2.26"]["channels"]["enumerated"] == 3
    assert recorders["192.0.2.27"]["channels"]["enumerated"] == 4
    # Routed: SADP (multicast only) does not cross the router, so the Hikvision NVR's capacity
    # is unknown (and said why); its channel API lists 3 in use. Unicast DHIP gives the Dahua
    # NVR's 8 slots, 4 of them in use: two numbers, never one passed off as the other.
    hik, dahua = recorders["192.0.2.26"]["channels"], recorders["192.0.2.27"]["channels"]
    assert (hik["ip"], hik["in_use"], hik["source"]) == (None, 3, "recorder")
    assert (dahua["ip"], dahua["in_use"], dahua["source"]) == (8, 4, "dhip, recorder")


POE_PROBE = """
import json, socket, sys
out = {}
for address in sys.argv[1:]:
    try:
        socket.create_connection((address, 80), 2).close()
        out[address] = True
    except OSError:
        out[address] = False
print(json.dumps(out))
"""


def reach(lab: Any, netns: str | None) -> dict[str, bool]:
    run = subprocess.run(
        lab.command([sys.executable, "-c", POE_PROBE, *BEHIND], netns=netns),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return dict(json.loads(run.stdout))


def test_poe_cameras_exist_and_only_their_recorder_reaches_them(routed: Any) -> None:
    hik, dahua = routed.host("192.0.2.26").netns, routed.host("192.0.2.27").netns
    assert reach(routed, None) == dict.fromkeys(BEHIND, False)  # the auditor: no route
    assert reach(routed, hik) == {a: r == "192.0.2.26" for a, (r, _, _) in BEHIND.items()}
    assert reach(routed, dahua) == {a: r == "192.0.2.27" for a, (r, _, _) in BEHIND.items()}


GET = """
import httpx, json, sys
url, user, password_file = sys.argv[1:4]
password = open(password_file).read().strip()
anon = httpx.get(url, timeout=10)
login = httpx.get(url, timeout=10, auth=httpx.DigestAuth(user, password))
print(json.dumps({"anon": anon.status_code, "status": login.status_code, "body": login.text}))
"""


def lab_login(lab: Any, address: str) -> tuple[str, str]:
    """(username, password file) of ``address`` from the lab's credentials config."""
    import tomllib

    tables = tomllib.loads(lab.credentials_config.read_text())["credentials"]
    table = next(t for t in tables if t["hosts"] == [address])
    return table["username"], table["password_file"]


def get(lab: Any, url: str, address: str) -> dict[str, Any]:
    run = lab.exec([sys.executable, "-c", GET, url, *lab_login(lab, address)], timeout=60)
    assert run.returncode == 0, run.stderr
    return dict(json.loads(run.stdout))


def test_recorder_apis_from_the_auditor_need_the_lab_login(routed: Any) -> None:
    status = get(routed, "http://192.0.2.26/ISAPI/ContentMgmt/InputProxy/channels/status",
                 "192.0.2.26")  # fmt: skip
    assert (status["anon"], status["status"]) == (401, 200)
    for model in ("DS-2CD2143G2-I", "IP8M-2496EB", "IPC-HFW2228M-I1-V2"):
        assert f"<model>{model}</model>" in status["body"]
    assert status["body"].count("<online>true</online>") == 3  # learned from the cameras
    remote = get(
        routed, "http://192.0.2.27/cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice",
        "192.0.2.27",
    )  # fmt: skip
    assert (remote["anon"], remote["status"]) == (401, 200)
    axis = routed.host("203.0.113.142")
    entry = "table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_2"
    assert f"{entry}.Vendor=AXIS" in remote["body"].splitlines()
    assert f"{entry}.Mac={axis.mac}" in remote["body"].splitlines()  # the camera's real MAC
    assert "Vendor=Amcrest" in remote["body"]


def test_scan_with_the_lab_logins_reports_every_camera_behind_both_recorders(routed: Any) -> None:
    run = routed.exec(
        [sys.executable, "-m", "camscan", "scan", "--no-db", "-f", "json", "--config",
         str(routed.credentials_config), "192.0.2.0/24"],
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr[-3000:]  # restricted cameras found
    doc = json.loads(run.stdout)
    check_behind(doc)
    # The lab's one config also carries the SNMP router and switch ([[infra]] with a host):
    # no --infra needed for every camera's MAC, switch port and VLAN.
    check_every_camera_located(routed, run.stdout)
    check_behind_located(routed, doc)
    config = routed.credentials_config
    text = config.read_text()
    assert text.count("[[infra]]") == 4  # router, switch and both recorders' PoE switches
    assert text.count("recorder = true") == 2  # their tables serve their own cameras only
    assert text.count("[[credentials]]") == 2
    for secret in (*NVR_SECRETS, *LAB_SECRETS, *NVR_COMMUNITIES):
        assert secret not in text  # only the names of the 0600 secret files
    secret_files = [Path(line.split('"')[1]) for line in text.splitlines() if "_file = " in line]
    assert len(secret_files) == 8  # 2 recorder passwords, 2 v3 pass phrases per SNMP host, and
    for path in [config, *secret_files]:  # each recorder's v2c community
        assert path.stat().st_mode & 0o777 == 0o600, path
    for secret in (*NVR_SECRETS, *NVR_COMMUNITIES):
        assert secret not in run.stdout + run.stderr


def check_behind_located(lab: Any, doc: dict[str, Any]) -> None:
    """Every camera behind a recorder has the lab's real MAC for it (its namespace's veth, as
    the recorder's channel API or camera search reports it), its maker, and its location:
    switch = its recorder, port = the recorder's PoE port it is plugged into (channel N on
    PoE port N in the lab), with where the recorder itself plugs in kept as the uplink."""
    behind = {d["address"]: d for d in doc["devices"] if d["behind"]}
    for address, (recorder, channel, maker) in BEHIND.items():
        device, host, nvr = behind[address], lab.host(address), lab.host(recorder)
        assert device["mac"] == host.mac, address
        api = "ISAPI InputProxy" if recorder == "192.0.2.26" else "Dahua RemoteDevice"
        assert device["mac_source"] == f"recorder {recorder} {api}", address
        assert device["identification"]["vendor"] == maker, address
        location = device["location"]
        assert location is not None, address
        assert (location["switch"], location["switch_address"]) == (recorder, recorder)
        assert (location["port"], location["vlan"]) == (f"PoE{channel}", None), address
        assert location["source"] == f"snmp {recorder} BRIDGE-MIB dot1dTpFdbTable"
        assert location["uplink"] == f"cam-sw1 port p{nvr.index} vlan 20", address


def test_a_refused_recorder_login_makes_the_scan_incomplete(routed: Any, tmp_path: Path) -> None:
    """A wrong password (as after a rotation): the recorders refuse it, the summary names each,
    the run is incomplete and the restricted findings still give exit code 5; the ONVIF calls
    refused with that login are `denied`, not `ok`."""
    wrong = tmp_path / "wrong.pass"
    wrong.write_text("not-the-password\n")
    wrong.chmod(0o600)
    run = routed.exec(
        [sys.executable, "-m", "camscan", "scan", "--no-db", "-f", "json", "--username", "audit",
         "--password-file", str(wrong), "192.0.2.26-27"],
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 5, run.stderr[-3000:]
    doc = json.loads(run.stdout)
    assert doc["complete"] is False
    for recorder in ("192.0.2.26", "192.0.2.27"):
        said = f"recorder {recorder}: login refused, cameras not enumerated"
        assert said in run.stderr, run.stderr[-3000:]
    attempts = [a for d in doc["devices"] for a in d["attempts"]]
    assert [a for a in attempts if a["probe"] == "recorder" and a["status"] == "denied"]
    onvif = [a for a in attempts if a["probe"] == "onvif"]
    assert [a for a in onvif if a["status"] == "denied" and "NotAuthorized" in a["reason"]]
