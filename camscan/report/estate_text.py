"""The organisation report as plain aligned text (``camscan report -f text``, the default on a
terminal): answer first, no colour, no box drawing, one line per row.

Totals; restricted devices with their MAC and location (by site, then address); sites; counts
by maker, label and policy; changes; acknowledgements; the restricted-device trend over the
last run dates. Every device string goes through :func:`camscan.sanitize.clean` (inert, one
line, capped), as in the per-scan text report, so a hostile device name cannot move the cursor
or forge a line.
"""

from __future__ import annotations

from collections.abc import Sequence

from camscan.estate import Count, Estate, EstateDevice
from camscan.sanitize import clean

EMPTY = "—"
TREND_DAYS = 14  # run dates shown in the trend (the HTML report charts all of them)


def _align(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Columns padded to their widest cell (cells are already cleaned and capped)."""
    table = [list(header), *([c or EMPTY for c in r] for r in rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    return [
        indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in table
    ]


def _maker(d: EstateDevice) -> str:
    sold = f" (sold as {d.brand})" if d.brand and d.brand != d.maker else ""
    return clean(d.maker + sold, 60)


def _where(d: EstateDevice) -> str:
    loc = d.location
    parts = [clean(loc.switch_label, 50)] if loc.switch else []
    if loc.port:
        parts.append(f"port {clean(loc.port, 30)}")
    if loc.vlan is not None:
        parts.append(f"VLAN {loc.vlan}")
    if loc.behind:
        parts.append(clean(loc.behind, 120))
    if d.unverified:
        parts.append(f"({clean(d.unverified_note, 160)})")
    return " ".join(parts)


def _ack(d: EstateDevice) -> str:
    if d.ack is None:
        return ""
    until = f"until {d.ack.until}" if d.ack.until else "no expiry"
    return f"{clean(d.ack.reason, 60)} ({until}){'' if d.ack.active else ' EXPIRED'}"


def _counts(title: str, rows: list[Count]) -> list[str]:
    body = [
        [clean(c.name, 60), str(c.devices), str(c.restricted), str(c.suspected),
         str(c.acknowledged)]
        for c in rows
    ]  # fmt: skip
    return _align([title, "devices", "restricted", "suspected", "acknowledged"], body)


def render_estate_text(estate: Estate) -> str:
    """The organisation report as aligned plain text."""
    present = [d for d in estate.devices if d.present]
    acked = sum(1 for d in estate.acknowledged if d.ack and d.ack.active)
    suspected = sum(1 for d in present if d.suspected and not d.restricted)
    scope = clean(", ".join(estate.scope), 200)
    lines = [
        f"camscan estate report, generated {str(estate.generated_at)[:16]}, sites: {scope}"
        + (f", changes since {estate.since}" if estate.since else ""),
        f"{len(estate.sites)} sites, {estate.total_devices} devices, "
        f"{estate.total_restricted} restricted, {suspected} suspected, {acked} acknowledged",
        "",
        f"restricted devices ({len(estate.restricted)}):",
    ]
    rows = [
        [clean(d.site, 30), clean(d.address, 39), clean(d.mac_shown, 40), _maker(d),
         clean(d.model, 30), _where(d),
         clean("; ".join(d.clauses), 40), str(d.first_seen)[:10], _ack(d)]
        for d in estate.restricted
    ]  # fmt: skip
    header = ["site", "address", "MAC", "maker / label", "model", "location", "policy clause",
              "first seen", "acknowledged"]  # fmt: skip
    lines += _align(header, rows) if rows else ["  none"]
    lines += ["", f"sites ({len(estate.sites)}):"]
    lines += _align(
        ["site", "last run (UTC)", "runs", "devices", "restricted", "suspected", "acknowledged"],
        [
            [clean(s.site, 30), str(s.last_run or "")[:16], str(s.runs), str(s.devices),
             str(s.restricted), str(s.suspected), str(s.acknowledged)]
            for s in estate.sites
        ],
    )  # fmt: skip
    for title, counts in (("maker", estate.by_maker), ("label", estate.by_label),
                          ("policy", estate.by_policy)):  # fmt: skip
        lines += ["", f"by {title}:", *(_counts(title, counts) if counts else ["  none"])]
    lines += ["", f"changes ({len(estate.changes)}):"]
    changes = [
        [c.kind.value, clean(c.device.site, 30), clean(c.device.address, 39),
         _maker(c.device), clean(c.device.model, 30), clean(", ".join(c.fields), 60),
         str(c.at)[:16]]
        for c in estate.changes
    ]  # fmt: skip
    header = ["change", "site", "address", "maker / label", "model", "fields", "when (UTC)"]
    lines += _align(header, changes) if changes else ["  none in the period"]
    lines += ["", f"acknowledged ({len(estate.acknowledged)}):"]
    acks = [
        [clean(d.site, 30), clean(d.address, 39), _maker(d), _ack(d)] for d in estate.acknowledged
    ]
    lines += (
        _align(["site", "address", "maker / label", "acknowledgement"], acks)
        if acks
        else ["  none"]
    )
    if estate.series:
        recent = estate.series[-TREND_DAYS:]
        makers = sorted({m for p in recent for m in p.by_maker})
        lines += ["", f"restricted devices on the last {len(recent)} run dates, by maker:"]
        lines += _align(
            ["day", "total", *(clean(m, 20) for m in makers)],
            [
                [str(p.day), str(sum(p.by_site.values())),
                 *(str(p.by_maker.get(m, 0)) for m in makers)]
                for p in recent
            ],
        )  # fmt: skip
    return "\n".join(lines) + "\n"
