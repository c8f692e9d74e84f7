"""A rich table for people at a terminal; ``text`` is the format for anything else."""

from __future__ import annotations

import io

from camscan.models import DeviceStatus, ScanDocument
from camscan.report.common import (
    LEGEND,
    address,
    attention,
    clauses,
    evidence_summary,
    header_lines,
    location,
    mac,
    maker,
    ordered,
    word,
)
from camscan.sanitize import clean

_STYLE = {
    DeviceStatus.RESTRICTED: "bold red",
    DeviceStatus.SUSPECTED: "yellow",
    DeviceStatus.UNIDENTIFIED: "magenta",
    DeviceStatus.ACKNOWLEDGED: "dim",
    DeviceStatus.CLEAR: "",
}
EMPTY = "—"


def render_table(doc: ScanDocument, *, color: bool = False, width: int = 120) -> str:
    """Render with rich; every cell is a :class:`Text`, so device strings are never markup."""
    # Imported here so the machine formats never load rich.
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False, expand=False, header_style="bold")
    located = any(d.location for d in doc.devices)  # the column only when --infra told us
    for name in ("status", "address", "mac", *(("location",) if located else ()), "maker",
                 "model", "firmware", "type", "conf.", "policy"):  # fmt: skip
        table.add_column(name, overflow="fold", no_wrap=name in ("status", "address", "mac"))
    for d in ordered(doc.devices):
        ident = d.identification
        table.add_row(
            Text(word(d), style=_STYLE[d.status]),
            Text(address(d)),
            Text(mac(d) or EMPTY),
            *((Text(location(d) or EMPTY),) if located else ()),
            Text(clean(maker(d), 60)),
            Text(clean(ident.model, 40) or EMPTY),
            Text(clean(ident.firmware, 40) or EMPTY),
            Text(clean(ident.device_type, 20)),
            Text(f"{ident.confidence:.2f}" if ident.confidence else EMPTY),
            Text(clauses(d) or EMPTY),
        )
    console = Console(
        width=width,
        record=True,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        file=io.StringIO(),
    )
    for line in header_lines(doc):
        console.print(Text(line))
    console.print(table)
    console.print(Text(f"legend: {LEGEND}", style="dim"))
    flagged = attention(doc.devices)
    if flagged:
        console.print(Text("\nWhy they need attention:", style="bold"))
    for d in flagged:
        if d.status is DeviceStatus.UNIDENTIFIED:
            failed = (
                ", ".join(f"{clean(a.probe, 30)} {a.status.value}" for a in d.attempts)
                or "no probe ran"
            )
            console.print(Text(f"{clean(d.address)}  not identified: {failed}"))
            continue
        for m in d.policy.matches:
            clause = f" {clean(m.clause)}" if m.clause else ""
            console.print(
                Text(
                    f"{clean(d.address)}  {clean(m.policy)}{clause} ({m.certainty}): "
                    f"{clean(m.entity)}"
                )
            )
        console.print(
            Text(f"    via {clean(d.policy.matches[0].via)}; evidence: {evidence_summary(d)}")
        )
    return console.export_text(styles=color)
