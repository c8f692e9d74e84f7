"""SNMP v2c agent (hand-assembled BER on the wire) and raw TCP banners."""

from __future__ import annotations

import asyncio

import pytest

from camscan.lab.responders import snmp
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


def request(
    pdu: int, oids: list[str], community: bytes = b"public", bulk: tuple[int, int] = (0, 0)
) -> bytes:
    varbinds = b"".join(
        snmp.tlv(snmp.SEQUENCE, snmp.encode_oid(snmp.parse_oid(o)) + b"\x05\x00") for o in oids
    )
    body = (
        snmp.encode_int(7) + snmp.encode_int(bulk[0]) + snmp.encode_int(bulk[1])
        + snmp.tlv(snmp.SEQUENCE, varbinds)
    )  # fmt: skip
    return snmp.tlv(
        snmp.SEQUENCE,
        snmp.encode_int(1) + snmp.tlv(snmp.OCTET_STRING, community) + snmp.tlv(pdu, body),
    )


def varbinds(reply: bytes) -> list[tuple[str, int, bytes]]:
    """(dotted OID, value tag, value content) from a Response."""
    _, message, _ = snmp.read_tlv(reply, 0)
    parts = snmp.read_all(message)
    assert parts[2][0] == snmp.RESPONSE
    fields = snmp.read_all(parts[2][1])
    assert snmp.decode_int(fields[0][1]) in (7, 0x12345678)
    assert snmp.decode_int(fields[1][1]) == 0
    out = []
    for _, vb in snmp.read_all(fields[3][1]):
        (_, oid), (tag, value) = snmp.read_all(vb)
        out.append((".".join(map(str, snmp.decode_oid(oid))), tag, value))
    return out


async def test_encoder_matches_hand_assembled_bytes() -> None:
    assert snmp.encode_oid(snmp.parse_oid(".1.3.6.1.4.1.39165.1.1.0")) == HIK_MODEL_OID
    assert snmp.decode_oid(HIK_MODEL_OID[2:]) == (1, 3, 6, 1, 4, 1, 39165, 1, 1, 0)
    assert snmp.encode_int(0x12345678) == bytes.fromhex("02 04 12 34 56 78")
    assert snmp.encode_int(128) == bytes.fromhex("02 02 00 80")  # stays positive
    assert snmp.encode_length(300) == bytes.fromhex("82 01 2c")
    with pytest.raises(snmp.BerError):
        snmp.decode_request(GET_MODEL[:-5])


async def test_get_hand_assembled_request() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        ((reply, source),) = await udp_exchange(dev.context.address, 11161, GET_MODEL)
    assert source == (dev.context.address, 11161)
    assert bytes.fromhex("02 04 12 34 56 78") in reply  # request-id echoed
    assert b"\x04\x0cDS-7608NI-K2" in reply
    assert varbinds(reply) == [("1.3.6.1.4.1.39165.1.1.0", snmp.OCTET_STRING, b"DS-7608NI-K2")]


async def test_get_missing_next_walk_bulk_and_community() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        addr = dev.context.address
        ((missing, _),) = await udp_exchange(addr, 11161, request(snmp.GET, ["1.3.6.1.2.1.1.2.0"]))
        ((first, _),) = await udp_exchange(addr, 11161, request(snmp.GET_NEXT, ["1.3.6.1"]))
        ((bulk, _),) = await udp_exchange(
            addr, 11161, request(snmp.GET_BULK, ["1.3.6.1.2.1.1"], bulk=(0, 10))
        )
        wrong = await udp_exchange(
            addr, 11161, request(snmp.GET, ["1.3.6.1.2.1.1.5.0"], b"private"), expect=0
        )
        junk = await udp_exchange(addr, 11161, b"\x30\x84\xff\xff\xff\xff", expect=0)
    # Hikvision cameras have no sysObjectID (LibreNMS detects them by exactly that).
    assert varbinds(missing) == [("1.3.6.1.2.1.1.2.0", snmp.NO_SUCH_OBJECT, b"")]
    assert varbinds(first)[0][0] == "1.3.6.1.2.1.1.3.0"  # sysUpTime is the first OID
    assert varbinds(first)[0][1] == snmp.TIMETICKS
    walked = [oid for oid, _, _ in varbinds(bulk)]
    assert walked == [
        "1.3.6.1.2.1.1.3.0",
        "1.3.6.1.2.1.1.5.0",
        "1.3.6.1.4.1.39165.1.1.0",
        "1.3.6.1.4.1.39165.1.3.0",
        "1.3.6.1.4.1.39165.1.3.0",  # endOfMibView repeats the last OID
    ]
    assert varbinds(bulk)[-1][1] == snmp.END_OF_MIB_VIEW
    assert wrong == []
    assert junk == []


async def test_banner_bytes_then_close_after_idle() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        loop = asyncio.get_running_loop()
        start = loop.time()
        data = await tcp_exchange(dev.context.address, 18000, b"", timeout=3)
        elapsed = loop.time() - start
    # nmap-service-probes:1821's Hikvision control-port reply bytes.
    assert data == b"\0\0\0\x10\0\0\0\x1e\0\0\0\x1e\0\0\0\0"
    assert 0.4 < elapsed < 2.0  # idle_close 0.5 s


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
