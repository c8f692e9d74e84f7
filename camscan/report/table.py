"""A rich table for people at a terminal; ``text`` is the format for anything else.

Two layouts, chosen by width: the *wide* one gives every field its own column (status,
address, MAC, location, maker, model, firmware, type, confidence, policy); when those columns
would not all fit at a readable width (each at least its longest word, up to a cap, and at
least :data:`FLOOR` characters), the *narrow* one stacks them into four columns (status,
device: address, MAC, location; maker / model: maker, model, firmware, type; policy) with a rule
between rows. Column widths are set here, not left to rich, which would squeeze every
wrapping column to two or three characters next to a wide address.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from camscan.models import Device, DeviceStatus, ScanDocument
from camscan.recorders import behind_text
from camscan.report.common import (
    LEGEND,
    attention,
    clause_list,
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
FLOOR = 8  # the narrowest a wrapping column may get (characters)


@dataclass(frozen=True)
class _Column:
    """A column's header and how far it may shrink: never below its longest word capped at
    ``cap`` (a longer word, such as a hostile device string, is folded), nor below
    ``least`` (:data:`FLOOR` by default); ``whole`` columns (status, MAC) never wrap."""

    name: str
    cap: int = 20
    whole: bool = False
    least: int = FLOOR


def _probe(name: str, port: int | None) -> str:
    """'http/8080': a probe with its port, so two attempts of one probe read apart."""
    return clean(name, 30) + ("" if port is None else f"/{port}")


def _address(d: Device) -> str:
    shown = clean(d.address, 60)
    return f"{shown}\n{clean(behind_text(d), 80)}" if d.behind is not None else shown


def _confidence(d: Device) -> str:
    return f"{d.identification.confidence:.2f}" if d.identification.confidence else EMPTY


def _wide(devices: list[Device], located: bool) -> tuple[list[_Column], list[list[str]]]:
    columns = [
        _Column("status", whole=True), _Column("address", cap=39), _Column("mac", whole=True),
        *((_Column("location"),) if located else ()), _Column("maker"), _Column("model"),
        _Column("firmware"), _Column("type"), _Column("conf.", whole=True), _Column("policy"),
    ]  # fmt: skip
    rows = [
        [word(d), _address(d), mac(d) or EMPTY, *((location(d) or EMPTY,) if located else ()),
         clean(maker(d), 60), clean(d.identification.model, 40) or EMPTY,
         clean(d.identification.firmware, 40) or EMPTY, clean(d.identification.device_type, 20),
         _confidence(d), "\n".join(clause_list(d)) or EMPTY]
        for d in devices
    ]  # fmt: skip
    return columns, rows


def _narrow(devices: list[Device]) -> tuple[list[_Column], list[list[str]]]:
    columns = [_Column("status", whole=True), _Column("device", cap=39, least=21),
               _Column("maker / model"), _Column("policy")]  # fmt: skip
    rows = []
    for d in devices:
        ident = d.identification
        where = location(d)
        device = [_address(d), f"MAC {mac(d) or EMPTY}", *((f"on {where}",) if where else ())]
        made = [
            clean(maker(d), 60),
            *((clean(ident.model, 40),) if ident.model else ()),
            *((f"firmware {clean(ident.firmware, 40)}",) if ident.firmware else ()),
            f"{clean(ident.device_type, 20)}, conf. {_confidence(d)}",
        ]
        rows.append([word(d), "\n".join(device), "\n".join(made),
                     "\n".join(clause_list(d)) or EMPTY])  # fmt: skip
    return columns, rows


def _widths(
    columns: Sequence[_Column], rows: Sequence[Sequence[str]], width: int, *, words: bool = True
) -> list[int]:
    """Content width per column so that the table (cells padded by one space each side, and
    the borders) spans at most ``width``: every column starts at its widest line and the
    widest is narrowed first, none below its floor (``words=False``: floors ignore the
    longest word). Empty when the floors do not fit."""
    natural, floor = [], []
    for i, col in enumerate(columns):
        cells = [r[i] for r in rows]
        lines = [len(line) for c in cells for line in c.splitlines()]
        longest = max((len(w) for c in cells for w in c.split()), default=0)
        natural.append(max(len(col.name), *lines, 1))
        least = max(col.least, len(col.name), min(longest, col.cap) if words else 0)
        if col.whole:
            least = natural[-1]
        floor.append(min(natural[-1], least))
    room = width - (3 * len(columns) + 1)
    if sum(floor) > room:
        return []
    widths = list(natural)
    while sum(widths) > room:
        i = max(range(len(widths)), key=lambda j: (widths[j] > floor[j], widths[j]))
        widths[i] -= 1
    return widths


def render_table(doc: ScanDocument, *, color: bool = False, width: int = 120) -> str:
    """Render with rich; every cell is a :class:`Text`, so device strings are never markup."""
    # Imported here so the machine formats never load rich.
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    devices = ordered(doc.devices)
    located = any(d.location for d in devices)  # the column only when --infra told us
    columns, rows = _wide(devices, located)
    widths = _widths(columns, rows, width)
    narrow = not widths
    if narrow:
        columns, rows = _narrow(devices)
        widths = _widths(columns, rows, width) or _widths(columns, rows, width, words=False)
    table = Table(show_lines=narrow, expand=False, header_style="bold")
    for i, col in enumerate(columns):
        table.add_column(col.name, overflow="fold", no_wrap=col.whole,
                         width=widths[i] if widths else None)  # fmt: skip
    for d, cells in zip(devices, rows, strict=True):
        table.add_row(Text(cells[0], style=_STYLE[d.status]), *(Text(c) for c in cells[1:]))
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
                ", ".join(f"{_probe(a.probe, a.port)} {a.status.value}" for a in d.attempts)
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
