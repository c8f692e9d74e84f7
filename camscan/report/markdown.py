"""Markdown for tickets, wikis and pull requests, answer first like the HTML report.

Order: header facts and the summary, what did not run, counts by status, maker, label and
policy at a glance, the devices that need attention as a compact table, every device, the
discovery methods, then policy detail. Device
strings are escaped for GFM tables (HTML first, then Markdown punctuation).
"""

from __future__ import annotations

import html
import re
from collections import Counter

from camscan.models import Device, DeviceStatus, ScanDocument
from camscan.report.common import (
    LEGEND,
    WORDS,
    address,
    attention,
    clauses,
    counts,
    evidence_summary,
    header_lines,
    interface,
    location,
    mac,
    maker,
    method_rows,
    methods_not_run,
    ordered,
    why_unidentified,
    word,
)
from camscan.sanitize import clean

# Markdown punctuation that could start links, emphasis, code, headings or break a table.
_MD = re.compile(r"([\\`*_\[\]|~<>#])")
EMPTY = "—"


def md_escape(text: str | None, limit: int = 120) -> str:
    """Escape a device string: HTML first (GFM passes raw HTML through), then Markdown."""
    return _MD.sub(r"\\\1", html.escape(clean(text, limit), quote=False)) or EMPTY


_m = md_escape


def _status(d: Device) -> str:
    text = word(d)
    return f"**{text}**" if d.status is DeviceStatus.RESTRICTED else text


def _why(d: Device) -> str:
    if d.status is DeviceStatus.UNIDENTIFIED:
        return _m(why_unidentified(d), 200)
    return _m(clauses(d), 200)


def _glance(title: str, counted: Counter[str]) -> str:
    """'- **By maker:** Hikvision 14, unknown 13, Dahua 7' — a count table in one line."""
    rows = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
    return f"- **By {title}:** " + ", ".join(f"{_m(k, 60)} {n}" for k, n in rows)


def render_markdown(doc: ScanDocument) -> str:
    """Answer first: summary, counts at a glance, the attention list; then the inventory,
    discovery methods and policy detail."""
    devices = ordered(doc.devices)
    lines = ["# camscan report", ""]
    lines += [f"- {_m(line, 1000)}" for line in header_lines(doc)[1:]]
    if missing := methods_not_run(doc):
        lines += ["", f"**Not run or only partly** (interface: {_m(interface(doc))}):", ""]
        lines += [f"- {_m(m, 40)} {state}: {_m(reason, 200)}" for m, state, reason in missing]
    verdicts = Counter(WORDS[d.status] for d in devices)
    lines += [
        "",
        "## At a glance",
        "",
        "- **By status:** " + ", ".join(f"{w} {verdicts[w]}" for w in WORDS.values()),
    ]
    lines += [_glance(name, counted) for name, counted in counts(devices).items()]
    needing = attention(devices)
    lines += ["", f"## Needs attention ({len(needing)})", ""]
    if needing:
        located = any(d.location for d in needing)
        where = " location |" if located else ""
        lines += [f"| status | address | maker / label | model |{where} policy clause |",
                  "|---|---|---|---|" + ("---|" if located else "") + "---|"]  # fmt: skip
        lines += [
            f"| {_status(d)} | {_m(address(d))} | {_m(maker(d))} | "
            f"{_m(d.identification.model)} |"
            + (f" {_m(location(d))} |" if located else "")
            + f" {_why(d)} |"
            for d in needing
        ]
    else:
        lines.append("None: nothing restricted, suspected or unidentified.")
    located = any(d.location for d in devices)  # the column only when --infra told us
    lines += [
        "",
        f"## All devices ({len(devices)})",
        "",
        "| status | address | MAC |"
        + (" location |" if located else "")
        + " maker | model | firmware | type | policy | evidence |",
        "|---|---|---|" + ("---|" if located else "") + "---|---|---|---|---|---|",
    ]
    for d in devices:
        ident = d.identification
        lines.append(
            f"| {_status(d)} | {_m(address(d))} | {_m(mac(d))} |"
            + (f" {_m(location(d), 300)} |" if located else "")
            + f" {_m(maker(d))} | {_m(ident.model)} | {_m(ident.firmware)} | "
            f"{_m(ident.device_type)} | {_m(clauses(d), 200)} | "
            f"{_m(evidence_summary(d, limit=3), 300)} |"
        )
    lines += ["", f"_Legend: {_m(LEGEND, 1000)}_"]
    if rows := method_rows(doc):
        lines += [
            "",
            f"## Discovery methods (interface: {_m(interface(doc))})",
            "",
            "| method | state | interface | hosts | reason |",
            "|---|---|---|---:|---|",
        ]
        lines += [f"| {' | '.join(_m(c, 200) for c in row)} |" for row in rows]
    covered = [d for d in devices if d.policy.matches]
    if covered:
        lines += ["", "## Policy detail", ""]
    for d in covered:
        lines.append(f"### {_m(address(d))} — {_m(maker(d))} {_m(d.identification.model)}")
        if d.policy.acknowledged:
            lines.append(f"Acknowledged: {_m(d.policy.acknowledged, 300)}")
        lines.append("")
        lines.extend(
            f"- **{_m(m.policy)}** ({m.certainty}): {_m(m.entity)} {_m(m.clause)} — "
            f"{_m(m.basis, 300)}; source: {_m(m.source, 300)}"
            for m in d.policy.matches
        )
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
