"""SNMP v2c probe: sysDescr, sysObjectID and vendor model/firmware OIDs, only with a community.

camscan never guesses a community string: without ``credentials.snmp_community`` the probe
records a ``skipped`` attempt. With one, it sends a single GetRequest (RFC 3416) over UDP 161.
The BER codec is a minimal one of our own so every length is checked against the datagram
before it is trusted (a hostile agent can claim any length).

Vendor OIDs: Hikvision's enterprise number is 39165; ``.1.1.0`` is the model and ``.1.3.0``
the firmware (librenms/librenms tests/snmpsim/hikvision-cam.snmprec, a DS-2CD2185FWD-I;
LibreNMS detects Hikvision cameras by an empty sysObjectID plus that model OID). Hikvision
recorders answer under 50001 instead: ``.1.3.0`` hikEntityIndex is the serial
(librenms/librenms tests/snmpsim/hikvision-nvr.snmprec). Dahua's DAHUA-SNMP-MIB (enterprise
1004849) has softwareRevision ``.2.1.1.1.0``, serialNumber ``.2.1.2.4.0`` and deviceType
``.2.1.2.6.0`` (LibreNMS os_discovery/dahua-nvr.yaml; tests/snmpsim/dahua-nvr.snmprec).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from camscan.models import AttemptStatus, Observation
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.common import Timer, attempt, classify, clean_text, decode_lenient

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
HIKVISION_MODEL = "1.3.6.1.4.1.39165.1.1.0"
HIKVISION_FIRMWARE = "1.3.6.1.4.1.39165.1.3.0"
HIKVISION_NVR_SERIAL = "1.3.6.1.4.1.50001.1.3.0"
DAHUA_SOFTWARE = "1.3.6.1.4.1.1004849.2.1.1.1.0"
DAHUA_SERIAL = "1.3.6.1.4.1.1004849.2.1.2.4.0"
DAHUA_DEVICE_TYPE = "1.3.6.1.4.1.1004849.2.1.2.6.0"
QUERY_OIDS = (
    SYS_DESCR,
    SYS_OBJECT_ID,
    HIKVISION_MODEL,
    HIKVISION_FIRMWARE,
    HIKVISION_NVR_SERIAL,
    DAHUA_SOFTWARE,
    DAHUA_SERIAL,
    DAHUA_DEVICE_TYPE,
)
SNMP_PORT = 161
MAX_DATAGRAM = 65507

INTEGER, OCTET_STRING, NULL, OBJECT_ID, SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
IP_ADDRESS, COUNTER32, GAUGE32, TIMETICKS, OPAQUE, COUNTER64 = 0x40, 0x41, 0x42, 0x43, 0x44, 0x46
NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW = 0x80, 0x81, 0x82
GET_REQUEST, GET_RESPONSE = 0xA0, 0xA2
_EXCEPTIONS = {
    NO_SUCH_OBJECT: "noSuchObject",
    NO_SUCH_INSTANCE: "noSuchInstance",
    END_OF_MIB_VIEW: "endOfMibView",
}
_UNSIGNED = (COUNTER32, GAUGE32, TIMETICKS, COUNTER64)


class BerError(ValueError):
    """A datagram that is not the BER we expect (bad length, tag or value)."""


# --- encoding ---------------------------------------------------------------------------


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + encode_length(len(content)) + content


def encode_integer(value: int) -> bytes:
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def encode_oid(oid: str) -> bytes:
    parts = [int(p) for p in oid.strip(".").split(".")]
    if len(parts) < 2 or parts[0] > 2 or (parts[0] < 2 and parts[1] >= 40):
        raise ValueError(f"bad OID {oid!r}")
    out = bytearray()
    for sub in [parts[0] * 40 + parts[1], *parts[2:]]:
        chunk = [sub & 0x7F]
        sub >>= 7
        while sub:
            chunk.append(0x80 | (sub & 0x7F))
            sub >>= 7
        out += bytes(reversed(chunk))
    return tlv(OBJECT_ID, bytes(out))


def encode_get_request(community: bytes, request_id: int, oids: tuple[str, ...]) -> bytes:
    """An SNMPv2c GetRequest message (version field 1 = v2c)."""
    varbinds = b"".join(tlv(SEQUENCE, encode_oid(o) + tlv(NULL, b"")) for o in oids)
    pdu = tlv(
        GET_REQUEST,
        encode_integer(request_id)
        + encode_integer(0)
        + encode_integer(0)
        + tlv(SEQUENCE, varbinds),
    )
    return tlv(SEQUENCE, encode_integer(1) + tlv(OCTET_STRING, community) + pdu)


# --- decoding ---------------------------------------------------------------------------


def read_tlv(data: bytes, offset: int, end: int | None = None) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at ``offset``, all bounds checked."""
    end = len(data) if end is None else end
    if offset + 2 > end:
        raise BerError("truncated TLV")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise BerError("multi-byte tags are not used by SNMP")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise BerError("indefinite or oversized length")
        if pos + count > end:
            raise BerError("truncated length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise BerError(f"length {length} runs past the end of the message")
    return tag, pos, pos + length


def decode_integer(content: bytes, signed: bool = True) -> int:
    if not 1 <= len(content) <= 9:
        raise BerError("bad integer length")
    return int.from_bytes(content, "big", signed=signed)


def decode_oid(content: bytes) -> str:
    if not content or len(content) > 128:
        raise BerError("bad OID length")
    subs: list[int] = []
    value = 0
    run = 0
    for b in content:
        value = (value << 7) | (b & 0x7F)
        run += 1
        if run > 5:
            raise BerError("OID sub-identifier too long")
        if not b & 0x80:
            subs.append(value)
            value = run = 0
    if run:
        raise BerError("OID ends mid sub-identifier")
    first = subs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(s) for s in [*head, *subs[1:]])


@dataclass(frozen=True)
class VarBind:
    """One returned variable: OID, BER tag and the value as text (None for exceptions)."""

    oid: str
    tag: int
    value: str | None


@dataclass(frozen=True)
class SnmpResponse:
    request_id: int
    error_status: int
    error_index: int
    varbinds: tuple[VarBind, ...]


def decode_value(tag: int, content: bytes) -> str | None:
    if tag in _EXCEPTIONS:
        return None
    if tag in (OCTET_STRING, OPAQUE):
        return decode_lenient(content)
    if tag == OBJECT_ID:
        return decode_oid(content)
    if tag == INTEGER:
        return str(decode_integer(content))
    if tag in _UNSIGNED:
        return str(decode_integer(content, signed=False))
    if tag == IP_ADDRESS:
        if len(content) != 4:
            raise BerError("bad IpAddress")
        return ".".join(str(b) for b in content)
    if tag == NULL:
        return ""
    return content.hex()


def decode_response(data: bytes) -> SnmpResponse:
    """Parse an SNMPv2c GetResponse message; raises :class:`BerError` on anything else."""
    tag, start, end = read_tlv(data, 0)
    if tag != SEQUENCE:
        raise BerError("message is not a SEQUENCE")
    tag, s, e = read_tlv(data, start, end)
    if tag != INTEGER:
        raise BerError("missing version")
    tag, s, e = read_tlv(data, e, end)  # community
    if tag != OCTET_STRING:
        raise BerError("missing community")
    tag, pstart, pend = read_tlv(data, e, end)
    if tag != GET_RESPONSE:
        raise BerError(f"PDU type 0x{tag:02x} is not a GetResponse")
    fields: list[int] = []
    pos = pstart
    for _ in range(3):
        tag, s, e = read_tlv(data, pos, pend)
        if tag != INTEGER:
            raise BerError("bad PDU header")
        fields.append(decode_integer(data[s:e]))
        pos = e
    tag, vstart, vend = read_tlv(data, pos, pend)
    if tag != SEQUENCE:
        raise BerError("missing varbind list")
    binds: list[VarBind] = []
    pos = vstart
    while pos < vend:
        tag, bstart, bend = read_tlv(data, pos, vend)
        if tag != SEQUENCE:
            raise BerError("varbind is not a SEQUENCE")
        otag, os_, oe = read_tlv(data, bstart, bend)
        if otag != OBJECT_ID:
            raise BerError("varbind without OID")
        vtag, vs, ve = read_tlv(data, oe, bend)
        binds.append(VarBind(decode_oid(data[os_:oe]), vtag, decode_value(vtag, data[vs:ve])))
        pos = bend
        if len(binds) > 64:
            raise BerError("too many varbinds")
    return SnmpResponse(fields[0], fields[1], fields[2], tuple(binds))


# --- transport --------------------------------------------------------------------------


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes | Exception] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.replies.put_nowait(data)

    def error_received(self, exc: Exception) -> None:
        self.replies.put_nowait(exc)


async def snmp_get(
    address: str, port: int, community: str, oids: tuple[str, ...], timeout: float
) -> SnmpResponse:
    """One GetRequest, retried once, answered by a matching GetResponse. Raises on failure."""
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(_Client, remote_addr=(address, port))
    try:
        request_id = int.from_bytes(os.urandom(3), "big")
        message = encode_get_request(community.encode("utf-8"), request_id, oids)
        deadline = loop.time() + timeout
        next_send = loop.time()
        sends = 0
        last: BerError | None = None
        while (now := loop.time()) < deadline:
            if sends < 2 and now >= next_send:  # one retry halfway: UDP may drop either way
                transport.sendto(message)
                sends += 1
                next_send = now + timeout / 2
            until = min(deadline, next_send) if sends < 2 else deadline
            try:
                reply = await asyncio.wait_for(proto.replies.get(), max(until - now, 0.01))
            except TimeoutError:
                continue
            if isinstance(reply, Exception):
                raise reply
            try:
                resp = decode_response(reply[:MAX_DATAGRAM])
            except BerError as exc:
                last = exc
                continue
            if resp.request_id == request_id:
                return resp
        if last is not None:
            raise last
        raise TimeoutError
    finally:
        transport.close()


class SnmpProbe:
    """GET a few identity OIDs with the community the user gave."""

    name = "snmp"

    def __init__(self, port: int = SNMP_PORT) -> None:
        self.port = port

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        t = Timer()
        community = settings.credentials.snmp_community
        if not community:
            return ProbeResult(
                attempts=(
                    attempt(
                        self.name,
                        self.port,
                        AttemptStatus.SKIPPED,
                        "no SNMP community given; camscan never guesses one",
                        t,
                    ),
                )
            )
        try:
            resp = await snmp_get(
                target.address, self.port, community, QUERY_OIDS, settings.timeout
            )
            if resp.error_status:  # v1-style agents fail the whole PDU: ask one at a time
                binds: list[VarBind] = []
                for oid in QUERY_OIDS:
                    one = await snmp_get(
                        target.address, self.port, community, (oid,), settings.timeout
                    )
                    if not one.error_status:
                        binds.extend(one.varbinds)
                resp = SnmpResponse(resp.request_id, 0, 0, tuple(binds))
        except BerError as exc:
            return ProbeResult(
                attempts=(
                    attempt(
                        self.name, self.port, AttemptStatus.MALFORMED, f"bad SNMP reply: {exc}", t
                    ),
                )
            )
        except Exception as exc:
            status, reason = classify(exc)
            if status is AttemptStatus.TIMEOUT:
                status, reason = AttemptStatus.NO_ANSWER, "no SNMP reply (wrong community?)"
            return ProbeResult(attempts=(attempt(self.name, self.port, status, reason, t),))
        obs = snmp_observations(resp, self.port, self.name)
        return ProbeResult(
            observations=tuple(obs),
            attempts=(
                attempt(
                    self.name,
                    self.port,
                    AttemptStatus.OK,
                    f"{len(obs)} of {len(QUERY_OIDS)} OIDs answered",
                    t,
                ),
            ),
        )


def snmp_observations(resp: SnmpResponse, port: int, source: str = "snmp") -> list[Observation]:
    """sysDescr/sysObjectID as their own signals, anything else as ``snmp.oid``."""
    out: list[Observation] = []
    for bind in resp.varbinds:
        if bind.value is None:
            continue
        value = clean_text(bind.value)
        if not value:
            continue
        if bind.oid == SYS_DESCR:
            out.append(Observation(signal="snmp.sysdescr", value=value, port=port, source=source))
        elif bind.oid == SYS_OBJECT_ID:
            if value not in ("0.0", ""):  # "empty" sysObjectID, as LibreNMS notes for Hikvision
                out.append(
                    Observation(signal="snmp.sysobjectid", value=value, port=port, source=source)
                )
        else:
            out.append(
                Observation(
                    signal="snmp.oid", value=f"{bind.oid} = {value}", port=port, source=source
                )
            )
    return out
