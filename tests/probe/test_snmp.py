"""SNMP BER codec on hand-assembled bytes and the probe against a real UDP agent on 127.x."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from camscan.identify import identify
from camscan.models import AttemptStatus
from camscan.probe.base import Credentials, ProbeSettings, ProbeTarget
from camscan.probe.snmp import (
    GET_RESPONSE,
    INTEGER,
    NO_SUCH_OBJECT,
    OCTET_STRING,
    SEQUENCE,
    BerError,
    SnmpProbe,
    decode_oid,
    decode_response,
    encode_get_request,
    encode_oid,
    read_tlv,
    tlv,
)
from camscan.signatures import load_signatures
from tests.probe.conftest import sample_bytes

# GetResponse, request-id 42, sysDescr.0 = "hello", assembled by hand from X.690 rules:
# 30 2b | 02 01 01 | 04 06 "public" | a2 1e | 02 01 2a 02 01 00 02 01 00 | 30 13 | 30 11 |
# 06 08 2b 06 01 02 01 01 01 00 | 04 05 "hello"
HAND_RESPONSE = bytes.fromhex(
    "302b 020101 0406 7075626c6963 a21e 02012a 020100 020100 3013 3011"
    " 0608 2b06010201010100 0405 68656c6c6f".replace(" ", "")
)


def test_hand_assembled_response_decodes() -> None:
    resp = decode_response(HAND_RESPONSE)
    assert resp.request_id == 42
    assert resp.error_status == 0
    assert [(b.oid, b.value) for b in resp.varbinds] == [("1.3.6.1.2.1.1.1.0", "hello")]


def test_oid_encoding_matches_x690() -> None:
    # 39165 = 2*128^2 + 49*128 + 125 -> 82 b1 7d (base-128, high bit on all but the last).
    expected = bytes.fromhex("060b 2b06010401 82b17d 010100".replace(" ", ""))
    assert encode_oid("1.3.6.1.4.1.39165.1.1.0") == expected
    assert encode_oid("1.3.6.1.2.1.1.1.0") == bytes.fromhex("06082b06010201010100")


def test_get_request_layout() -> None:
    msg = encode_get_request(b"public", 0x010203, ("1.3.6.1.2.1.1.1.0",))
    assert msg == bytes.fromhex(
        "3028 020101 0406 7075626c6963 a01b 0203010203 020100 020100 300e 300c"
        " 0608 2b06010201010100 0500".replace(" ", "")
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x84\xff\xff\xff\xff",  # claims 4 GiB
        b"\x30\x80\x00\x00",  # indefinite length
        HAND_RESPONSE[:-3],  # truncated value
        HAND_RESPONSE.replace(b"\xa2\x1e", b"\xa0\x1e"),  # a GetRequest, not a response
        b"\x1f\xff\xff\xff",
        HAND_RESPONSE.replace(bytes.fromhex("06082b06010201010100"), b"\x06\x08" + b"\xff" * 8),
    ],
)
def test_hostile_datagrams_raise_ber_error(data: bytes) -> None:
    with pytest.raises(BerError):
        decode_response(data)


def test_read_tlv_bounds() -> None:
    assert read_tlv(b"\x04\x02hi", 0) == (OCTET_STRING, 2, 4)
    with pytest.raises(BerError):
        read_tlv(b"\x04\x05hi", 0)


def load_snmprec() -> dict[str, str]:
    """The Hikvision DS-2CD2185FWD-I record (LibreNMS snmpsim), OID -> string."""
    records = {}
    for line in sample_bytes("hikvision-snmp.snmprec").decode().splitlines():
        oid, typ, value = line.split("|", 2)
        assert typ == "4"
        records[oid] = value
    return records


def agent_reply(request: bytes, records: dict[str, str], community: bytes) -> bytes | None:
    """A minimal v2c agent: answers a GetRequest from ``records`` (noSuchObject otherwise)."""
    _, start, end = read_tlv(request, 0)
    _, _, e = read_tlv(request, start, end)  # version
    _, cs, ce = read_tlv(request, e, end)
    if request[cs:ce] != community:
        return None  # a wrong community gets silence, as real agents do
    _, ps, pe = read_tlv(request, ce, end)
    _, rs, re_ = read_tlv(request, ps, pe)
    request_id = request[rs:re_]
    _, _, e = read_tlv(request, re_, pe)  # error-status
    _, _, e = read_tlv(request, e, pe)  # error-index
    _, vs, ve = read_tlv(request, e, pe)
    binds = b""
    pos = vs
    while pos < ve:
        _, bs, be = read_tlv(request, pos, ve)
        _, os_, oe = read_tlv(request, bs, be)
        oid_tlv = request[bs:oe]
        oid = decode_oid(request[os_:oe])
        value = (
            tlv(OCTET_STRING, records[oid].encode()) if oid in records else tlv(NO_SUCH_OBJECT, b"")
        )
        binds += tlv(SEQUENCE, oid_tlv + value)
        pos = be
    pdu = (
        tlv(INTEGER, request_id)
        + tlv(INTEGER, b"\x00")
        + tlv(INTEGER, b"\x00")
        + tlv(SEQUENCE, binds)
    )
    return tlv(
        SEQUENCE, tlv(INTEGER, b"\x01") + tlv(OCTET_STRING, community) + tlv(GET_RESPONSE, pdu)
    )


class Agent(asyncio.DatagramProtocol):
    def __init__(self, respond: Callable[[bytes], list[bytes]]) -> None:
        self.respond = respond
        self.transport: asyncio.DatagramTransport | None = None
        self.requests = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.requests += 1
        assert self.transport is not None
        for reply in self.respond(data):
            self.transport.sendto(reply, addr)


async def run_agent(
    address: str, respond: Callable[[bytes], list[bytes]]
) -> tuple[asyncio.DatagramTransport, Agent, int]:
    loop = asyncio.get_running_loop()
    transport, agent = await loop.create_datagram_endpoint(
        lambda: Agent(respond), local_addr=(address, 0)
    )
    return transport, agent, transport.get_extra_info("sockname")[1]


def settings(community: str | None) -> ProbeSettings:
    return ProbeSettings(
        timeout=1.0, connect_timeout=0.5, credentials=Credentials(snmp_community=community)
    )


async def test_snmp_reads_hikvision_record(loopback: str) -> None:
    records = load_snmprec()

    def respond(data: bytes) -> list[bytes]:
        # Garbage and a stale reply first: the probe must skip both and keep waiting.
        reply = agent_reply(data, records, b"s3cret")
        return [b"\x00garbage", *([reply] if reply else [])]

    transport, _, port = await run_agent(loopback, respond)
    try:
        result = await SnmpProbe(port=port).run(ProbeTarget(loopback), settings("s3cret"))
    finally:
        transport.close()
    assert [(o.signal, o.value) for o in result.observations] == [
        ("snmp.oid", "1.3.6.1.4.1.39165.1.1.0 = DS-2CD2185FWD-I"),
        ("snmp.oid", "1.3.6.1.4.1.39165.1.3.0 = V5.5.3 build 171025"),
    ]
    assert result.attempts[0].status is AttemptStatus.OK


async def test_snmp_wrong_community_is_no_answer(loopback: str) -> None:
    transport, agent, port = await run_agent(
        loopback, lambda d: [r] if (r := agent_reply(d, {}, b"other")) else []
    )
    started = time.monotonic()
    try:
        result = await SnmpProbe(port=port).run(ProbeTarget(loopback), settings("public"))
    finally:
        transport.close()
    assert result.attempts[0].status is AttemptStatus.NO_ANSWER
    assert agent.requests == 2  # the request and one retry
    assert time.monotonic() - started < 2.5


async def test_snmp_malformed_only(loopback: str) -> None:
    transport, _, port = await run_agent(loopback, lambda d: [b"\x30\x84\xff\xff\xff\xff"])
    try:
        result = await SnmpProbe(port=port).run(ProbeTarget(loopback), settings("public"))
    finally:
        transport.close()
    assert result.attempts[0].status is AttemptStatus.MALFORMED


async def test_snmp_without_community_is_skipped() -> None:
    result = await SnmpProbe().run(ProbeTarget("127.0.0.1"), settings(None))
    assert result.attempts[0].status is AttemptStatus.SKIPPED
    assert "never guesses" in result.attempts[0].reason


async def test_snmp_reads_dahua_recorder_identity(loopback: str) -> None:
    """A Dahua NVR's sysDescr and DAHUA-SNMP-MIB identity OIDs (values as in LibreNMS's
    tests/snmpsim/dahua-nvr.snmprec, serial digits replaced) give model, firmware and type."""
    records = {
        "1.3.6.1.2.1.1.1.0": "DH-NVR4108HS-8P-4KS2",
        "1.3.6.1.4.1.1004849.2.1.1.1.0": "3.212.0000.1",
        "1.3.6.1.4.1.1004849.2.1.2.4.0": "2M00D2APAZ00000",
        "1.3.6.1.4.1.1004849.2.1.2.6.0": "DH-NVR4108HS-8P-4KS2",
    }

    def respond(data: bytes) -> list[bytes]:
        reply = agent_reply(data, records, b"public")
        return [reply] if reply else []

    transport, _, port = await run_agent(loopback, respond)
    try:
        result = await SnmpProbe(port=port).run(ProbeTarget(loopback), settings("public"))
    finally:
        transport.close()
    ident = identify(result.observations, None, load_signatures())
    assert (ident.vendor, ident.model, ident.device_type) == (
        "Dahua",
        "DH-NVR4108HS-8P-4KS2",
        "recorder",
    )
    assert (ident.firmware, ident.serial) == ("3.212.0000.1", "2M00D2APAZ00000")
