"""Cameras behind a recorder located on its PoE ports: MAC and port from the recorder's own
``--infra`` tables, scoped to that recorder, shown in every report format and kept in history.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from camscan.engine.document import behind_devices
from camscan.engine.hosts import HostRecord
from camscan.infra.locate import agent_tables
from camscan.infra.mibs import ArpEntry, FdbEntry, InfraView
from camscan.models import Device, Location, Observation, ScanDocument
from camscan.notify import build_message
from camscan.probe.base import BehindCamera
from camscan.report import Format, render
from camscan.store.identity import DeviceState, candidate_keys
from camscan.verdict import annotate

NVR, OTHER_NVR = "192.0.2.26", "192.0.2.27"
POE = "203.0.113.10"  # the same private PoE-side address behind both recorders
HIK_MAC, DAHUA_MAC, FOREIGN_MAC = "44:19:b6:0a:00:10", "3c:ef:8c:00:00:11", "e0:50:8b:00:99:10"
SEEN = "recorder 192.0.2.26 port PoE3 (recorder on cam-sw1 port p10 vlan 20)"


def o(signal: str, value: str) -> Observation:
    return Observation(signal=signal, value=value, source="test")


def poe_view(host: str, address: str, mac: str, port: int) -> InfraView:
    """A recorder's SNMP view of its PoE switch: one camera at ``address`` on ``PoE<port>``."""
    return InfraView(
        host=host,
        arp=(ArpEntry(address, mac, 102, "ipNetToPhysicalTable"),),
        fdb=(FdbEntry(mac, port, None, "dot1dTpFdbTable"),),
        port_ifindex={n: n for n in range(1, 9)},
        if_names={n: f"PoE{n}" for n in range(1, 9)},
    )


def recorder(address: str, *cameras: BehindCamera) -> HostRecord:
    record = HostRecord(address=address)
    record.location = Location(
        switch="cam-sw1", port="p10", vlan=20, source="snmp 198.51.100.2 Q-BRIDGE-MIB"
    )
    record.cameras.extend(cameras)
    return record


def hik_camera(mac: str | None = None) -> BehindCamera:
    return BehindCamera(
        channel=3,
        api="ISAPI InputProxy",
        address=POE,
        mac=mac,
        observations=(o("channel.manufacturer", "HIKVISION"), o("channel.serial", "DS2CD0003")),
    )


def test_mac_and_poe_port_come_from_this_recorders_tables_only() -> None:
    """The ISAPI camera search gave no MAC: the recorder's ARP table does, and its FDB the
    PoE port. The other recorder uses the same PoE address for another camera: each camera
    gets its own recorder's tables, never the other's."""
    from datetime import UTC, datetime

    from camscan.engine.document import build_document
    from camscan.engine.hosts import HostTable
    from camscan.netroute import LinkPlan
    from camscan.scope import build_scope

    table = HostTable(build_scope([NVR, OTHER_NVR]))
    table.agents = {
        NVR: agent_tables(poe_view(NVR, POE, HIK_MAC, 3)),
        OTHER_NVR: agent_tables(poe_view(OTHER_NVR, POE, FOREIGN_MAC, 1)),
    }
    doc = build_document(
        records=[recorder(NVR, hik_camera()), recorder(OTHER_NVR, hik_camera())],
        table=table,
        plan=LinkPlan(iface=None, address=None, on_link=(), chosen_by=""),
        methods=[],
        method_runs=[],
        attempts=[],
        started=datetime.now(UTC),
        complete=True,
        interrupted=False,
    )
    cam, other = (d for d in doc.devices if d.behind)
    assert cam.behind is not None
    assert other.behind is not None
    assert (cam.behind.recorder, other.behind.recorder) == (NVR, OTHER_NVR)
    assert (cam.mac, cam.mac_source) == (HIK_MAC, f"snmp {NVR} IP-MIB ipNetToPhysicalTable")
    assert cam.location is not None
    assert (cam.location.switch, cam.location.switch_address) == (NVR, NVR)
    assert (cam.location.port, cam.location.if_index, cam.location.vlan) == ("PoE3", 3, None)
    assert cam.location.source == f"snmp {NVR} BRIDGE-MIB dot1dTpFdbTable"
    assert cam.location.uplink == "cam-sw1 port p10 vlan 20"
    assert other.mac == FOREIGN_MAC
    assert other.location is not None
    assert (other.location.switch, other.location.port) == (OTHER_NVR, "PoE1")


def test_without_the_recorders_tables_the_report_says_so() -> None:
    (blind,) = behind_devices(recorder(NVR, hik_camera()))
    assert blind.mac is None
    assert blind.location is None
    assert blind.mac_source == f"not reported by recorder {NVR} (ISAPI InputProxy gave none)"


def test_the_channel_apis_mac_wins_and_finds_its_port() -> None:
    """A MAC the recorder's API gave (ISAPI search, Dahua RemoteDevice) is kept with its
    source; the recorder's FDB still gives its port. Without --infra of the recorder: no port."""
    table = agent_tables(poe_view(NVR, POE, HIK_MAC, 3))
    (cam,) = behind_devices(recorder(NVR, hik_camera(HIK_MAC)), table)
    assert (cam.mac, cam.mac_source) == (HIK_MAC, f"recorder {NVR} ISAPI InputProxy")
    assert cam.location is not None
    assert cam.location.port == "PoE3"
    (alone,) = behind_devices(recorder(NVR, hik_camera(HIK_MAC)))
    assert alone.location is None


def located_doc() -> ScanDocument:
    nvr = Device(
        address=NVR,
        mac="44:19:b6:00:00:26",
        location=Location(switch="cam-sw1", port="p10", vlan=20, source="snmp 198.51.100.2"),
        observations=[o("sadp.DeviceDescription", "DS-7608NI-K2"), o("recorder.ip_channels", "1")],
    )
    cams = behind_devices(recorder(NVR, hik_camera()), agent_tables(poe_view(NVR, POE, HIK_MAC, 3)))
    return annotate(ScanDocument(devices=[nvr, *cams], scope=["192.0.2.0/24"]))


@pytest.mark.parametrize("fmt", [Format.TEXT, Format.TABLE, Format.HTML, Format.MARKDOWN])
def test_every_human_format_says_recorder_and_poe_port(fmt: Format) -> None:
    doc = located_doc()
    (cam,) = (d for d in doc.devices if d.behind)
    assert cam.policy.restricted  # a Hikvision camera: in every format's attention list
    out = render(doc, fmt, width=400)
    if fmt is Format.HTML:  # the text a reader sees: words are wrapped in no-break spans
        out = html.unescape(re.sub(r"<[^>]+>", "", out))
    assert SEEN in out, out[-2000:]
    assert "behind 192.0.2.26 channel 3" in out


def test_machine_formats_and_email_carry_the_poe_port() -> None:
    doc = located_doc()
    js = json.loads(render(doc, Format.JSON))
    (cam,) = (d for d in js["devices"] if d["behind"])
    assert cam["location"]["switch"] == NVR
    assert (cam["location"]["port"], cam["location"]["uplink"]) == (
        "PoE3",
        "cam-sw1 port p10 vlan 20",
    )
    rows = list(csv.DictReader(io.StringIO(render(doc, Format.CSV))))
    (row,) = (r for r in rows if r["address"] == POE)
    assert (row["switch"], row["port"], row["mac"]) == (NVR, "PoE3", HIK_MAC)
    assert row["uplink"] == "cam-sw1 port p10 vlan 20"  # where the recorder plugs in
    from camscan.config import EmailConfig

    msg = build_message(
        doc, EmailConfig.model_validate({"to": ["it@example.org"], "from": "camscan@example.org"})
    )
    body = msg.get_body(("plain",))
    assert body is not None
    assert SEEN in body.get_content()


def test_history_key_stays_the_serial_whatever_the_mac() -> None:
    """A camera behind a recorder keeps one identity when its MAC comes and goes (camera
    search answered or not, recorder given as --infra or not); its PoE port is stored."""
    doc = located_doc()
    (cam,) = (d for d in doc.devices if d.behind)
    assert candidate_keys(cam)[0] == "serial:DS2CD0003"
    assert candidate_keys(cam.model_copy(update={"mac": None}))[0] == "serial:DS2CD0003"
    state = DeviceState.of(cam, candidate_keys(cam)[0])
    assert (state.switch, state.switch_port, state.vlan) == (NVR, "PoE3", None)
    direct = Device(
        address="192.0.2.40", mac=DAHUA_MAC, observations=[o("onvif.serial", "X1234567")]
    )
    assert candidate_keys(direct)[:2] == [f"mac:{DAHUA_MAC}", "serial:X1234567"]  # unchanged
