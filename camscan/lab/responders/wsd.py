"""WS-Discovery target service on UDP 3702 (WS-Discovery 2005/04, SOAP 1.2, WS-Addressing 2004/08).

Like real cameras it joins 239.255.255.250 on its interface, answers Probes whose Types match
(an untyped Probe matches everything) with a ProbeMatches sent unicast to the sender's
address and port, with RelatesTo = the Probe's MessageID, a fresh MessageID and an
AppSequence, and multicasts a Hello on start (julienblitte/UniversalScanner
doc/protocols.html: "WSDiscovery 239.255.255.250 3702 → (sender address) (sender port)").
Two prefix styles are reproduced: gSOAP's ``SOAP-ENV``/``wsa``/``wsdd`` (Hikvision and most
OEMs, e.g. andreikop/python-ws-discovery tests/data/probe_response.xml) and Dahua's
``s``/``a``/``d`` with a standalone declaration (cogini/onvif test/discovery_test.exs).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import time
import uuid
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET

from camscan.lab.persona import WsdConfig, expand
from camscan.lab.responders.common import (
    MAX_DISCOVERY_REQUEST,
    DeviceContext,
    Running,
    closer_for_task,
    start_udp,
)

PORT = 3702
GROUP = "239.255.255.250"
NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
ANONYMOUS = NS_WSA + "/role/anonymous"
DISCOVERY_TO = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"

#: The billion-laughs preamble used by the ``xml_bomb`` misbehaviour (expands to 10^9 "lol").
XML_BOMB_DTD = (
    '<!DOCTYPE bomb [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
BOMB_REF = "&lol9;"

_STYLES = {
    "gsoap": ("SOAP-ENV", "wsa", "wsdd", '<?xml version="1.0" encoding="UTF-8"?>'),
    "dahua": ("s", "a", "d", '<?xml version="1.0" encoding="utf-8" standalone="yes" ?>'),
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_probe(data: bytes) -> tuple[str, list[tuple[str, str]], list[str]] | None:
    """(MessageID, [(namespace, local) Types], Scopes) of a Probe; None if not a Probe."""
    if len(data) > MAX_DISCOVERY_REQUEST:
        return None
    prefixes: dict[str, str] = {}
    root = None
    for event, item in SafeET.iterparse(io.BytesIO(data), events=("start-ns", "end"),
                                        forbid_dtd=True):  # fmt: skip
        if event == "start-ns":
            prefix, namespace = item
            prefixes.setdefault(prefix, namespace)
        else:
            root = item
    if root is None or _local(root.tag) != "Envelope":
        return None
    probe = next((e for e in root.iter() if _local(e.tag) == "Probe"), None)
    if probe is None or not probe.tag.startswith("{" + NS_WSD):
        return None
    message_id = next(
        ((e.text or "").strip() for e in root.iter() if _local(e.tag) == "MessageID"), ""
    )
    types: list[tuple[str, str]] = []
    scopes: list[str] = []
    for child in probe:
        if _local(child.tag) == "Types":
            for qname in (child.text or "").split():
                prefix, sep, local = qname.rpartition(":")
                types.append((prefixes.get(prefix, "") if sep else prefixes.get("", ""), local))
        elif _local(child.tag) == "Scopes":
            scopes = (child.text or "").split()
    return message_id, types, scopes


def matches(
    cfg: WsdConfig, types: list[tuple[str, str]], scopes: list[str], values: dict[str, str]
) -> bool:
    """Whether a Probe's Types (and Scopes, by prefix) select this device."""
    if cfg.types is not None:
        mine = set()
        for qname in cfg.types.split():
            prefix, _, local = qname.rpartition(":")
            mine.add((cfg.prefixes().get(prefix, ""), local))
        for namespace, local in types:
            # An unresolvable prefix is matched on the local name alone, as lenient devices do.
            if (namespace, local) not in mine and not (
                namespace == "" and any(local == m for _, m in mine)
            ):
                return False
    device_scopes = [expand(s, values) for s in cfg.scopes]
    return all(
        any(d == s or d.startswith(s.rstrip("/") + "/") for d in device_scopes) for s in scopes
    )


class WsdDevice:
    """Builds this device's WS-Discovery messages."""

    def __init__(self, ctx: DeviceContext, cfg: WsdConfig) -> None:
        self.ctx, self.cfg = ctx, cfg
        self.instance_id = int(time.time())
        self._numbers = itertools.count(1)

    def _envelope(self, action: str, header_extra: str, body: str, *, bomb: bool = False) -> bytes:
        env, wsa, wsd, declaration = _STYLES[self.cfg.style]
        ns = " ".join(f'xmlns:{p}="{escape(n)}"' for p, n in self._type_namespaces().items())
        must = f' {env}:mustUnderstand="true"' if self.cfg.style == "gsoap" else ""
        msg = (
            f"{declaration}\n{XML_BOMB_DTD if bomb else ''}"
            f'<{env}:Envelope xmlns:{env}="{NS_SOAP}" xmlns:{wsa}="{NS_WSA}" '
            f'xmlns:{wsd}="{NS_WSD}" {ns}>'
            f"<{env}:Header><{wsa}:MessageID>uuid:{uuid.uuid4()}</{wsa}:MessageID>"
            f"{header_extra}<{wsa}:Action{must}>{NS_WSD}/{action}</{wsa}:Action>"
            f'<{wsd}:AppSequence MessageNumber="{next(self._numbers)}" '
            f'InstanceId="{self.instance_id}"></{wsd}:AppSequence>'
            f"</{env}:Header><{env}:Body>{body}</{env}:Body></{env}:Envelope>"
        )
        return msg.encode("utf-8")

    def _type_namespaces(self) -> dict[str, str]:
        used = {q.rpartition(":")[0] for q in (self.cfg.types or "").split()}
        known = self.cfg.prefixes()
        return {p: known[p] for p in sorted(used) if p in known}

    def _match_fields(self, *, bomb: bool = False) -> str:
        _, wsa, wsd, _ = _STYLES[self.cfg.style]
        values = self.ctx.values()
        scopes = " ".join(escape(expand(s, values)) for s in self.cfg.scopes)
        if bomb:
            scopes = f"{scopes} {BOMB_REF}"
        xaddrs = " ".join(escape(expand(x, values)) for x in self.cfg.xaddrs)
        types = f"<{wsd}:Types>{escape(self.cfg.types)}</{wsd}:Types>" if self.cfg.types else ""
        return (
            f"<{wsa}:EndpointReference><{wsa}:Address>{escape(expand(self.cfg.endpoint, values))}"
            f"</{wsa}:Address></{wsa}:EndpointReference>{types}"
            f"<{wsd}:Scopes>{scopes}</{wsd}:Scopes><{wsd}:XAddrs>{xaddrs}</{wsd}:XAddrs>"
            f"<{wsd}:MetadataVersion>{self.cfg.metadata_version}</{wsd}:MetadataVersion>"
        )

    def probe_matches(self, relates_to: str) -> bytes:
        """The ProbeMatches answering a Probe with MessageID ``relates_to``."""
        env, wsa, wsd, _ = _STYLES[self.cfg.style]
        must = f' {env}:mustUnderstand="true"' if self.cfg.style == "gsoap" else ""
        bomb = self.ctx.persona.misbehave.xml_bomb
        header = (
            f"<{wsa}:RelatesTo>{escape(relates_to)}</{wsa}:RelatesTo>"
            f"<{wsa}:To{must}>{ANONYMOUS}</{wsa}:To>"
        )
        body = (
            f"<{wsd}:ProbeMatches><{wsd}:ProbeMatch>{self._match_fields(bomb=bomb)}"
            f"</{wsd}:ProbeMatch></{wsd}:ProbeMatches>"
        )
        return self._envelope("ProbeMatches", header, body, bomb=bomb)

    def hello(self) -> bytes:
        """The Hello multicast when the device comes up."""
        _, wsa, wsd, _ = _STYLES[self.cfg.style]
        header = f"<{wsa}:To>{DISCOVERY_TO}</{wsa}:To>"
        return self._envelope("Hello", header, f"<{wsd}:Hello>{self._match_fields()}</{wsd}:Hello>")

    def handle(self, data: bytes, addr: tuple[str, int]) -> list[bytes]:
        """Replies to one datagram (none unless it is a matching Probe)."""
        if self.ctx.persona.misbehave.udp_garbage:
            return [self.ctx.garbage("wsd")]
        try:
            probe = parse_probe(data)
        except Exception:  # hostile XML is ignored, as a device would
            return []
        if probe is None:
            return []
        message_id, types, scopes = probe
        if not matches(self.cfg, types, scopes, self.ctx.values()):
            return []
        return [self.probe_matches(message_id)]


async def start_wsd(ctx: DeviceContext, cfg: WsdConfig) -> Running:
    """Listen on the device address (and the group off loopback); send Hello if asked."""
    device = WsdDevice(ctx, cfg)
    running, transport = await start_udp(ctx, "wsd", PORT, device.handle, group=GROUP)
    if cfg.send_hello and ctx.multicast:

        async def hello() -> None:
            # Real devices repeat multicast announcements; twice, 0.5 s apart, survives a
            # listener that starts a moment after us.
            for _ in range(2):
                transport.sendto(device.hello(), (GROUP, PORT))
                await asyncio.sleep(0.5)

        running.closers.append(closer_for_task(asyncio.create_task(hello())))
    return running
