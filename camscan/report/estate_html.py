"""The organisation report (``camscan report -f html``): one self-contained file, no script.

Answer first: totals, then inline SVG trend charts (restricted devices by site and by maker
over time), then the tables: sites; counts by maker, label and policy; restricted devices with
their MAC and location (by site, then address); changes; acknowledgements. Rendered from
:class:`camscan.estate.Estate`; shell, stylesheet and escaping are the per-scan report's
(:mod:`.htmlpage`).
"""

from __future__ import annotations

from camscan.estate import Count, Estate, EstateDevice, SiteSummary
from camscan.report.htmlpage import Cell, e, page, row, table, words
from camscan.report.svg import line_chart


def _day(stamp: object) -> str:
    return e(str(stamp)[:16].replace("T", " ")) if stamp else "—"


def _nw(text: str) -> str:
    return f"<span class='nw'>{e(text)}</span>"


def _where(d: EstateDevice) -> str:
    loc = d.location
    parts = [_nw(loc.switch_label)] if loc.switch else []
    if loc.port:
        parts.append(f"port {_nw(loc.port)}")
    if loc.vlan is not None:
        parts.append(_nw(f"VLAN {loc.vlan}"))
    if loc.behind:
        parts.append(e(loc.behind))
    if d.unverified:
        parts.append(f"<em>{e(d.unverified_note)}</em>")
    return " ".join(parts) or "—"


def _maker(d: EstateDevice) -> str:
    sold = f" (sold as {d.brand})" if d.brand and d.brand != d.maker else ""
    return words(d.maker + sold)


_TALLY = [("n", "devices"), ("n", "restricted"), ("n", "suspected"), ("n", "acknowledged")]


def _tally(c: Count | SiteSummary) -> list[Cell]:
    return [("n", str(n)) for n in (c.devices, c.restricted, c.suspected, c.acknowledged)]


def _counts(caption: str, rows: list[Count]) -> str:
    body = (row([("dt", words(c.name, 80)), *_tally(c)]) for c in rows)
    return table([e(caption), *_TALLY], body, wide=False, empty="none")


def _sites(estate: Estate) -> str:
    head: list[Cell] = ["site", "last run", ("n", "runs"), *_TALLY]
    body = (
        row([("nw", e(s.site)), ("nw", _day(s.last_run)), ("n", str(s.runs)), *_tally(s)])
        for s in estate.sites
    )
    return table(head, body, ident="sites")


def _restricted(estate: Estate) -> str:
    if not estate.restricted:
        return "<p>None.</p>"
    head = ["site", "address", "MAC", "maker / label", "model", "location", "policy clause",
            "first seen", "acknowledged"]  # fmt: skip
    body = (
        row(
            [("nw", e(d.site)), ("nw", e(d.address)), ("nw", e(d.mac_shown) or "—"),
             ("dt", _maker(d)), ("dt", words(d.model)),
             _where(d), "; ".join(_nw(c) for c in d.clauses) or "—",
             ("nw", _day(d.first_seen)[:10]), _ack(d)],
            "acknowledged" if d.ack and d.ack.active else "restricted",
        )
        for d in estate.restricted
    )  # fmt: skip
    return table(head, body, ident="restricted")


def _ack(d: EstateDevice) -> str:
    if d.ack is None:
        return "—"
    until = f"until {_nw(str(d.ack.until))}" if d.ack.until else "no expiry"
    state = "" if d.ack.active else " <b>expired</b>"
    return f"{e(d.ack.reason, 120)} ({until}){state}"


def _changes(estate: Estate) -> str:
    if not estate.changes:
        return "<p>No changes in the period.</p>"
    head = ["change", "site", "address", "maker / label", "model", "fields", "when"]
    body = (
        row([e(c.kind.value), ("nw", e(c.device.site)), ("nw", e(c.device.address)),
             ("dt", _maker(c.device)), ("dt", words(c.device.model)),
             e(", ".join(c.fields)) or "—", ("nw", _day(c.at))])
        for c in estate.changes
    )  # fmt: skip
    return table(head, body, ident="changes")


def _acks(estate: Estate) -> str:
    if not estate.acknowledged:
        return "<p>None.</p>"
    head = ["site", "address", "maker / label", "acknowledgement"]
    body = (
        row([("nw", e(d.site)), ("nw", e(d.address)), ("dt", _maker(d)), _ack(d)])
        for d in estate.acknowledged
    )
    return table(head, body, ident="acks")


def trend_charts(estate: Estate) -> str:
    """Two line charts: restricted devices by site and by maker, one point per run date."""
    days = [p.day.isoformat() for p in estate.series]
    sites = sorted({s for p in estate.series for s in p.by_site})
    makers = sorted({m for p in estate.series for m in p.by_maker})
    return (
        "<div class='grid' id='charts'>"
        + line_chart(
            "Restricted devices by site",
            days,
            {s: [p.by_site.get(s, 0) for p in estate.series] for s in sites},
        )
        + line_chart(
            "Restricted devices by maker",
            days,
            {m: [p.by_maker.get(m, 0) for p in estate.series] for m in makers},
        )
        + "</div>"
    )


def render_estate_html(estate: Estate) -> str:
    """The organisation report page (see the module docstring for its order)."""
    scope = ", ".join(_nw(s) for s in estate.scope)
    since = f" · changes since {estate.since}" if estate.since else ""
    present = [d for d in estate.devices if d.present]
    tiles = [
        (len(estate.sites), "sites", ""),
        (estate.total_devices, "devices", ""),
        (estate.total_restricted, "restricted", "restricted"),
        (sum(1 for d in present if d.suspected and not d.restricted), "suspected", ""),
        (sum(1 for d in estate.acknowledged if d.ack and d.ack.active), "acknowledged", ""),
    ]
    body = (
        f"<h1>camscan estate report</h1><p class='meta'>Generated {_day(estate.generated_at)} · "
        f"sites {scope}{since}</p><div class='tiles' id='totals'>"
        + "".join(f"<div class='tile {cls}'><b>{n}</b>{label}</div>" for n, label, cls in tiles)
        + "</div>"
        f"<h2>Restricted devices over time</h2>{trend_charts(estate)}"
        f"<h2>{estate.restricted_title}</h2>{_restricted(estate)}"
        f"<h2>Sites ({len(estate.sites)})</h2>{_sites(estate)}"
        "<h2>Counts</h2><div class='grid wide2' id='counts'>"
        + _counts("site", estate.by_site)
        + _counts("maker", estate.by_maker)
        + _counts("label", estate.by_label)
        + _counts("policy", estate.by_policy)
        + "</div>"
        f"<h2>Changes ({len(estate.changes)})</h2>{_changes(estate)}"
        f"<h2>Acknowledged ({len(estate.acknowledged)})</h2>{_acks(estate)}"
    )
    return page(f"camscan estate report {str(estate.generated_at)[:10]}", body)
