"""Hikvision SADP on UDP 37020: answers only ``inquiry`` probes, with the persona's ProbeMatch.

Wire shape from real captures (Skylight Cyber DS-KH6210-L, 2023; an EZVIZ CS-C6TC capture of
SADPTool; julienblitte/UniversalScanner Hikvision.selftest): the probe is
``<Probe><Uuid>…</Uuid><Types>inquiry</Types></Probe>`` sent to 239.255.255.250:37020 and the
reply ``<ProbeMatch>`` echoes Uuid and Types, then lists the device fields, one per line.
SADP also has unauthenticated ``update``/``reset``/``getcode`` types; the lab ignores every
type but ``inquiry`` so a client that sends anything else learns nothing.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET

from camscan.lab.persona import SadpConfig, expand
from camscan.lab.responders.common import (
    MAX_DISCOVERY_REQUEST,
    DeviceContext,
    Running,
    start_udp,
)
from camscan.lab.responders.wsd import BOMB_REF, XML_BOMB_DTD

PORT = 37020
GROUP = "239.255.255.250"


def parse_inquiry(data: bytes) -> tuple[str, str] | None:
    """(Uuid, Types) of an ``inquiry`` probe; None for anything else."""
    if len(data) > MAX_DISCOVERY_REQUEST:
        return None
    root = SafeET.fromstring(data, forbid_dtd=True)
    if root.tag != "Probe":
        return None
    uuid = (root.findtext("Uuid") or "").strip()
    types = (root.findtext("Types") or "").strip()
    if types.lower() != "inquiry" or not uuid:
        return None
    return uuid, types


def probe_match(ctx: DeviceContext, cfg: SadpConfig, uuid: str, types: str) -> bytes:
    """The ProbeMatch for one inquiry (persona fields in order, placeholders filled)."""
    values = ctx.values()
    nl = cfg.line_ending
    bomb = ctx.persona.misbehave.xml_bomb
    lines = [f"<Uuid>{escape(uuid)}</Uuid>", f"<Types>{escape(types)}</Types>"]
    lines += [f"<{k}>{escape(expand(v, values))}</{k}>" for k, v in cfg.fields.items()]
    if bomb:
        lines.append(f"<OEMInfo>{BOMB_REF}</OEMInfo>")
    head = cfg.xml_declaration + nl + (XML_BOMB_DTD + nl if bomb else "")
    return (head + "<ProbeMatch>" + nl + nl.join(lines) + nl + "</ProbeMatch>" + nl).encode()


async def start_sadp(ctx: DeviceContext, cfg: SadpConfig) -> Running:
    """Listen on the device address (and the SADP group off loopback)."""

    def handle(data: bytes, addr: tuple[str, int]) -> list[bytes]:
        if ctx.persona.misbehave.udp_garbage:
            return [ctx.garbage("sadp")]
        try:
            probe = parse_inquiry(data)
        except Exception:  # hostile XML is ignored, as a device would
            return []
        return [probe_match(ctx, cfg, *probe)] if probe else []

    running, _ = await start_udp(ctx, "sadp", PORT, handle, group=GROUP)
    return running
