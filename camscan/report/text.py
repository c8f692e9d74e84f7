"""Plain text: for cron mail, logs and pipes; no colour, no box drawing, stable layout."""

from __future__ import annotations

from camscan.models import Device, ScanDocument
from camscan.report.common import (
    FAILED,
    clean,
    location,
    maker,
    ordered,
    ports,
    status,
    summarize,
    when,
)


def header(doc: ScanDocument) -> list[str]:
    """The lines that say what was scanned, when, and with which signatures and policies."""
    tool = doc.tool
    lines = [f"camscan report {when(doc)}".rstrip()]
    if doc.scope:
        lines.append("scope: " + ", ".join(clean(s, 80) for s in doc.scope))
    if tool.signatures_version:
        lines.append(f"signatures: {tool.signatures_version} ({tool.signatures_date})")
    if tool.policies:
        lines.append("policies: " + ", ".join(tool.policies))
    lines.append(summarize(doc).line())
    return lines


def device_lines(d: Device) -> list[str]:
    """A device as a headline and indented detail lines."""
    ident = d.identification
    word = status(d)
    word = "-" if word == "clear" else word.upper()
    facts = [
        f"{word:<12} {clean(d.address)}",
        clean(d.mac) or "no-mac",
        clean(maker(d)),
        clean(ident.model) or "model?",
        f"fw {clean(ident.firmware)}" if ident.firmware else "fw?",
        ident.device_type,
        f"confidence {ident.confidence:.2f}",
    ]
    lines = ["  ".join(facts)]
    if where := location(d):
        source = d.location.source if d.location else ""
        lines.append(f"    location: {where} ({clean(source, 80)})")
    if d.mac_source:
        lines.append(f"    mac from: {clean(d.mac_source, 120)}")
    if d.policy.acknowledged:
        lines.append(f"    acknowledged: {clean(d.policy.acknowledged)}")
    for m in d.policy.matches:
        clause = f" {clean(m.clause)}" if m.clause else ""
        lines.append(
            f"    policy {m.policy} ({m.certainty}): {clean(m.entity)} —{clause} "
            f"[{clean(m.basis, 120)}] source: {clean(m.source, 160)}"
        )
    for e in ident.evidence:
        flag = "" if e.counted else " (not counted)"
        lines.append(
            f"    evidence {e.kind.value} {e.rule} w={e.weight:.2f}{flag}: "
            f"{e.signal}{'' if e.port is None else '@' + str(e.port)} = {clean(e.value, 120)}"
        )
    lines.extend(
        f"    conflict: {clean(c.vendor)} at {c.confidence:.2f} ({', '.join(c.rules)})"
        for c in ident.conflicts
    )
    if open_ports := ports(d):
        lines.append("    ports: " + " ".join(str(p) for p in open_ports))
    for a in (a for a in d.attempts if a.status in FAILED):
        where = "" if a.port is None else f"/{a.port}"
        lines.append(f"    probe {a.probe}{where}: {a.status.value} {clean(a.reason, 120)}")
    return lines


def render_text(doc: ScanDocument) -> str:
    """Header, then every device (restricted first), then scan-wide attempt problems."""
    lines = header(doc)
    lines.append("")
    for d in ordered(doc.devices):
        lines.extend(device_lines(d))
    problems = [a for a in doc.attempts if a.status.value not in {"ok", "skipped", "no_answer"}]
    if problems:
        lines.append("")
        lines.extend(
            f"discovery {a.probe}: {a.status.value} {clean(a.reason, 160)}" for a in problems
        )
    return "\n".join(lines) + "\n"
