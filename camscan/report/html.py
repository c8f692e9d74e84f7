"""A self-contained HTML report: one file, inline CSS, no script, no external assets.

Every device string goes through :func:`_e` (control characters made visible, then HTML-escaped)
and the Content-Security-Policy forbids script and any network fetch, so a hostile camera name
cannot run code in the reader's browser even if an escape were missed.
"""

from __future__ import annotations

import html

from camscan.models import Device, ScanDocument
from camscan.report.common import clean, maker, ordered, ports, status, summarize, when

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1a1a1a;background:#fff}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.4em 0 .4em}
.meta{color:#555;margin:.1em 0}.summary{font-weight:600;margin:.6em 0}
table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere}
th{background:#f2f2f2}
.restricted{background:#fde2e1}.suspected{background:#fff4d6}.acknowledged{background:#eef}
.tag{display:inline-block;padding:0 .4em;border-radius:3px;font-size:.85em;font-weight:600}
.tag.restricted{background:#c62828;color:#fff}.tag.suspected{background:#f9a825}
.tag.acknowledged{background:#5c6bc0;color:#fff}.tag.clear{background:#ddd}
details{margin:.2em 0}code{font-size:.9em;word-break:break-all}
.card{border:1px solid #ccc;border-left:6px solid #c62828;padding:.5em .8em;margin:.8em 0}
.card.suspected{border-left-color:#f9a825}.card.acknowledged{border-left-color:#5c6bc0}
"""


def _e(text: str | None, limit: int = 300) -> str:
    return html.escape(clean(text, limit), quote=True)


def _evidence_table(d: Device) -> str:
    rows = "".join(
        f"<tr><td>{_e(ev.kind.value)}</td><td><code>{_e(ev.rule)}</code></td>"
        f"<td><code>{_e(ev.signal)}</code>{'' if ev.port is None else f' :{ev.port}'}</td>"
        f"<td><code>{_e(ev.value)}</code></td><td>{ev.weight:.2f}"
        f"{'' if ev.counted else ' (not counted)'}</td></tr>"
        for ev in d.identification.evidence
    )
    if not rows:
        return "<p>No matching evidence.</p>"
    return (
        "<table><tr><th>kind</th><th>rule</th><th>signal</th><th>value</th><th>weight</th></tr>"
        f"{rows}</table>"
    )


def _policy_table(d: Device) -> str:
    rows = "".join(
        f"<tr><td>{_e(m.policy)}</td><td>{_e(m.entity)}</td><td>{_e(m.clause)}</td>"
        f"<td>{_e(m.basis)}</td><td>{_e(m.certainty)}</td><td>{_e(m.via)}</td>"
        f"<td>{_e(m.source, 400)}</td></tr>"
        for m in d.policy.matches
    )
    return (
        "<table><tr><th>policy</th><th>entity</th><th>clause</th><th>basis</th>"
        f"<th>certainty</th><th>via</th><th>source</th></tr>{rows}</table>"
    )


def _card(d: Device) -> str:
    word = status(d)
    ident = d.identification
    ack = (
        f"<p><span class='tag acknowledged'>acknowledged</span> {_e(d.policy.acknowledged)}</p>"
        if d.policy.acknowledged
        else ""
    )
    return (
        f"<div class='card {word}'><h3><span class='tag {word}'>{word}</span> "
        f"{_e(d.address)} — {_e(maker(d))} {_e(ident.model)}</h3>"
        f"<p class='meta'>MAC {_e(d.mac) or '?'} · firmware {_e(ident.firmware) or '?'} · "
        f"{_e(ident.device_type)} · confidence {ident.confidence:.2f}</p>{ack}"
        f"{_policy_table(d)}<h4>Evidence</h4>{_evidence_table(d)}</div>"
    )


def _row(d: Device) -> str:
    word = status(d)
    ident = d.identification
    open_ports = " ".join(str(p) for p in ports(d))
    return (
        f"<tr class='{word}'><td><span class='tag {word}'>{word}</span></td>"
        f"<td>{_e(d.address)}</td><td>{_e(d.mac)}</td><td>{_e(maker(d))}</td>"
        f"<td>{_e(ident.model)}</td><td>{_e(ident.firmware)}</td><td>{_e(ident.device_type)}</td>"
        f"<td>{ident.confidence:.2f}</td><td>{_e(open_ports)}</td>"
        f"<td><details><summary>{len(ident.evidence)} items</summary>{_evidence_table(d)}"
        "</details></td></tr>"
    )


def render_html(doc: ScanDocument) -> str:
    """The report page: summary, a card per covered device, then the full inventory."""
    summary = summarize(doc)
    covered = [d for d in ordered(doc.devices) if d.policy.matches]
    meta = [f"Scan {_e(when(doc))}"]
    if doc.scope:
        meta.append("scope " + _e(", ".join(doc.scope)))
    if doc.tool.signatures_version:
        meta.append(
            f"signatures {_e(doc.tool.signatures_version)} ({_e(doc.tool.signatures_date)})"
        )
    if doc.tool.policies:
        meta.append("policies " + _e(", ".join(doc.tool.policies)))
    inventory = "".join(_row(d) for d in ordered(doc.devices))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>camscan report {_e(when(doc))}</title><style>{_CSS}</style></head><body>"
        f"<h1>camscan report</h1><p class='meta'>{' · '.join(meta)}</p>"
        f"<p class='summary' id='summary'>{_e(summary.line())}</p>"
        f"<h2>Restricted and suspected devices ({len(covered)})</h2>"
        + ("".join(_card(d) for d in covered) or "<p>None.</p>")
        + f"<h2>All devices ({len(doc.devices)})</h2>"
        "<table id='devices'><tr><th>status</th><th>address</th><th>MAC</th><th>maker</th>"
        "<th>model</th><th>firmware</th><th>type</th><th>confidence</th><th>ports</th>"
        f"<th>evidence</th></tr>{inventory}</table></body></html>\n"
    )
