"""SNMP v2c agent on UDP 161: GetRequest, GetNextRequest and GetBulkRequest, community checked.

A minimal BER codec (X.690) is enough for the handful of OIDs a persona carries, and keeps
the lab free of an SNMP library. Wrong community or another SNMP version: no answer at all,
as real agents do. Hikvision cameras answer under enterprise 39165 (.1.1.0 model, .1.3.0
firmware) with no sysObjectID (librenms/librenms tests/snmpsim/hikvision-cam.snmprec).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from camscan.lab.persona import SnmpConfig, SnmpValue, expand
from camscan.lab.responders.common import DeviceContext, Running, start_udp

INTEGER, OCTET_STRING, NULL, OID, SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
COUNTER32, GAUGE32, TIMETICKS = 0x41, 0x42, 0x43
NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW = 0x80, 0x81, 0x82
GET, GET_NEXT, RESPONSE, GET_BULK = 0xA0, 0xA1, 0xA2, 0xA5
MAX_REPETITIONS = 32

_TYPE_TAGS = {"string": OCTET_STRING, "integer": INTEGER, "oid": OID, "timeticks": TIMETICKS,
              "counter32": COUNTER32, "gauge32": GAUGE32, "null": NULL}  # fmt: skip


class BerError(ValueError):
    """Malformed BER."""


# --- BER encoding -------------------------------------------------------------------------


def encode_length(n: int) -> bytes:
    """Definite-form length."""
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, content: bytes) -> bytes:
    """One tag-length-value."""
    return bytes([tag]) + encode_length(len(content)) + content


def encode_int(value: int, tag: int = INTEGER) -> bytes:
    """Two's-complement INTEGER (or an unsigned application type with ``tag``)."""
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(tag, value.to_bytes(size, "big", signed=True))


def encode_oid(oid: tuple[int, ...]) -> bytes:
    """OBJECT IDENTIFIER (first two arcs packed as 40*a+b, the rest base-128)."""
    if len(oid) < 2:
        raise BerError("an OID needs at least two arcs")
    out = bytearray()
    for arc in (oid[0] * 40 + oid[1], *oid[2:]):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return tlv(OID, bytes(out))


def parse_oid(text: str) -> tuple[int, ...]:
    """Dotted text (leading dot allowed) to a tuple of arcs."""
    return tuple(int(part) for part in text.strip().lstrip(".").split("."))


# --- BER decoding -------------------------------------------------------------------------


def read_tlv(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """(tag, content, next position) of the TLV at ``pos``; bounds-checked."""
    if pos + 2 > len(data):
        raise BerError("truncated")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise BerError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise BerError("truncated content")
    return tag, data[pos : pos + length], pos + length


def read_all(data: bytes) -> list[tuple[int, bytes]]:
    """Every TLV in a constructed value's content."""
    items, pos = [], 0
    while pos < len(data):
        tag, content, pos = read_tlv(data, pos)
        items.append((tag, content))
    return items


def decode_int(content: bytes) -> int:
    """INTEGER content."""
    if not content or len(content) > 8:
        raise BerError("bad integer")
    return int.from_bytes(content, "big", signed=True)


def decode_oid(content: bytes) -> tuple[int, ...]:
    """OBJECT IDENTIFIER content."""
    if not content or len(content) > 128:
        raise BerError("bad OID")
    arcs, value = [], 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        raise BerError("bad OID")
    first = arcs[0]
    head = (min(first // 40, 2), first - 40 * min(first // 40, 2))
    return (*head, *arcs[1:])


@dataclass(frozen=True)
class SnmpRequest:
    """A decoded v2c request."""

    version: int
    community: bytes
    pdu: int
    request_id: int
    non_repeaters: int
    max_repetitions: int
    oids: tuple[tuple[int, ...], ...]


def decode_request(data: bytes) -> SnmpRequest:
    """Decode a GetRequest/GetNextRequest/GetBulkRequest message."""
    tag, message, _ = read_tlv(data, 0)
    if tag != SEQUENCE:
        raise BerError("not a SEQUENCE")
    parts = read_all(message)
    if len(parts) != 3 or parts[0][0] != INTEGER or parts[1][0] != OCTET_STRING:
        raise BerError("not an SNMP message")
    pdu_tag, pdu = parts[2]
    fields = read_all(pdu)
    if len(fields) != 4 or fields[3][0] != SEQUENCE:
        raise BerError("bad PDU")
    oids = []
    for vb_tag, varbind in read_all(fields[3][1]):
        inner = read_all(varbind)
        if vb_tag != SEQUENCE or not inner or inner[0][0] != OID:
            raise BerError("bad varbind")
        oids.append(decode_oid(inner[0][1]))
    return SnmpRequest(
        version=decode_int(parts[0][1]),
        community=parts[1][1],
        pdu=pdu_tag,
        request_id=decode_int(fields[0][1]),
        non_repeaters=decode_int(fields[1][1]),
        max_repetitions=decode_int(fields[2][1]),
        oids=tuple(oids),
    )


# --- The agent ----------------------------------------------------------------------------


def encode_value(value: SnmpValue, values: dict[str, str]) -> bytes:
    """A persona value as BER."""
    if value.type == "null":
        return tlv(NULL, b"")
    if value.type == "string":
        return tlv(OCTET_STRING, expand(str(value.value), values).encode("utf-8"))
    if value.type == "oid":
        return encode_oid(parse_oid(str(value.value)))
    return encode_int(int(value.value), _TYPE_TAGS[value.type])


class Mib:
    """The persona's OIDs in lexicographic order, pre-encoded."""

    def __init__(self, ctx: DeviceContext, cfg: SnmpConfig) -> None:
        entries: dict[tuple[int, ...], SnmpValue] = {}
        if cfg.sys_descr is not None:
            entries[(1, 3, 6, 1, 2, 1, 1, 1, 0)] = SnmpValue(type="string", value=cfg.sys_descr)
        if cfg.sys_object_id is not None:
            entries[(1, 3, 6, 1, 2, 1, 1, 2, 0)] = SnmpValue(type="oid", value=cfg.sys_object_id)
        if cfg.sys_name is not None:
            entries[(1, 3, 6, 1, 2, 1, 1, 5, 0)] = SnmpValue(type="string", value=cfg.sys_name)
        for text, value in cfg.oids.items():
            entries[parse_oid(text)] = value
        values = ctx.values()
        self.keys = sorted(entries)
        self.encoded = {k: encode_value(entries[k], values) for k in self.keys}

    def get(self, oid: tuple[int, ...]) -> bytes:
        """Value or noSuchObject."""
        return self.encoded.get(oid, tlv(NO_SUCH_OBJECT, b""))

    def next(self, oid: tuple[int, ...]) -> tuple[tuple[int, ...], bytes]:
        """The first OID after ``oid`` and its value, or endOfMibView."""
        i = bisect.bisect_right(self.keys, oid)
        if i >= len(self.keys):
            return oid, tlv(END_OF_MIB_VIEW, b"")
        key = self.keys[i]
        return key, self.encoded[key]


def answer(mib: Mib, request: SnmpRequest) -> bytes:
    """The Response PDU message for one request."""
    bindings: list[tuple[tuple[int, ...], bytes]] = []
    if request.pdu == GET:
        bindings = [(oid, mib.get(oid)) for oid in request.oids]
    elif request.pdu == GET_NEXT:
        bindings = [mib.next(oid) for oid in request.oids]
    elif request.pdu == GET_BULK:
        n = max(0, min(request.non_repeaters, len(request.oids)))
        bindings = [mib.next(oid) for oid in request.oids[:n]]
        cursors = list(request.oids[n:])
        for _ in range(max(0, min(request.max_repetitions, MAX_REPETITIONS))):
            if not cursors:
                break
            step = [mib.next(oid) for oid in cursors]
            bindings.extend(step)
            cursors = [oid for oid, _ in step]
            if all(v[0] == END_OF_MIB_VIEW for _, v in step):
                break
    varbinds = b"".join(tlv(SEQUENCE, encode_oid(o) + v) for o, v in bindings)
    pdu = tlv(
        RESPONSE,
        encode_int(request.request_id) + encode_int(0) + encode_int(0) + tlv(SEQUENCE, varbinds),
    )
    return tlv(SEQUENCE, encode_int(1) + tlv(OCTET_STRING, request.community) + pdu)


async def start_snmp(ctx: DeviceContext, cfg: SnmpConfig) -> Running:
    """Serve the persona's OIDs to requests carrying its community."""
    mib = Mib(ctx, cfg)
    community = cfg.community.encode()

    def handle(data: bytes, addr: tuple[str, int]) -> list[bytes]:
        try:
            request = decode_request(data)
        except (BerError, ValueError):
            return []
        if request.version != 1 or request.community != community:
            return []
        if request.pdu not in (GET, GET_NEXT, GET_BULK):
            return []
        return [answer(mib, request)]

    running, _ = await start_udp(ctx, "snmp", cfg.port, handle)
    return running
