"""Personas against reality: answers from the lab parse into the same kinds of observations as
the device messages written from real captures (tests/fixtures/protocol, checked against the
captures by tests/test_shared_samples.py), through camscan's own parsers.

Also checks the wiring a scan depends on: multicast reaches every device across the bridge,
replies come back unicast, and the MAC a device reports equals the MAC ARP sees.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from camscan.discover import dhip, sadp, ssdp, wsd
from camscan.models import Observation
from tests.helpers import protocol_bytes

ASK = Path(__file__).with_name("udp_ask.py")

pytestmark = pytest.mark.root


def sample(name: str) -> bytes:
    """A device message written from a real capture (tests/fixtures/protocol)."""
    return protocol_bytes(name)


def sample_hex(name: str) -> bytes:
    """An xxd dump fixture back to bytes."""
    out = bytearray()
    for line in sample(name).decode().splitlines():
        if ":" in line:
            out += bytes.fromhex(line.split(":", 1)[1][:40].replace(" ", ""))
    return bytes(out)


def ask(lab: Any, dest: str, port: int, payload: bytes, seconds: float = 1.5) -> list[Any]:
    """Send from the auditor, collect answers: [(sender, port, bytes)]."""
    run = lab.exec(
        [
            sys.executable,
            str(ASK),
            lab.auditor_address,
            dest,
            str(port),
            payload.hex(),
            str(seconds),
        ],
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    return [(h, p, bytes.fromhex(d)) for h, p, d in json.loads(run.stdout)]


def names(observations: list[Observation]) -> set[str]:
    return {o.signal for o in observations}


def scope_kinds(observations: list[Observation]) -> set[str]:
    """onvif://www.onvif.org/<kind>/... → kind, lower-cased (Name and name are one kind)."""
    kinds = set()
    for o in observations:
        if o.signal == "wsd.scope" and o.value.startswith("onvif://www.onvif.org/"):
            kinds.add(o.value.removeprefix("onvif://www.onvif.org/").split("/")[0].lower())
    return kinds


def test_sadp_multicast_inquiry_matches_real_probematch(lab: Any) -> None:
    real = sadp.parse_sadp(
        sample("sadp-intercom-inquiry-and-probematch.xml")
        .split(b"===== reply =====")[1]
        .split(b"\n", 1)[1]
    )
    assert real is not None
    answers = ask(lab, "239.255.255.250", 37020, sadp.build_probe())
    by_host = {h: sadp.parse_sadp(data) for h, _p, data in answers}
    assert {"192.0.2.10", "192.0.2.11"} <= set(by_host), "Hikvision personas did not answer"
    identity = {
        "sadp.DeviceType",
        "sadp.DeviceDescription",
        "sadp.DeviceSN",
        "sadp.MAC",
        "sadp.SoftwareVersion",
        "sadp.CommandPort",
        "sadp.HttpPort",
    }
    real_names = names(sadp.observations(real))
    assert identity <= real_names
    for host in ("192.0.2.10", "192.0.2.11"):
        reply = by_host[host]
        assert reply is not None, f"{host}: reply did not parse"
        got = names(sadp.observations(reply))
        assert identity <= got, (host, identity - got)
        # The lab answers from the same family of fields as a real device, nothing exotic.
        assert len(got & real_names) >= len(real_names) - 3, (host, real_names - got)
        mac = next(o.value for o in sadp.observations(reply) if o.signal == "sadp.MAC")
        assert mac.replace("-", ":").lower() == lab.host(host).mac
    # Only Hikvision-platform personas speak SADP.
    assert not {"192.0.2.20", "192.0.2.30", "192.0.2.40"} & set(by_host)


def test_wsd_probe_matches_real_dahua_and_generic_replies(lab: Any) -> None:
    dahua_real = wsd.parse_wsd(sample("dahua-wsd-hello.xml"))
    generic_real = wsd.parse_wsd(sample("generic-ipcam-wsd-probematch.xml"))
    assert dahua_real
    assert generic_real
    answers = ask(
        lab, "239.255.255.250", 3702, wsd.build_probe("dn:NetworkVideoTransmitter"), seconds=2.0
    )
    got: dict[str, list[Observation]] = {}
    for host, _port, data in answers:
        for message in wsd.parse_wsd(data):
            got.setdefault(host, []).extend(wsd.observations(message))
    assert {"192.0.2.10", "192.0.2.20", "192.0.2.30", "192.0.2.31"} <= set(got)
    real_d = wsd.observations(dahua_real[0])
    assert names(real_d) <= names(got["192.0.2.20"])
    assert scope_kinds(real_d) - {"extension"} <= scope_kinds(got["192.0.2.20"])
    real_g = wsd.observations(generic_real[0])
    assert names(got["192.0.2.31"]) == names(real_g)  # no Types element, like the real one
    assert scope_kinds(got["192.0.2.31"]) == scope_kinds(real_g)
    # A hostile reply (the XML bomb) must not produce observations.
    assert "192.0.2.70" not in got or not got["192.0.2.70"]


def test_dhip_search_matches_real_notify_dev_info(lab: Any) -> None:
    real = dhip.parse_dhip(sample_hex("dahua-dhip-reply.hex.txt"))
    assert real is not None
    answers = ask(lab, "192.0.2.20", 37810, dhip.build_search())
    assert answers, "the Dahua persona did not answer a unicast DHDiscover.search"
    reply = dhip.parse_dhip(answers[0][2])
    assert reply is not None
    # Both are read from deviceInfo; the top-level "random" token is compared apart below.
    assert names(dhip.observations(real)) <= names(dhip.observations(reply))
    envelope = json.loads(answers[0][2][32:])
    assert set(envelope) == {"mac", "method", "params", "random"}
    assert len(envelope["random"]) == 8
    multicast = {h for h, _p, _d in ask(lab, "239.255.255.251", 37810, dhip.build_search())}
    assert {"192.0.2.20", "192.0.2.21"} <= multicast


def test_ssdp_search_matches_real_notify(lab: Any) -> None:
    real = ssdp.parse_ssdp(sample("ssdp-notify.txt").lstrip())
    assert real is not None
    answers = ask(lab, "239.255.255.250", 1900, ssdp.build_msearch())
    parsed = {h: ssdp.parse_ssdp(d) for h, _p, d in answers}
    axis = parsed.get("192.0.2.30")
    assert axis is not None, f"Axis did not answer M-SEARCH; answers from {sorted(parsed)}"
    assert "ssdp.server" in names(ssdp.observations(axis))
    assert names(ssdp.observations(real)) & names(ssdp.observations(axis))


def test_arp_sees_the_mac_each_device_reports(lab: Any) -> None:
    hosts = [h for h in lab.hosts if h.address in {"192.0.2.10", "192.0.2.20", "192.0.2.30"}]
    for host in hosts:
        lab.exec(
            [
                "python3",
                "-c",
                f"import socket;socket.create_connection(('{host.address}', 554), 2).close()",
            ],
            timeout=10,
        )
    neigh = lab.exec(["ip", "-4", "neigh", "show", "dev", lab.auditor_iface]).stdout
    for host in hosts:
        assert f"{host.address} lladdr {host.mac}" in neigh, neigh
