"""SNMP agent (pysnmp agent side: v2c and v3) and raw TCP banners."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from camscan.lab.persona import Banner, Persona, SnmpUser
from camscan.probe.banner import smb_negotiate
from camscan.snmp import SnmpAuth, SnmpSession
from tests.lab_responders.wire import persona, running, tcp_exchange, udp_exchange

pytestmark = pytest.mark.asyncio(loop_scope="session")

# GetRequest v2c, community "public", request-id 0x12345678, OID 1.3.6.1.4.1.39165.1.1.0,
# assembled by hand from X.690 (39165 = 2*128^2 + 49*128 + 125 -> 82 b1 7d).
HIK_MODEL_OID = bytes.fromhex("06 0b 2b 06 01 04 01 82 b1 7d 01 01 00")
GET_MODEL = (
    bytes.fromhex(
        "30 2c 02 01 01 04 06 70 75 62 6c 69 63"  # SEQUENCE, version 1 (v2c), "public"
        "a0 1f 02 04 12 34 56 78 02 01 00 02 01 00"  # GetRequest, request-id, 0, 0
        "30 11 30 0f"  # varbind list, varbind
    )
    + HIK_MODEL_OID
    + b"\x05\x00"
)
V3_USER = SnmpAuth(
    version=3, user="audit", auth_protocol="sha256", auth_password="lab-auth-pass",
    priv_protocol="aes", priv_password="lab-priv-pass",
)  # fmt: skip


def with_v3(p: Persona) -> Persona:
    assert p.snmp is not None
    user = SnmpUser(
        user="audit", auth_protocol="sha256", auth_password="lab-auth-pass",
        priv_protocol="aes", priv_password="lab-priv-pass",
    )  # fmt: skip
    return p.model_copy(update={"snmp": p.snmp.model_copy(update={"v3_users": (user,)})})


async def test_get_hand_assembled_request() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        ((reply, source),) = await udp_exchange(dev.context.address, 11161, GET_MODEL)
    assert source == (dev.context.address, 11161)
    assert reply[0] == 0x30
    assert bytes.fromhex("02 04 12 34 56 78") in reply  # request-id echoed
    assert bytes.fromhex("a2") in reply  # a Response-PDU
    assert HIK_MODEL_OID + b"\x04\x0cDS-7608NI-K2" in reply


async def test_get_missing_walk_bulk_and_wrong_community() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        addr = dev.context.address
        async with SnmpSession(addr, SnmpAuth(community="public"), port=11161) as s:
            values, failure = await s.get(("1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.5.0"))
            walked = await s.walk("1.3.6.1")
        async with SnmpSession(
            addr, SnmpAuth(community="private"), port=11161, timeout=0.3, retries=0
        ) as s:
            _, wrong = await s.get(("1.3.6.1.2.1.1.5.0",))
        junk = await udp_exchange(addr, 11161, b"\x30\x84\xff\xff\xff\xff", expect=0)
    assert failure is None
    # Hikvision cameras have no sysObjectID (LibreNMS detects them by exactly that).
    assert values == {"1.3.6.1.2.1.1.2.0": None, "1.3.6.1.2.1.1.5.0": b"nvr-lobby"}
    assert [".".join(map(str, oid)) for oid, _ in walked.rows] == [
        "1.3.6.1.2.1.1.3.0",
        "1.3.6.1.2.1.1.5.0",
        "1.3.6.1.4.1.39165.1.1.0",
        "1.3.6.1.4.1.39165.1.3.0",
    ]
    assert walked.rows[0][1] == 123456  # sysUpTime, TimeTicks
    assert walked.failure is None
    assert wrong is not None
    assert wrong.kind == "timeout"
    assert junk == []


async def test_v3_authpriv_user_and_wrong_pass_phrase() -> None:
    async with running(with_v3(persona("hikvision-nvr"))) as dev:
        addr = dev.context.address
        async with SnmpSession(addr, V3_USER, port=11161) as s:
            values, failure = await s.get(("1.3.6.1.4.1.39165.1.1.0",))
        wrong_user = replace(V3_USER, auth_password="not-the-pass")
        async with SnmpSession(addr, wrong_user, port=11161, timeout=0.5, retries=0) as s:
            _, refused = await s.get(("1.3.6.1.4.1.39165.1.1.0",))
    assert failure is None
    assert values == {"1.3.6.1.4.1.39165.1.1.0": b"DS-7608NI-K2"}
    assert refused is not None
    assert refused.kind == "auth"
    assert "not-the-pass" not in refused.message


async def _exchange(address: str, port: int, request: bytes) -> tuple[bytes, bool]:
    """Connect, send ``request`` (maybe nothing), read to EOF: (bytes, closed by the peer)."""
    reader, writer = await asyncio.open_connection(address, port)
    try:
        if request:
            writer.write(request)
            await writer.drain()
        # The responder closes an idle connection itself (idle_close 0.5 s): read() ends at
        # its EOF; a responder that never closed would hit the 30 s guard and fail.
        data = await asyncio.wait_for(reader.read(), 30)
        return data, reader.at_eof()
    finally:
        writer.close()


async def test_sdk_port_answers_only_the_smb_negotiate_probe() -> None:
    """Hikvision's SDK port never speaks first (issue 10 §4): a bare connect and an HTTP
    request get silence; nmap's SMBProgNeg request gets the 16-byte reply."""
    async with running(persona("hikvision-nvr")) as dev:
        addr = dev.context.address
        unprompted = await _exchange(addr, 18000, b"")
        http = await _exchange(addr, 18000, b"GET / HTTP/1.0\r\n\r\n")
        smb = await _exchange(addr, 18000, smb_negotiate())
    assert unprompted == (b"", True)
    assert http == (b"", True)
    # nmap-service-probes:14039 (match hik-connect, the reply to SMBProgNeg).
    assert smb == (b"\0\0\0\x10\0\0\0\x0d\0\0\0\x0d\0\0\0\0", True)


async def test_banner_without_prompt_is_sent_on_connect() -> None:
    ssh = Persona(id="ssh", banners={18022: Banner(text="SSH-2.0-OpenSSH_9.2\r\n", idle_close=0.5)})
    async with running(ssh) as dev:
        data = await _exchange(dev.context.address, 18022, b"")
    assert data == (b"SSH-2.0-OpenSSH_9.2\r\n", True)


async def test_rtsp_options_and_describe_keep_persona_order() -> None:
    req = (
        b"OPTIONS rtsp://x/ RTSP/1.0\r\nCSeq: 2\r\n\r\n"
        b"DESCRIBE rtsp://x/ RTSP/1.0\r\nCSeq: 3\r\nAccept: application/sdp\r\n\r\n"
        b"SETUP rtsp://x/ RTSP/1.0\r\nCSeq: 4\r\n\r\n"
    )
    async with running(persona("dahua-ipc")) as dev:
        raw = await tcp_exchange(dev.context.address, 28554, req, timeout=0.5)
        hostile = await tcp_exchange(
            dev.context.address, 28554, b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nInjected: x\r\n\r\n",
            timeout=0.5,
        )  # fmt: skip
    options, describe, setup, _ = raw.split(b"\r\n\r\n")
    assert options.split(b"\r\n")[:3] == [
        b"RTSP/1.0 200 OK",
        b"CSeq: 2",
        b"Server: Dahua Rtsp Server",
    ]
    # nmap-service-probes:12373: Dahua's 401 lists WWW-Authenticate before Server.
    assert describe.split(b"\r\n") == [
        b"RTSP/1.0 401 Unauthorized",
        b"CSeq: 3",
        b'WWW-Authenticate: Basic realm="device"',
        b"Server: Dahua Rtsp Server",
        b"Content-Length: 0",
    ]
    assert setup.startswith(b"RTSP/1.0 405 Method Not Allowed\r\nCSeq: 4")
    assert b"Injected" not in hostile


async def test_rtsp_hikvision_double_www_authenticate_with_fresh_nonce() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        raw = await tcp_exchange(
            dev.context.address, 18554, b"DESCRIBE rtsp://x/ RTSP/1.0\r\nCSeq: 9\r\n\r\n" * 2,
            timeout=0.5,
        )  # fmt: skip
    first, second, _ = raw.split(b"\r\n\r\n")
    lines = first.split(b"\r\n")
    assert lines[2].startswith(b'WWW-Authenticate: Digest realm="Hikvision", nonce="')
    assert lines[3] == b'WWW-Authenticate: Basic realm="/"'
    assert first != second  # a fresh 32-hex nonce each time
