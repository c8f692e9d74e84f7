"""The organisation report (``camscan report -f html``): one self-contained file, no script.

Answer first: totals, then inline SVG trend charts (restricted devices by site and by maker
over time), then the tables: sites; counts by maker, label and policy; restricted devices with
their location; changes; acknowledgements. Rendered from :class:`camscan.estate.Estate`; shell,
stylesheet and escaping are the per-scan report's (:mod:`.htmlpage`).
"""

from __future__ import annotations

from camscan.estate import Count, Estate, EstateDevice
from camscan.report.htmlpage import e, page, words
from camscan.report.svg import line_chart


def _day(stamp: object) -> str:
    return e(str(stamp)[:16].replace("T", " ")) if stamp else "—"


def _nw(text: str) -> str:
    return f"<span class='nw'>{e(text)}</span>"


def _where(d: EstateDevice) -> str:
    loc = d.location
    parts = [_nw(loc.switch)] if loc.switch else []
    if loc.port:
        parts.append(f"port {_nw(loc.port)}")
    if loc.vlan is not None:
        parts.append(_nw(f"VLAN {loc.vlan}"))
    return " ".join(parts) or "—"


def _maker(d: EstateDevice) -> str:
    sold = f" (sold as {d.brand})" if d.brand and d.brand != d.maker else ""
    return words(d.maker + sold)


def _counts(caption: str, rows: list[Count]) -> str:
    body = "".join(
        f"<tr><td class='dt'>{words(c.name, 80)}</td><td class='n'>{c.devices}</td>"
        f"<td class='n'>{c.restricted}</td><td class='n'>{c.suspected}</td>"
        f"<td class='n'>{c.acknowledged}</td></tr>"
        for c in rows
    )
    return (
        f"<table><tr><th>{e(caption)}</th><th class='n'>devices</th><th class='n'>restricted</th>"
        "<th class='n'>suspected</th><th class='n'>acknowledged</th></tr>"
        f"{body or '<tr><td colspan=5>none</td></tr>'}</table>"
    )


def _sites(estate: Estate) -> str:
    rows = "".join(
        f"<tr><td class='nw'>{e(s.site)}</td><td class='nw'>{_day(s.last_run)}</td>"
        f"<td class='n'>{s.runs}</td><td class='n'>{s.devices}</td>"
        f"<td class='n'>{s.restricted}</td><td class='n'>{s.suspected}</td>"
        f"<td class='n'>{s.acknowledged}</td></tr>"
        for s in estate.sites
    )
    return (
        "<table class='wide' id='sites'><tr><th>site</th><th>last run</th><th class='n'>runs</th>"
        "<th class='n'>devices</th><th class='n'>restricted</th><th class='n'>suspected</th>"
        f"<th class='n'>acknowledged</th></tr>{rows}</table>"
    )


def _restricted(estate: Estate) -> str:
    if not estate.restricted:
        return "<p>None.</p>"
    rows = "".join(
        f"<tr class='{'acknowledged' if d.ack and d.ack.active else 'restricted'}'>"
        f"<td class='nw'>{e(d.site)}</td><td class='nw'>{e(d.address)}</td>"
        f"<td class='dt'>{_maker(d)}</td><td class='dt'>{words(d.model)}</td>"
        f"<td>{_where(d)}</td>"
        f"<td>{'; '.join(_nw(c) for c in d.clauses) or '—'}</td>"
        f"<td class='nw'>{_day(d.first_seen)[:10]}</td>"
        f"<td>{_ack(d)}</td></tr>"
        for d in estate.restricted
    )
    return (
        "<table class='wide' id='restricted'><tr><th>site</th><th>address</th>"
        "<th>maker / label</th><th>model</th><th>location</th><th>policy clause</th>"
        f"<th>first seen</th><th>acknowledged</th></tr>{rows}</table>"
    )


def _ack(d: EstateDevice) -> str:
    if d.ack is None:
        return "—"
    until = f"until {_nw(str(d.ack.until))}" if d.ack.until else "no expiry"
    state = "" if d.ack.active else " <b>expired</b>"
    return f"{e(d.ack.reason, 120)} ({until}){state}"


def _changes(estate: Estate) -> str:
    if not estate.changes:
        return "<p>No changes in the period.</p>"
    rows = "".join(
        f"<tr><td>{e(c.kind.value)}</td><td class='nw'>{e(c.device.site)}</td>"
        f"<td class='nw'>{e(c.device.address)}</td><td class='dt'>{_maker(c.device)}</td>"
        f"<td class='dt'>{words(c.device.model)}</td><td>{e(', '.join(c.fields)) or '—'}</td>"
        f"<td class='nw'>{_day(c.at)}</td></tr>"
        for c in estate.changes
    )
    return (
        "<table class='wide' id='changes'><tr><th>change</th><th>site</th><th>address</th>"
        f"<th>maker / label</th><th>model</th><th>fields</th><th>when</th></tr>{rows}</table>"
    )


def _acks(estate: Estate) -> str:
    if not estate.acknowledged:
        return "<p>None.</p>"
    rows = "".join(
        f"<tr><td class='nw'>{e(d.site)}</td><td class='nw'>{e(d.address)}</td>"
        f"<td class='dt'>{_maker(d)}</td><td>{_ack(d)}</td></tr>"
        for d in estate.acknowledged
    )
    return (
        "<table class='wide' id='acks'><tr><th>site</th><th>address</th><th>maker / label</th>"
        f"<th>acknowledgement</th></tr>{rows}</table>"
    )


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
        f"<h2>Restricted devices ({len(estate.restricted)})</h2>{_restricted(estate)}"
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
