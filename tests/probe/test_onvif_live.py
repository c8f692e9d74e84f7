"""The ONVIF probe against small raw-HTTP servers on 127.x: bombs, 404s and garbage."""

from __future__ import annotations

import asyncio

from camscan.models import AttemptStatus
from camscan.probe.base import ProbeTarget
from camscan.probe.onvif import OnvifProbe
from tests.probe.conftest import FAST, sample_bytes, tcp_server

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&lol3;'
    b"</s:Body></s:Envelope>"
)


def soap_server(reply_for: dict[str, tuple[int, bytes]], seen: list[bytes]):  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        body = await reader.readexactly(length)
        seen.append(head + body)
        op = next((k for k in reply_for if k.encode() in body), "")
        status, payload = reply_for.get(op, (404, b"not found"))
        writer.write(
            b"HTTP/1.1 %d X\r\nContent-Type: application/soap+xml\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % (status, len(payload)) + payload
        )
        await writer.drain()

    return handle


async def test_onvif_bomb_is_malformed_not_expanded(loopback: str) -> None:
    seen: list[bytes] = []
    async with tcp_server(
        soap_server({"GetSystemDateAndTime": (200, BOMB)}, seen), loopback
    ) as port:
        result = await OnvifProbe(ports=frozenset({port})).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    assert result.attempts[0].status is AttemptStatus.MALFORMED
    assert "DTDForbidden" in result.attempts[0].reason
    assert result.observations == ()


async def test_onvif_replayed_real_replies(loopback: str) -> None:
    replies = {
        "GetSystemDateAndTime": (200, sample_bytes("onvif-getsystemdateandtime.xml")),
        "GetCapabilities": (200, sample_bytes("onvif-getcapabilities.xml")),
        "GetServices": (200, sample_bytes("onvif-getservices.xml")),
        "GetDeviceInformation": (
            200,
            sample_bytes("onvif-dahua-getdeviceinformation.xml"),
        ),
    }
    seen: list[bytes] = []
    async with tcp_server(soap_server(replies, seen), loopback) as port:
        result = await OnvifProbe(ports=frozenset({port})).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    by = {o.signal: o.value for o in result.observations}
    assert int(by["onvif.clock_offset"]) < -300_000_000  # the recorded clock says 2016
    assert by["onvif.manufacturer"] == "Dahua"
    assert by["onvif.firmware"] == "2.811.0000013.0.R, Build Date 2023-12-20"
    services = [o.value for o in result.observations if o.signal == "onvif.service"]
    assert "http://www.onvif.org/ver20/ptz/wsdl" in services
    assert all(b"/onvif/device_service" in r for r in seen)
    assert not any(b"UsernameToken" in r for r in seen)  # no credentials were given


async def test_onvif_on_a_plain_web_server_is_no_answer(loopback: str) -> None:
    seen: list[bytes] = []
    async with tcp_server(soap_server({}, seen), loopback) as port:
        result = await OnvifProbe(ports=frozenset({port})).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    assert result.attempts[0].status is AttemptStatus.NO_ANSWER
    assert len(seen) == 1  # nothing else is tried on a host without a device service


async def test_onvif_recorder_channel_counts_with_a_login(loopback: str) -> None:
    """GetVideoSources answers anonymously; GetProfiles only with a WS-UsernameToken."""
    from camscan.credentials import Login
    from camscan.probe.base import Credentials, ProbeSettings

    fault = sample_bytes("onvif-fault-notauthorized.xml")
    profiles = sample_bytes("onvif-media-getprofiles.xml")
    seen: list[bytes] = []

    def handler():  # type: ignore[no-untyped-def]
        plain = soap_server(
            {
                "GetSystemDateAndTime": (200, sample_bytes("onvif-getsystemdateandtime.xml")),
                "GetVideoSources": (200, sample_bytes("onvif-media-getvideosources.xml")),
                "GetProfiles": (400, fault),
            },
            seen,
        )
        authed = soap_server({"GetProfiles": (200, profiles)}, seen)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            body = await reader.readexactly(length)
            again = asyncio.StreamReader()
            again.feed_data(head + body)
            again.feed_eof()
            chosen = authed if b"GetProfiles" in body and b"PasswordDigest" in body else plain
            await chosen(again, writer)

        return handle

    login = Login("audit", "s3cret-Onvif!")
    settings = ProbeSettings(
        timeout=1.0,
        connect_timeout=0.5,
        credentials=Credentials(username=login.username, password=login.password),
    )
    async with tcp_server(handler(), loopback) as port:
        result = await OnvifProbe(ports=frozenset({port})).run(
            ProbeTarget(loopback, frozenset({port})), settings
        )
    by = {o.signal: o.value for o in result.observations}
    assert by["onvif.video_sources"] == "8"
    assert by["onvif.profiles"] == "16"
    anonymous = [r for r in seen if b"GetVideoSources" in r]
    assert anonymous
    assert all(b"UsernameToken" not in r for r in anonymous)  # asked anonymously first
    assert all(b"s3cret-Onvif!" not in r for r in seen)  # a digest, never the password
