"""Hikvision SADP discovery: an ``inquiry`` Probe to 239.255.255.250:37020.

Only the ``inquiry`` type is ever sent — SADP also has unauthenticated ``update``/``reset``
types (Skylight Cyber, "Neighbourhood Watch", 2023). The request body is the one SADPTool
sends (julienblitte/UniversalScanner UniversalScanner/Hikvision.cs l.107). Replies come to
port 37020 on the group, so we bind :37020 with SO_REUSEADDR and join the group on the
interface (https://www.mhzhuji.com/zhuji_info_958/). Replies are often cut short in captures,
so a ProbeMatch without its closing tag is still read field by field.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from camscan.discover._common import (
    PROMPT_REPLY,
    QueryMethod,
    SenderHosts,
    answer_deadline,
    attempt,
    exchange,
    is_ipv4,
    obs,
    query_outcome,
    quick_delays,
    skipped,
    udp_socket,
)
from camscan.discover.base import DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus, Observation
from camscan.oui import normalise_mac

NAME = "sadp"
GROUP = "239.255.255.250"
PORT = 37020
MAX_XML = 16 * 1024
MAX_FIELDS = 64
# Fields that are device secrets or noise, never reported (Salt is a password-hash salt).
_DROP = frozenset({"Uuid", "Types", "Salt"})
_FIELD = re.compile(r"<([A-Za-z][\w.-]{0,63})>([^<]{0,512})</\1>")


def build_probe(probe_id: str | None = None) -> bytes:
    """The SADP inquiry, exactly as SADPTool sends it (upper-case UUID)."""
    ident = (probe_id or str(uuid.uuid4())).upper()
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{ident}</Uuid>'
        "<Types>inquiry</Types></Probe>"
    ).encode()


@dataclass(frozen=True)
class SadpReply:
    """The fields of one ProbeMatch, in order, values as text."""

    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str:
        return next((v for k, v in self.fields if k == name), "")

    @property
    def mac(self) -> str | None:
        return normalise_mac(self.get("MAC"))

    @property
    def address(self) -> str | None:
        value = self.get("IPv4Address")
        return value if is_ipv4(value) else None


def parse_sadp(data: bytes) -> SadpReply | None:
    """A ProbeMatch reply (complete or truncated); ``None`` for probes and garbage."""
    if len(data) > MAX_XML:
        data = data[:MAX_XML]
    text = data.decode("utf-8", errors="replace")
    if "<ProbeMatch" not in text:
        return None
    fields: list[tuple[str, str]] = []
    try:
        root = SafeET.fromstring(text.strip())
        if root.tag == "ProbeMatch":
            fields = [(c.tag, (c.text or "").strip()) for c in root if isinstance(c.tag, str)]
    except (SafeET.ParseError, DefusedXmlException, ValueError, LookupError):
        # Truncated or sloppy XML: read leaf elements one by one, never entities.
        if "<!ENTITY" in text or "<!DOCTYPE" in text:
            return None
        body = text.split("<ProbeMatch", 1)[1]
        fields = [(m.group(1), m.group(2).strip()) for m in _FIELD.finditer(body)]
    fields = [(k, v) for k, v in fields if k not in _DROP and "}" not in k][:MAX_FIELDS]
    return SadpReply(tuple(fields)) if fields else None


def observations(reply: SadpReply) -> list[Observation]:
    """One ``sadp.<Field>`` observation per non-empty field."""
    return [obs(f"sadp.{key}", value, NAME, PORT) for key, value in reply.fields if value]


class SadpDiscovery(QueryMethod):
    """Hikvision SADP inquiry on the on-link interface (multicast only: replies go to the
    group), retransmitted."""

    name = NAME
    unicast = False

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        if not settings.iface_address:
            return DiscoveryResult(NAME, attempts=skipped(NAME, "no on-link interface address"))
        try:
            sock = udp_socket(
                settings.iface_address, bind_port=PORT, bind_any=True, join_group=GROUP
            )
        except OSError as exc:
            reason = f"cannot bind :{PORT} on {settings.iface_address}: {exc.strerror or exc}"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.ERROR, reason),))
        # Other scanners' inquiries reach the group too: they are not errors.
        replies = SenderHosts(lambda data: _facts(parse_sadp(data)), lambda d: b"<Probe>" in d)
        messages = [(build_probe(), (GROUP, PORT))]
        # SADP has no published reply delay; devices answer at once (PROMPT_REPLY, _common).
        delays = quick_delays()
        deadline = answer_deadline(started, settings, delays, PROMPT_REPLY)
        count, sent, errors = await exchange(sock, messages, deadline, replies.feed, delays=delays)
        outcome = query_outcome(
            NAME, PORT, started, hosts=len(replies.hosts), received=count, sent=sent,
            errors=errors, malformed=replies.malformed,
        )  # fmt: skip
        return DiscoveryResult(NAME, tuple(replies.hosts.values()), (outcome,))


def _facts(reply: SadpReply | None) -> tuple[str | None, list[Observation]] | None:
    return None if reply is None else (reply.mac, observations(reply))
