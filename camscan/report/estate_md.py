"""The organisation report as Markdown (``camscan report -f markdown``), answer first.

Totals, restricted devices with their MAC and location (by site, then address), sites, counts
by site, maker, label and policy, changes, acknowledgements, and the restricted-device trend as
a table (Markdown has no charts).
Device strings are escaped as in the per-scan Markdown report.
"""

from __future__ import annotations

from camscan.estate import Count, Estate, EstateDevice
from camscan.report.markdown import md_escape as _m
from camscan.words import plural


def _maker(d: EstateDevice) -> str:
    sold = f" (sold as {d.brand})" if d.brand and d.brand != d.maker else ""
    return _m(d.maker + sold)


def _where(d: EstateDevice) -> str:
    loc = d.location
    parts = [loc.switch_label] if loc.switch else []
    if loc.port:
        parts.append(f"port {loc.port}")
    if loc.vlan is not None:
        parts.append(f"VLAN {loc.vlan}")
    if loc.behind:
        parts.append(loc.behind)
    if d.unverified:
        parts.append(f"({d.unverified_note})")
    return _m(" ".join(parts))


def _ack(d: EstateDevice) -> str:
    if d.ack is None:
        return "—"
    until = f"until {d.ack.until}" if d.ack.until else "no expiry"
    return f"{_m(d.ack.reason)} ({until}){'' if d.ack.active else ' **expired**'}"


def _counts(title: str, rows: list[Count]) -> list[str]:
    return [
        f"| {title} | devices | restricted | suspected | acknowledged |",
        "|---|---:|---:|---:|---:|",
        *(f"| {_m(c.name)} | {c.devices} | {c.restricted} | {c.suspected} | {c.acknowledged} |"
          for c in rows),
        "",
    ]  # fmt: skip


def render_estate_markdown(estate: Estate) -> str:
    """The organisation report as GFM tables."""
    present = [d for d in estate.devices if d.present]
    acked = sum(1 for d in estate.acknowledged if d.ack and d.ack.active)
    suspected = sum(1 for d in present if d.suspected and not d.restricted)
    lines = [
        "# camscan estate report",
        "",
        f"- generated: {str(estate.generated_at)[:16]}",
        f"- sites: {_m(', '.join(estate.scope))}"
        + (f"; changes since {estate.since}" if estate.since else ""),
        f"- {plural(len(estate.sites), 'site')}, {plural(estate.total_devices, 'device')}, "
        f"{estate.total_restricted} restricted, {suspected} suspected, {acked} acknowledged",
        "",
        f"## {estate.restricted_title}",
        "",
    ]
    if estate.restricted:
        lines += [
            "| site | address | MAC | maker / label | model | location | policy clause "
            "| first seen | acknowledged |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {_m(d.site)} | {_m(d.address)} | {_m(d.mac_shown)} | {_maker(d)} | "
            f"{_m(d.model)} | {_where(d)} | "
            f"{_m('; '.join(d.clauses))} | {str(d.first_seen)[:10]} | {_ack(d)} |"
            for d in estate.restricted
        ]
    else:
        lines.append("None.")
    lines += ["", f"## Sites ({len(estate.sites)})", "",
              "| site | last run | runs | devices | restricted | suspected | acknowledged |",
              "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    lines += [
        f"| {_m(s.site)} | {str(s.last_run or '')[:16] or '—'} | {s.runs} | {s.devices} | "
        f"{s.restricted} | {s.suspected} | {s.acknowledged} |"
        for s in estate.sites
    ]
    lines += ["", "## Counts", ""]
    for title, rows in (("site", estate.by_site), ("maker", estate.by_maker),
                        ("label", estate.by_label), ("policy", estate.by_policy)):  # fmt: skip
        lines += _counts(title, rows)
    lines += [f"## Changes ({len(estate.changes)})", ""]
    if estate.changes:
        lines += ["| change | site | address | maker / label | model | fields | when |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        lines += [
            f"| {c.kind.value} | {_m(c.device.site)} | {_m(c.device.address)} | "
            f"{_maker(c.device)} | {_m(c.device.model)} | {_m(', '.join(c.fields))} | "
            f"{str(c.at)[:16]} |"
            for c in estate.changes
        ]
    else:
        lines.append("No changes in the period.")
    lines += ["", f"## Acknowledged ({len(estate.acknowledged)})", ""]
    if estate.acknowledged:
        lines += ["| site | address | maker / label | acknowledgement |", "|---|---|---|---|"]
        lines += [
            f"| {_m(d.site)} | {_m(d.address)} | {_maker(d)} | {_ack(d)} |"
            for d in estate.acknowledged
        ]
    else:
        lines.append("None.")
    if estate.series:
        sites = sorted({s for p in estate.series for s in p.by_site})
        lines += ["", "## Restricted devices over time", "",
                  "| day | " + " | ".join(_m(s) for s in sites) + " |",
                  "|---|" + "---:|" * len(sites)]  # fmt: skip
        lines += [
            f"| {p.day} | " + " | ".join(str(p.by_site.get(s, 0)) for s in sites) + " |"
            for p in estate.series
        ]
    return "\n".join(lines).rstrip("\n") + "\n"
