"""ONVIF WS-Discovery: multicast typed Probes, collect ProbeMatches, hear Hello/Bye.

Own asyncio prober rather than the ``wsdiscovery`` package: we need one socket per interface
(``IP_MULTICAST_IF``), raw text kept, and tolerant parsing — real replies omit ``Types``
(andreikop/python-ws-discovery tests/data/probe_response.xml), use other prefixes (``tdn:``)
or even undeclared prefixes (IOTechSystems/onvif ws-discovery/networking_test.go). Probe shape:
SOAP 1.2 + WS-Addressing 2004/08 + WS-Discovery 2005/04 with ``To`` and ``Types`` set, which
ZoneMinder (#1410) and EdgeX (device-onvif-camera#135) found necessary.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from urllib.parse import unquote
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from camscan.discover._common import (
    QueryMethod,
    answer_deadline,
    attempt,
    exchange,
    group_listener,
    local_addresses,
    obs,
    query_outcome,
    query_socket,
    retransmit_delays,
)
from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus, Observation, ProbeAttempt
from camscan.oui import normalise_mac

NAME = "wsd"
GROUP = "239.255.255.250"
PORT = 3702
MAX_XML = 64 * 1024
PROBE_TYPES = ("dn:NetworkVideoTransmitter", "tds:Device")
APP_MAX_DELAY = 0.5  # s, WS-Discovery 1.1 protocol constant (see WsdDiscovery.discover)

_PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" \
xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" \
xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" \
xmlns:dn="http://www.onvif.org/ver10/network/wsdl" \
xmlns:tds="http://www.onvif.org/ver10/device/wsdl">\
<s:Header>\
<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>\
<a:MessageID>urn:uuid:{message_id}</a:MessageID>\
<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous\
</a:Address></a:ReplyTo>\
<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>\
</s:Header>\
<s:Body><d:Probe><d:Types>{types}</d:Types></d:Probe></s:Body></s:Envelope>"""

_PREFIXED_TAG = re.compile(r"<(/?)[A-Za-z_][\w.-]*:")
_PREFIXED_ATTR = re.compile(r"\s[A-Za-z_][\w.-]*:[\w.-]+\s*=\s*(\"[^\"]*\"|'[^']*')")
_XMLNS_ATTR = re.compile(r"\sxmlns(?::[\w.-]+)?\s*=\s*(\"[^\"]*\"|'[^']*')")
_MAC_IN_SCOPE = re.compile(r"/mac/([0-9a-f:-]{12,17})$", re.IGNORECASE)


def build_probe(types: str, message_id: str | None = None) -> bytes:
    """A WS-Discovery Probe for ``types`` (e.g. ``dn:NetworkVideoTransmitter``)."""
    return _PROBE.format(types=types, message_id=message_id or str(uuid.uuid4())).encode()


@dataclass(frozen=True)
class WsdMessage:
    """One ProbeMatch, Hello or Bye, as the device sent it."""

    kind: str  # "ProbeMatch" | "Hello" | "Bye"
    endpoint: str = ""
    types: str = ""
    scopes: tuple[str, ...] = ()
    xaddrs: tuple[str, ...] = ()
    relates_to: str = ""

    @property
    def mac(self) -> str | None:
        """A MAC address carried in a ``/MAC/`` scope (Hikvision), if any."""
        for scope in self.scopes:
            found = _MAC_IN_SCOPE.search(scope)
            if found and (mac := normalise_mac(found.group(1))):
                return mac
        return None


def _local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _parse_xml(text: str) -> Element | None:
    """Parse with defusedxml; on namespace errors retry with every prefix stripped."""
    try:
        root: Element = SafeET.fromstring(text)
        return root
    except (SafeET.ParseError, DefusedXmlException, ValueError, LookupError):
        pass
    stripped = _XMLNS_ATTR.sub("", text)
    stripped = _PREFIXED_ATTR.sub("", stripped)
    stripped = _PREFIXED_TAG.sub(r"<\1", stripped)
    try:
        root = SafeET.fromstring(stripped)
        return root
    except (SafeET.ParseError, DefusedXmlException, ValueError, LookupError):
        return None


def _child_text(parent: Element, *path: str) -> str:
    node: Element | None = parent
    for name in path:
        if node is None:
            return ""
        node = next((c for c in node if _local(c.tag) == name), None)
    return (node.text or "").strip() if node is not None else ""


def decode_scope(scope: str) -> str:
    """A scope URI with ``%XX`` escapes decoded (``name/Hanwha%20Vision`` → ``Hanwha Vision``)."""
    return unquote(scope, errors="replace")


def parse_wsd(data: bytes) -> list[WsdMessage]:
    """All ProbeMatch/Hello/Bye entries in one datagram; garbage gives an empty list."""
    if len(data) > MAX_XML:
        return []
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    root = _parse_xml(text)
    if root is None:
        return []
    relates_to = ""
    for element in root.iter():
        if _local(element.tag) == "RelatesTo":
            relates_to = (element.text or "").strip()
            break
    found: list[WsdMessage] = []
    for element in root.iter():
        kind = _local(element.tag)
        if kind not in ("ProbeMatch", "Hello", "Bye"):
            continue
        found.append(
            WsdMessage(
                kind=kind,
                endpoint=_child_text(element, "EndpointReference", "Address"),
                types=" ".join(_child_text(element, "Types").split()),
                scopes=tuple(decode_scope(s) for s in _child_text(element, "Scopes").split()),
                xaddrs=tuple(_child_text(element, "XAddrs").split()),
                relates_to=relates_to,
            )
        )
        if len(found) >= 64:
            break
    return found


def observations(message: WsdMessage) -> list[Observation]:
    """The signals one message carries (``wsd.endpoint``, ``wsd.types``, ``wsd.scope``...)."""
    out: list[Observation] = []
    if message.endpoint:
        out.append(obs("wsd.endpoint", message.endpoint, NAME, PORT))
    if message.types:
        out.append(obs("wsd.types", message.types, NAME, PORT))
    out.extend(obs("wsd.scope", scope, NAME, PORT) for scope in message.scopes[:64])
    if message.xaddrs:
        out.append(obs("wsd.xaddrs", " ".join(message.xaddrs[:8]), NAME, PORT))
    return out


class _Collector:
    def __init__(self, own: frozenset[str]) -> None:
        self.own = own
        self.hosts: dict[str, DiscoveredHost] = {}
        self.malformed = 0
        self.byes = 0

    def feed(self, data: bytes, addr: tuple[str, int]) -> None:
        if addr[0] in self.own:
            return
        messages = parse_wsd(data)
        if not messages:
            if b"Probe>" not in data and b"Resolve>" not in data:  # others' searches are fine
                self.malformed += 1
            return
        for message in messages:
            if message.kind == "Bye":
                self.byes += 1
                continue
            self.add(addr[0], message)  # the sender, never a host an XAddr names

    def add(self, address: str, message: WsdMessage) -> None:
        previous = self.hosts.get(address)
        merged_obs = list(previous.observations) if previous else []
        for item in observations(message):
            if item not in merged_obs:
                merged_obs.append(item)
        xaddrs = tuple(
            dict.fromkeys([*(previous.onvif_xaddrs if previous else ()), *message.xaddrs])
        )
        self.hosts[address] = DiscoveredHost(
            address=address,
            mac=(previous.mac if previous else None) or message.mac,
            observations=tuple(merged_obs[:256]),
            onvif_xaddrs=xaddrs[:8],
        )


class WsdDiscovery(QueryMethod):
    """WS-Discovery: multicast Probes on the on-link interface (and Hello on :3702), or a
    directed Probe to UDP 3702 of each live routed host; every Probe is retransmitted."""

    name = NAME

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        unicast = settings.mode == "unicast"
        probe_sock = query_socket(NAME, settings)
        if isinstance(probe_sock, tuple):
            return DiscoveryResult(NAME, attempts=probe_sock)
        collector = _Collector(local_addresses())
        attempts: list[ProbeAttempt] = []
        hello_sock, cannot = group_listener(settings, PORT, GROUP)
        if cannot:
            reason = f"not listening for Hello: {cannot}"
            attempts.append(attempt(NAME, AttemptStatus.SKIPPED, reason, port=PORT))
        targets = settings.unicast_hosts if unicast else (GROUP,)
        # One MessageID per Probe, reused by its retransmissions (they are copies).
        messages = [(build_probe(t), (host, PORT)) for t in PROBE_TYPES for host in targets]
        # WS-Discovery 1.1 (OASIS, 2009): a Target Service answering a multicast Probe waits
        # a random time up to APP_MAX_DELAY (500 ms) first; a directed Probe is answered at once.
        delays = retransmit_delays()
        deadline = answer_deadline(started, settings, delays, APP_MAX_DELAY, len(PROBE_TYPES))
        count, sent, errors = await exchange(
            probe_sock, messages, deadline, collector.feed,
            settings.limiter if unicast else None, [hello_sock] if hello_sock else [], delays,
        )  # fmt: skip
        outcome = query_outcome(
            NAME, PORT, started, hosts=len(collector.hosts), received=count, sent=sent,
            errors=errors, asked=len(targets) if unicast else 0, malformed=collector.malformed,
        )  # fmt: skip
        attempts.append(outcome)
        return DiscoveryResult(NAME, tuple(collector.hosts.values()), tuple(attempts))
