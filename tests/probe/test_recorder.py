"""Cameras behind recorders: the channel parsers on our fixtures and hostile input, and the
recorder probe against real digest-auth HTTP servers on 127.x."""

from __future__ import annotations

import pytest

from camscan.credentials import HostLogin, Login
from camscan.models import AttemptStatus
from camscan.probe.base import Credentials, ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.recorder import NotOffered, dahua, hikvision
from camscan.probe.recorder.probe import RecorderProbe
from camscan.probe.soap import SoapError
from camscan.scope import parse_target
from tests.helpers import protocol_bytes
from tests.probe.recorder_server import Recorder, serve

PASSWORD = "s3cret-Recorder!"
ISAPI_LIST = protocol_bytes("hikvision-isapi-inputproxy-channels.xml")
ISAPI_STATUS = protocol_bytes("hikvision-isapi-inputproxy-status.xml")
DAHUA = protocol_bytes("dahua-remotedevice-getconfig.txt")
ISAPI_SEARCH = protocol_bytes("hikvision-isapi-inputproxy-search.xml")


def hik_routes() -> dict[str, tuple[int, bytes]]:
    return {hikvision.CHANNELS_PATH: (200, ISAPI_LIST), hikvision.STATUS_PATH: (200, ISAPI_STATUS)}


def settings_for(address: str, password: str = PASSWORD, timeout: float = 1.0) -> ProbeSettings:
    login = HostLogin(parse_target(address, skip_edges=False), Login("audit", password))
    return ProbeSettings(
        timeout=timeout, connect_timeout=0.5, credentials=Credentials(hosts=(login,))
    )


async def probe(address: str, port: int, settings: ProbeSettings) -> ProbeResult:
    return await RecorderProbe(frozenset({port})).run(
        ProbeTarget(address=address, open_ports=frozenset({port})), settings
    )


def fields(result: ProbeResult, channel: int) -> dict[str, str]:
    cam = next(c for c in result.cameras if c.channel == channel)
    return {o.signal: o.value for o in cam.observations}


# --- parsers ---------------------------------------------------------------------------------


def test_isapi_list_and_status() -> None:
    channels = hikvision.parse_channels(ISAPI_LIST)
    assert sorted(channels) == [1, 2, 3]
    assert channels[1] == {
        "name": "Entrance",
        "protocol": "HIKVISION",
        "address": "198.51.100.11",
        "port": "8000",
    }
    assert channels[2]["protocol"] == "ONVIF"  # older firmware's adminProtocol
    status = hikvision.parse_channels(ISAPI_STATUS)
    assert status[1]["model"] == "DS-2CD2143G2-I"
    assert status[1]["serial"] == "DS-2CD2143G2-I20240101AAWRLAB000011"
    assert status[1]["firmware"] == "V5.7.3 build 220112"
    assert (status[3]["online"], status[3]["detect"]) == ("false", "notExist")
    assert "lab-camera-secret" not in repr(status)  # the camera's own password is dropped


def test_isapi_search_gives_macs_by_address() -> None:
    macs = hikvision.parse_search(ISAPI_SEARCH)
    # colon and dash forms normalised; the all-zero MAC and the bad address skipped
    assert macs == {"198.51.100.11": "44:19:b6:0a:11:01", "198.51.100.12": "e0:50:8b:00:21:02"}
    assert "camera-Secret-1" not in repr(macs)


def test_isapi_search_errors() -> None:
    with pytest.raises(NotOffered):
        hikvision.parse_search(
            b"<ResponseStatus><statusCode>4</statusCode>"
            b"<subStatusCode>notSupport</subStatusCode></ResponseStatus>"
        )
    with pytest.raises(ValueError, match="not a video source list"):
        hikvision.parse_search(ISAPI_LIST)
    with pytest.raises(SoapError):
        hikvision.parse_search(b"\x00junk<")
    many = "".join(
        f"<VideoSourceDescriptor><ipAddress>198.51.{i // 250}.{i % 250}</ipAddress>"
        f"<macAddress>44:19:b6:00:{i // 250:02x}:{i % 250:02x}</macAddress></VideoSourceDescriptor>"
        for i in range(hikvision.MAX_CHANNELS + 40)
    )
    body = f"<VideoSourceList>{many}</VideoSourceList>".encode()
    assert len(hikvision.parse_search(body)) == hikvision.MAX_CHANNELS


def test_dahua_remote_devices() -> None:
    channels = dahua.parse_remote_devices(DAHUA)
    assert sorted(channels) == [1, 2]  # the disabled slot is no camera
    assert channels[1] == {
        "address": "203.0.113.21",
        "model": "IPC-HDW2431T-AS-S2",
        "http_port": "80",
        "mac": "e0:50:8b:00:21:01",
        "name": "Lobby",
        "port": "37777",
        "protocol": "Private",
        "serial": "LAB0DAHUA0021",
        "manufacturer": "Dahua",
        "firmware": "2.840.0000000.18.R",
    }
    assert channels[2]["manufacturer"] == "HIKVISION"
    assert "lab-camera-secret" not in repr(channels)
    assert "admin" not in repr(channels)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>login</html",
        b'<!DOCTYPE x [<!ENTITY a "b">]><InputProxyChannelList/>',
        b"\xff\xfe\x00garbage",
        b"",
    ],
)
def test_isapi_garbage_is_the_documented_error(body: bytes) -> None:
    with pytest.raises(SoapError):
        hikvision.parse_channels(body)


def test_isapi_wrong_document_and_wrong_types() -> None:
    with pytest.raises(NotOffered, match="notSupport"):
        hikvision.parse_channels(
            b"<ResponseStatus><statusCode>4</statusCode><statusString>Invalid Operation"
            b"</statusString><subStatusCode>notSupport</subStatusCode></ResponseStatus>"
        )
    with pytest.raises(ValueError, match="not a channel list"):
        hikvision.parse_channels(b"<DeviceInfo><model>DS-2CD2143G2-I</model></DeviceInfo>")
    odd = (
        b"<InputProxyChannelList><InputProxyChannel><id>x1</id></InputProxyChannel>"
        b"<InputProxyChannel><id>99999999999</id></InputProxyChannel>"
        b"<InputProxyChannel><id>4</id><name>\x1b[31mred</name></InputProxyChannel>"
        b"</InputProxyChannelList>"
    )
    parsed = hikvision.parse_channels(odd)
    assert list(parsed) == [4]  # ids that are not channel numbers are skipped
    assert "\x1b" not in parsed[4]["name"]


def test_isapi_many_channels_are_capped() -> None:
    item = b"<InputProxyChannel><id>%d</id></InputProxyChannel>"
    items = b"".join(item % i for i in range(1, 2000))
    body = b"<InputProxyChannelList>" + items + b"</InputProxyChannelList>"
    assert len(hikvision.parse_channels(body)) == hikvision.MAX_CHANNELS


def test_dahua_garbage() -> None:
    with pytest.raises(NotOffered):
        dahua.parse_remote_devices(b"Error\r\nBad Request!\r\n")
    with pytest.raises(ValueError, match=r"no table\.RemoteDevice"):
        dahua.parse_remote_devices(b"\x00\x01 binary junk = 1\r\n")
    huge = b"table.RemoteDevice.x.Address=203.0.113.9\r\ntable.RemoteDevice.x.Name=" + b"A" * 99_999
    (name,) = (v["name"] for v in dahua.parse_remote_devices(huge).values())
    assert name.startswith("AAAA")
    assert len(name) <= 200


# --- the probe against real servers ------------------------------------------------------------


async def test_hikvision_nvr_with_digest(loopback: str) -> None:
    nvr = Recorder(hik_routes())
    async with serve(nvr, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback))
    assert [a.status for a in result.attempts] == [AttemptStatus.OK]
    assert "ISAPI InputProxy: 3 IP channels" in result.attempts[0].reason
    assert [c.channel for c in result.cameras] == [1, 2, 3]
    addresses = [c.address for c in result.cameras]
    assert addresses == ["198.51.100.11", "198.51.100.12", "198.51.100.13"]
    one = fields(result, 1)
    assert one["channel.model"] == "DS-2CD2143G2-I"
    assert one["channel.protocol"] == "HIKVISION"
    assert one["channel.address"] == "198.51.100.11:8000"
    assert fields(result, 2)["channel.model"] == "IPC-HFW2431S-S-S2"
    assert [o.value for o in result.observations if o.signal == "recorder.ip_channels"] == ["3"]
    # First request anonymous, then digest; only GETs, never another method.
    assert nvr.requests[0].endswith("anon")
    assert {r.split()[0] for r in nvr.requests} == {"GET"}
    assert all("Basic" not in h for h in nvr.headers_seen)
    assert PASSWORD not in "".join(nvr.headers_seen)
    assert PASSWORD not in repr(result)


async def test_hikvision_camera_macs_from_the_search(loopback: str) -> None:
    """InputProxy carries no MAC: the recorder's camera search gives it, matched by address;
    a camera the search does not list keeps none."""
    nvr = Recorder({**hik_routes(), hikvision.SEARCH_PATH: (200, ISAPI_SEARCH)})
    async with serve(nvr, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback))
    assert [a.status for a in result.attempts] == [AttemptStatus.OK]
    assert result.attempts[0].reason == "ISAPI InputProxy: 3 IP channels"
    macs = {c.address: c.mac for c in result.cameras}
    assert macs == {
        "198.51.100.11": "44:19:b6:0a:11:01",
        "198.51.100.12": "e0:50:8b:00:21:02",
        "198.51.100.13": None,
    }
    assert any(r.startswith(f"GET {hikvision.SEARCH_PATH}") for r in nvr.requests)
    assert {r.split()[0] for r in nvr.requests} == {"GET"}
    assert "camera-Secret-1" not in repr(result)


async def test_hikvision_search_failing_keeps_the_channels(loopback: str) -> None:
    nvr = Recorder({**hik_routes(), hikvision.SEARCH_PATH: (200, b"<VideoSourceList><x")})
    async with serve(nvr, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback))
    assert [a.status for a in result.attempts] == [AttemptStatus.OK]
    assert "; search: " in result.attempts[0].reason
    assert len(result.cameras) == 3
    assert all(c.mac is None for c in result.cameras)


async def test_dahua_nvr_after_isapi_404(loopback: str) -> None:
    nvr = Recorder({dahua.REMOTE_DEVICE_PATH: (200, DAHUA)})
    async with serve(nvr, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback))
    assert [a.status for a in result.attempts] == [AttemptStatus.NO_ANSWER, AttemptStatus.OK]
    assert [c.channel for c in result.cameras] == [1, 2]
    assert result.cameras[0].mac == "e0:50:8b:00:21:01"
    assert fields(result, 2)["channel.manufacturer"] == "HIKVISION"


async def test_wrong_password_is_denied_and_not_retried(loopback: str) -> None:
    nvr = Recorder(hik_routes())
    async with serve(nvr, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback, password="wrong"))
    assert [a.status for a in result.attempts] == [AttemptStatus.DENIED]
    assert "credentials refused" in result.attempts[0].reason
    assert result.cameras == ()
    assert len(nvr.requests) == 2  # anonymous, then one digest answer: no guessing, no Dahua


async def test_basic_only_when_the_device_demands_it(loopback: str) -> None:
    nvr = Recorder(hik_routes(), scheme="basic")
    async with serve(nvr, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback))
    assert [c.channel for c in result.cameras] == [1, 2, 3]
    assert nvr.requests[0].endswith("anon")


async def test_malformed_reply_and_timeout_are_statuses(loopback: str) -> None:
    nvr = Recorder({hikvision.CHANNELS_PATH: (200, b"<InputProxyChannelList><id>")})
    async with serve(nvr, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback))
    assert result.attempts[0].status is AttemptStatus.MALFORMED
    stalled = Recorder(hik_routes(), stall=True)
    async with serve(stalled, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback, timeout=0.3))
    assert [a.status for a in result.attempts] == [AttemptStatus.TIMEOUT]


async def test_no_credentials_no_request(loopback: str) -> None:
    nvr = Recorder(hik_routes())
    async with serve(nvr, loopback) as port:
        result = await RecorderProbe(frozenset({port})).run(
            ProbeTarget(address=loopback, open_ports=frozenset({port})),
            ProbeSettings(timeout=1.0, connect_timeout=0.5),
        )
    assert [a.status for a in result.attempts] == [AttemptStatus.SKIPPED]
    assert nvr.requests == []


async def test_a_camera_with_a_login_is_no_recorder(loopback: str) -> None:
    """A Hikvision camera answers InputProxy with a ResponseStatus, the Dahua CGI with Error:
    both are "not offered", and no camera is invented."""
    camera = Recorder(
        {
            hikvision.CHANNELS_PATH: (
                200,
                b"<ResponseStatus><statusCode>4</statusCode><subStatusCode>notSupport"
                b"</subStatusCode></ResponseStatus>",
            ),
            dahua.REMOTE_DEVICE_PATH: (200, b"Error\r\nBad Request!\r\n"),
        }
    )
    async with serve(camera, loopback) as port:
        result = await probe(loopback, port, settings_for(loopback))
    assert [a.status for a in result.attempts] == [AttemptStatus.NO_ANSWER] * 2
    assert result.cameras == ()
    assert result.observations == ()
