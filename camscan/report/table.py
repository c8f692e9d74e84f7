"""A rich table for people at a terminal; ``text`` is the format for anything else."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from camscan.models import ScanDocument
from camscan.report.common import (
    clean,
    evidence_summary,
    location,
    maker,
    ordered,
    policy_ids,
    status,
)
from camscan.report.text import header

_STYLE = {"restricted": "bold red", "suspected": "yellow", "acknowledged": "dim", "clear": ""}


def render_table(doc: ScanDocument, *, color: bool = False, width: int = 120) -> str:
    """Render with rich; every cell is a :class:`Text`, so device strings are never markup."""
    table = Table(show_lines=False, expand=False, header_style="bold")
    located = any(d.location for d in doc.devices)  # the column only when --infra told us
    for name in (
        "status",
        "address",
        "mac",
        *(("location",) if located else ()),
        "maker",
        "model",
        "firmware",
        "type",
        "conf.",
        "policies",
    ):
        table.add_column(name, overflow="fold", no_wrap=name in ("status", "address", "mac"))
    for d in ordered(doc.devices):
        word = status(d)
        ident = d.identification
        table.add_row(
            Text(word, style=_STYLE[word]),
            Text(clean(d.address)),
            Text(clean(d.mac)),
            *((Text(location(d)),) if located else ()),
            Text(clean(maker(d), 60)),
            Text(clean(ident.model, 40)),
            Text(clean(ident.firmware, 40)),
            Text(ident.device_type),
            Text(f"{ident.confidence:.2f}"),
            Text(" ".join(policy_ids(d))),
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
    for line in header(doc):
        console.print(Text(line))
    console.print(table)
    flagged = [d for d in ordered(doc.devices) if status(d) in ("restricted", "suspected")]
    if flagged:
        console.print(Text("\nWhy they are flagged:", style="bold"))
    for d in flagged:
        for m in d.policy.matches:
            clause = f" {clean(m.clause)}" if m.clause else ""
            console.print(
                Text(f"{clean(d.address)}  {m.policy}{clause} ({m.certainty}): {clean(m.entity)}")
            )
        console.print(
            Text(f"    via {clean(d.policy.matches[0].via)}; evidence: {evidence_summary(d)}")
        )
    return console.export_text(styles=color)
