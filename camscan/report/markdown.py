"""Markdown: for tickets, wikis and pull requests; device strings escaped for GFM tables."""

from __future__ import annotations

import html
import re

from camscan.models import ScanDocument
from camscan.report.common import clean, evidence_summary, maker, ordered, policy_ids, status
from camscan.report.text import header

# Markdown punctuation that could start links, emphasis, code, headings or break a table.
_MD = re.compile(r"([\\`*_\[\]|~])")


def _m(text: str | None, limit: int = 120) -> str:
    """Escape a device string: HTML first (GFM passes raw HTML through), then Markdown."""
    return _MD.sub(r"\\\1", html.escape(clean(text, limit), quote=False))


def render_markdown(doc: ScanDocument) -> str:
    """A heading, the header facts, a device table, and policy detail for covered devices."""
    lines = ["# camscan report", ""]
    lines += [f"- {_m(line, 300)}" for line in header(doc)[1:]]
    lines += [
        "",
        "| status | address | MAC | maker | model | firmware | type | policies | evidence |",
    ]
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for d in ordered(doc.devices):
        ident = d.identification
        word = status(d)
        lines.append(
            f"| {'**' + word + '**' if word == 'restricted' else word} | {_m(d.address)} | "
            f"{_m(d.mac)} | {_m(maker(d))} | {_m(ident.model)} | {_m(ident.firmware)} | "
            f"{_m(ident.device_type)} | {_m(' '.join(policy_ids(d)))} | "
            f"{_m(evidence_summary(d, limit=3), 300)} |"
        )
    covered = [d for d in ordered(doc.devices) if d.policy.matches]
    if covered:
        lines += ["", "## Policy detail", ""]
    for d in covered:
        lines.append(f"### {_m(d.address)} — {_m(maker(d))} {_m(d.identification.model)}")
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
