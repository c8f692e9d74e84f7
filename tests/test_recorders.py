"""Recorder channel counts without credentials, "behind" devices in the store, every summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from camscan.cli import main
from camscan.models import AttemptStatus, Behind, Device, Observation, ProbeAttempt, ScanDocument
from camscan.recorders import channels, describe
from camscan.report import Format, render
from camscan.report.common import summarize
from camscan.store.identity import candidate_keys
from camscan.verdict import annotate


def o(signal: str, value: str) -> Observation:
    return Observation(signal=signal, value=value, source="test")


def sadp_nvr(address: str = "192.0.2.26") -> Device:
    """What a Hikvision NVR's SADP reply says for free (fields as in the sadp fixtures)."""
    return Device(
        address=address,
        observations=[
            o("sadp.DeviceDescription", "DS-7608NI-K2"),
            o("sadp.DigitalChannelNum", "8"),
            o("sadp.AnalogChannelNum", "0"),
        ],
    )


def scanned(*devices: Device) -> ScanDocument:
    return annotate(ScanDocument(devices=list(devices), scope=["192.0.2.0/24"]))


def test_sadp_counts_without_credentials_in_every_summary() -> None:
    doc = scanned(sadp_nvr())
    (nvr,) = doc.devices
    assert nvr.channels is not None
    assert (nvr.channels.ip, nvr.channels.analog, nvr.channels.enumerated) == (8, 0, 0)
    said = "recorder with 8 IP channels, cameras not enumerated (give credentials)"
    assert describe(nvr.channels) == said
    assert f"recorders: 192.0.2.26: {said}" in summarize(doc).line()
    for fmt in (Format.TEXT, Format.HTML, Format.MARKDOWN, Format.TABLE):
        assert said in render(doc, fmt, width=400), fmt
    assert json.loads(render(doc, Format.JSON))["devices"][0]["channels"]["ip"] == 8


def test_dhip_xvr_counts_ip_and_analog() -> None:
    xvr = Device(
        address="192.0.2.27",
        observations=[
            o("dhip.DeviceType", "XVR5108HS"),
            o("dhip.RemoteVideoInputChannels", "8"),
            o("dhip.VideoInputChannels", "4"),
        ],
    )
    (found,) = scanned(xvr).devices
    assert found.channels is not None
    assert describe(found.channels) == (
        "recorder with 8 IP channels and 4 analog channels, cameras not enumerated "
        "(give credentials)"
    )


@pytest.mark.parametrize(
    "signals",
    [
        [("sadp.DigitalChannelNum", "1"), ("sadp.AnalogChannelNum", "0")],  # a camera: itself
        [("dhip.VideoInputChannels", "1"), ("dhip.RemoteVideoInputChannels", "0")],
        [("sadp.DigitalChannelNum", "x99")],
    ],
)
def test_a_camera_is_no_recorder(signals: list[tuple[str, str]]) -> None:
    device = Device(address="192.0.2.30", observations=[o(s, v) for s, v in signals])
    assert channels(device) is None


def test_refused_login_and_enumerated_cameras() -> None:
    denied = sadp_nvr().model_copy(
        update={
            "attempts": [
                ProbeAttempt(probe="recorder", status=AttemptStatus.DENIED, reason="HTTP 401")
            ]
        }
    )
    refused = channels(denied)
    assert refused is not None
    assert refused.note == "login refused, cameras not enumerated"
    cam = Device(
        address="198.51.100.11",
        behind=Behind(recorder="192.0.2.26", channel=1, api="ISAPI InputProxy"),
        observations=[o("channel.model", "DS-2CD2143G2-I")],
    )
    doc = scanned(sadp_nvr(), cam)
    nvr = next(d for d in doc.devices if d.behind is None)
    assert nvr.channels is not None
    assert nvr.channels.note == "1 camera enumerated"
    behind = next(d for d in doc.devices if d.behind is not None)
    assert behind.channels is None
    assert behind.identification.vendor == "Hikvision"
    assert "behind 192.0.2.26 channel 1" in render(doc, Format.TEXT)


def test_behind_devices_keep_their_identity_across_recorders() -> None:
    first = Device(address="198.51.100.11", behind=Behind(recorder="192.0.2.26", channel=3))
    same_address = Device(address="198.51.100.11", behind=Behind(recorder="192.0.2.27", channel=3))
    assert candidate_keys(first) == ["behind:192.0.2.26#3"]
    assert candidate_keys(same_address) == ["behind:192.0.2.27#3"]
    with_serial = first.model_copy(update={"observations": [o("channel.serial", "LAB0DAHUA0021")]})
    assert candidate_keys(with_serial) == ["serial:LAB0DAHUA0021", "behind:192.0.2.26#3"]


def test_capacity_and_channels_in_use_are_two_numbers() -> None:
    """SADP's DigitalChannelNum is what the recorder has; the channel API's list is what is
    configured: '8 IP channels (3 in use)', never '3 IP channels' for an 8-port NVR."""
    nvr = sadp_nvr().model_copy(
        update={"observations": [*sadp_nvr().observations, o("recorder.ip_channels", "3")]}
    )
    (found,) = scanned(nvr).devices
    assert found.channels is not None
    assert (found.channels.ip, found.channels.in_use) == (8, 3)
    assert describe(found.channels).startswith("recorder with 8 IP channels (3 in use), ")


def test_routed_recorder_says_why_its_capacity_is_unknown() -> None:
    """Routed: no SADP (link-local multicast); ONVIF video sources are channels in use."""
    routed = Device(address="192.0.2.26", observations=[o("onvif.video_sources", "3")])
    found = channels(routed, enumerated=3)
    assert found is not None
    said = describe(found)
    assert said.startswith("recorder with 3 IP channels in use (capacity unknown: no SADP/DHIP")
    assert "SADP does not cross routers" in said
    assert said.endswith(", 3 cameras enumerated")
    bare = channels(Device(address="192.0.2.26"), enumerated=1)
    assert bare is not None
    assert "unknown channels (capacity unknown: " in describe(bare)


def test_refused_login_makes_the_scan_incomplete_and_is_named() -> None:
    """A recorder that refuses the user's login: the summary names it, the scan is
    INCOMPLETE, and a restricted finding still gives exit code 5 (never hidden)."""
    from datetime import UTC, datetime

    from camscan.engine.document import build_document
    from camscan.engine.hosts import HostRecord, HostTable
    from camscan.exitcodes import ExitCode, exit_code
    from camscan.netroute import LinkPlan
    from camscan.scope import build_scope

    refused = ProbeAttempt(
        probe="recorder", status=AttemptStatus.DENIED, reason="credentials refused (HTTP 401)"
    )
    record = HostRecord(address="192.0.2.26")
    record.observations.extend(sadp_nvr().observations)
    record.attempts.append(refused)
    doc = build_document(
        records=[record],
        table=HostTable(build_scope(["192.0.2.26"])),
        plan=LinkPlan(iface=None, address=None, on_link=(), chosen_by=""),
        methods=[],
        method_runs=[],
        attempts=[],
        started=datetime.now(UTC),
        complete=True,
        interrupted=False,
    )
    assert doc.complete is False
    line = summarize(annotate(doc)).line()
    assert "scan INCOMPLETE (recorder 192.0.2.26: login refused, cameras not enumerated)" in line
    assert "192.0.2.26: recorder with 8 IP channels, login refused, cameras not enumerated" in line
    assert exit_code(True, [ExitCode.INCOMPLETE]) is ExitCode.FINDINGS_INCOMPLETE


def test_a_camera_without_a_mac_from_its_recorder_says_so() -> None:
    """A channel API that gives no MAC (ISAPI without the camera search): the report says
    'not reported by recorder', the JSON says why in mac_source; a Dahua RemoteDevice MAC is
    kept with its source."""
    from camscan.engine.document import behind_devices
    from camscan.engine.hosts import HostRecord
    from camscan.probe.base import BehindCamera

    record = HostRecord(address="192.0.2.26")
    record.cameras.extend(
        [
            BehindCamera(channel=1, api="ISAPI InputProxy", address="203.0.113.10"),
            BehindCamera(
                channel=2, api="Dahua RemoteDevice", address="203.0.113.11", mac="3c:ef:8c:00:00:01"
            ),
        ]
    )
    hik, dahua = behind_devices(record)
    assert hik.mac is None
    assert hik.mac_source == "not reported by recorder 192.0.2.26 (ISAPI InputProxy gave none)"
    assert (dahua.mac, dahua.mac_source) == (
        "3c:ef:8c:00:00:01",
        "recorder 192.0.2.26 Dahua RemoteDevice",
    )
    doc = scanned(sadp_nvr(), hik, dahua)
    for fmt in (Format.TEXT, Format.HTML, Format.MARKDOWN, Format.TABLE):
        assert "not reported by recorder" in render(doc, fmt, width=400), fmt
    direct = scanned(Device(address="192.0.2.30"))
    assert "not reported by recorder" not in render(direct, Format.TEXT)
    js = json.loads(render(doc, Format.JSON))
    assert [d["mac_source"] for d in js["devices"] if d["address"] == "203.0.113.10"] == [
        hik.mac_source
    ]


def test_config_show_lists_credentials_without_the_password(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[credentials]]\nhosts = ["192.0.2.26", "192.0.2.40-50"]\nusername = "audit"\n'
        'password_env = "NVR_PW"\n'
    )
    shown = CliRunner().invoke(
        main, ["config", "show", "--config", str(path)], env={"NVR_PW": "Topsecret-26"}
    )
    assert shown.exit_code == 0, shown.output
    assert 'password_env = "NVR_PW"' in shown.stdout
    assert "Topsecret-26" not in shown.output


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('hosts = ["192.0.2.300"]\nusername = "a"\npassword_env = "X"\n', "192.0.2.300"),
        ('hosts = ["192.0.2.26"]\nusername = "a"\n', "give password_env or password_file"),
        ('hosts = ["192.0.2.26"]\nusername = "a"\npassword_env = "UNSET_NVR_PW"\n', "not set"),
    ],
)
def test_bad_credentials_tables_stop_before_any_packet(
    tmp_path: Path, table: str, said: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[[credentials]]\n" + table)
    result = CliRunner().invoke(
        main, ["scan", "--no-db", "--config", str(path), "127.0.0.1"], env={}
    )
    assert result.exit_code == 2
    assert said in result.output


def test_a_camera_behind_a_recorder_is_a_camera_and_recorders_are_counted_apart() -> None:
    """The recorder lists it as a channel's video source: a camera even when nothing names
    its model's type (the routed lab's Axis behind the Dahua NVR); the summary counts
    recorders apart from cameras."""
    axis = Device(
        address="203.0.113.142",
        behind=Behind(recorder="192.0.2.26", channel=3, api="Dahua RemoteDevice"),
        observations=[o("channel.manufacturer", "AXIS"), o("channel.model", "P3245-LVE")],
    )
    doc = scanned(sadp_nvr(), axis)
    behind = next(d for d in doc.devices if d.behind is not None)
    assert behind.identification.device_type == "camera"
    summary = summarize(doc)
    assert (summary.cameras, summary.recorder_count) == (1, 1)
    assert summary.line().startswith("2 devices, 1 camera, 1 recorder, ")
    lone = summarize(scanned(sadp_nvr(), sadp_nvr("192.0.2.27")))
    assert lone.line().startswith("2 devices, 0 cameras, 2 recorders, ")


def test_a_camera_that_refuses_the_login_is_not_called_a_recorder() -> None:
    """--username for a whole subnet: a plain camera answering 401 makes the run incomplete
    too (the login given was refused), but the summary does not call it a recorder."""
    camera = Device(
        address="192.0.2.30",
        observations=[o("onvif.manufacturer", "AXIS")],
        attempts=[ProbeAttempt(probe="recorder", status=AttemptStatus.DENIED, reason="HTTP 401")],
    )
    doc = scanned(camera).model_copy(update={"complete": False})
    line = summarize(doc).line()
    assert "scan INCOMPLETE (192.0.2.30: login refused)" in line
    assert "recorder 192.0.2.30" not in line
