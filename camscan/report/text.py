"""Plain text: for cron mail, logs and pipes; no colour, no box drawing, stable layout.

One aligned line per device (empty facts as ``—``) under a legend, then one detail block per
device that needs attention: the policy clauses, the strongest evidence and the failed probes.
"""

from __future__ import annotations

from camscan.models import Device, DeviceStatus, ScanDocument
from camscan.recorders import describe
from camscan.report.common import (
    FAILED,
    LEGEND,
    address,
    clauses,
    evidence_summary,
    header_lines,
    interface,
    location,
    mac,
    maker,
    method_rows,
    ordered,
    word,
)
from camscan.sanitize import clean
from camscan.words import plural

EMPTY = "—"
_COLUMNS = ("status", "address", "mac", "location", "maker", "model", "firmware", "type",
            "conf.", "policy")  # fmt: skip
_LIMITS = (14, 80, 24, 60, 40, 30, 24, 10, 5, 60)


def _cells(d: Device) -> list[str]:
    ident = d.identification
    values = [
        word(d) if d.status is DeviceStatus.CLEAR else word(d).upper(),
        address(d),
        mac(d),
        location(d),
        maker(d),
        ident.model or "",
        ident.firmware or "",
        ident.device_type,
        f"{ident.confidence:.2f}" if ident.confidence else "",
        clauses(d),
    ]
    return [clean(v, limit) or EMPTY for v, limit in zip(values, _LIMITS, strict=True)]


def device_table(devices: list[Device]) -> list[str]:
    """One aligned line per device under a header line; 'location' only when one is known."""
    keep = [i for i, name in enumerate(_COLUMNS)
            if name != "location" or any(d.location for d in devices)]  # fmt: skip
    rows = [[r[i] for i in keep] for r in [list(_COLUMNS), *(_cells(d) for d in devices)]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(keep))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _details(d: Device) -> list[str]:
    lines = [f"{address(d)}  {word(d).upper()}  {clean(maker(d))}"]
    if d.channels is not None:
        lines.append(f"    {clean(describe(d.channels), 200)}")
    if d.location is not None:
        lines.append(f"    location: {location(d)} ({clean(d.location.source, 80)})")
    if d.mac_source:
        lines.append(f"    {'mac from' if d.mac else 'mac'}: {clean(d.mac_source, 120)}")
    if d.policy.acknowledged:
        lines.append(f"    acknowledged: {clean(d.policy.acknowledged)}")
    for m in d.policy.matches:
        clause = f" {clean(m.clause)}" if m.clause else ""
        lines.append(
            f"    policy {clean(m.policy)}{clause} ({m.certainty}): {clean(m.entity)} "
            f"[{clean(m.basis, 120)}] source: {clean(m.source, 160)}"
            + (f" via: {clean(m.via, 200)}" if m.via else "")
        )
    if summary := evidence_summary(d):
        lines.append(f"    evidence: {summary}")
    for a in (a for a in d.attempts if a.status in FAILED or not d.identified):
        where = "" if a.port is None else f"/{a.port}"
        reason = f" {clean(a.reason, 120)}" if a.reason else ""
        lines.append(f"    probe {clean(a.probe, 40)}{where}: {a.status.value}{reason}")
    return lines


def render_text(doc: ScanDocument) -> str:
    """Header, legend, a line per device, then details for devices that need attention."""
    devices = ordered(doc.devices)
    lines = [*header_lines(doc), "", *device_table(devices), "", f"legend: {LEGEND}"]
    flagged = [d for d in devices if d.status is not DeviceStatus.CLEAR]
    if flagged:
        lines += ["", "details:"]
    for d in flagged:
        lines.extend(_details(d))
    if rows := method_rows(doc):
        lines += ["", f"discovery methods (interface {interface(doc)}):"]
        lines.extend(
            f"    {m} {state}"
            + (f" on {iface}" if iface else "")
            + f", {plural(int(hosts), 'host')}"
            + (f": {reason}" if reason else "")
            for m, state, iface, hosts, reason in rows
        )
    problems = [a for a in doc.attempts if a.status.value not in {"ok", "skipped", "no_answer"}]
    if problems:
        lines.append("")
        lines.extend(
            f"discovery {clean(a.probe, 40)}: {a.status.value} {clean(a.reason, 160)}".rstrip()
            for a in problems
        )
    return "\n".join(lines) + "\n"
