"""The per-scan HTML report: the answer first, the evidence folded below; one file, no script.

Layout: the verdict counts, what did not run, counts by maker, label and policy with inline SVG
charts (restricted and suspected devices by maker and by type), the devices that need attention
(restricted, suspected, not identified) as a compact list, every device in one table, then the
evidence per device in ``<details>``. Shell, stylesheet and escaping: :mod:`.htmlpage`.
"""

from __future__ import annotations

from collections import Counter

from camscan.facts import ports
from camscan.models import Device, DeviceStatus, ScanDocument
from camscan.recorders import behind_text, describe
from camscan.report.common import (
    FAILED,
    LEGEND,
    WORDS,
    attention,
    clause_list,
    counts,
    interface,
    location,
    mac,
    maker,
    method_rows,
    methods_not_run,
    ordered,
    summarize,
    when,
    why_unidentified,
    word,
)
from camscan.report.htmlpage import Cell, count_table, e, page, row, table, words
from camscan.report.svg import bar_chart

_FLAGGED = (DeviceStatus.RESTRICTED, DeviceStatus.SUSPECTED)


def _tag(d: Device) -> str:
    return f"<span class='tag {d.status.value}'>{e(word(d))}</span>"


def _evidence_table(d: Device) -> str:
    if not d.identification.evidence:
        return "<p>No matching evidence.</p>"
    head: list[Cell] = ["kind", "group", "rule", "signal", "value", ("n", "weight")]
    return table(
        head,
        (
            row([
                e(ev.kind.value), e(ev.group), f"<code>{e(ev.rule)}</code>",
                f"<code>{e(ev.signal)}</code>{'' if ev.port is None else f' :{ev.port}'}",
                ("dt", f"<code>{e(ev.value)}</code>"),
                ("n", f"{ev.weight:.2f}{'' if ev.counted else ' (not counted)'}"),
            ])
            for ev in d.identification.evidence
        ),
    )  # fmt: skip


def _policy_table(d: Device) -> str:
    if not d.policy.matches:
        return ""
    head = ["policy", "entity", "clause", "basis", "certainty", "via", "source"]
    return table(
        head,
        (
            row([("nw", e(m.policy)), e(m.entity), ("nw", e(m.clause)), e(m.basis),
                 e(m.certainty), e(m.via), ("dt", e(m.source, 400))])
            for m in d.policy.matches
        ),
    )  # fmt: skip


def _attempts(d: Device) -> str:
    shown = [a for a in d.attempts if a.status in FAILED or not d.identified]
    if not shown:
        return ""
    items = "".join(
        f"<li><code>{e(a.probe)}{'' if a.port is None else f'/{a.port}'}</code> "
        f"{e(a.status.value)} {e(a.reason)}</li>"
        for a in shown
    )
    return f"<h4>Probes that did not answer</h4><ul>{items}</ul>"


def _address(d: Device) -> str:
    """The address whole; for a camera behind a recorder 'behind 192.0.2.26 channel 1' on a
    second line that wraps between words, so the cell stays as narrow as an address."""
    shown = f"<span class='nw'>{e(d.address)}</span>"
    if d.behind is not None:
        shown += f"<br><small>{words(behind_text(d))}</small>"
    return shown


def _why(d: Device) -> str:
    """The compact list's last cell: the policy clause, or why the device is not identified."""
    if d.status is DeviceStatus.UNIDENTIFIED:
        return e(why_unidentified(d))
    return "; ".join(f"<span class='nw'>{e(c)}</span>" for c in clause_list(d))


def _compact(devices: list[Device]) -> str:
    if not devices:
        return "<p>None: nothing restricted, suspected or unidentified.</p>"
    located = any(d.location for d in devices)
    head = ["status", "address", "maker / label", "model", "location" if located else None,
            "policy clause"]  # fmt: skip
    rows = (
        row([_tag(d), _address(d), ("dt", words(maker(d))),
             ("dt", words(d.identification.model)),
             ("dt", words(location(d))) if located else None, _why(d)], d.status.value)
        for d in devices
    )  # fmt: skip
    return table(head, rows, ident="attention")


def _inventory(devices: list[Device]) -> str:
    located = any(d.location for d in devices)
    head = ["status", "address", "MAC", "location" if located else None, "maker", "model",
            "firmware", "type", ("noprint", "ports")]  # fmt: skip
    rows = (
        row([_tag(d), _address(d), ("nw", e(mac(d)) or "—"),
             ("dt", words(location(d))) if located else None, ("dt", words(maker(d))),
             ("dt", words(d.identification.model)), ("dt", words(d.identification.firmware)),
             e(d.identification.device_type),
             ("noprint", words(" ".join(str(p) for p in ports(d))))], d.status.value)
        for d in devices
    )  # fmt: skip
    return table(head, rows, ident="devices")


def _evidence(d: Device) -> str:
    ident = d.identification
    mac_from = f" (from {e(d.mac_source)})" if d.mac_source and d.mac else ""
    mac_text = e(d.mac) if d.mac else e(d.mac_source or "") or "—"
    facts = [
        f"MAC <span class='nw'>{mac_text}</span>{mac_from}",
        f"firmware {e(ident.firmware) or '—'}",
        e(ident.device_type),
        f"confidence {ident.confidence:.2f}",
    ]
    if d.location is not None:
        facts.append(f"location {words(location(d))} ({e(d.location.source)})")
    if d.channels is not None:
        facts.append(e(describe(d.channels)))
    if d.behind is not None:
        facts.append(words(f"{behind_text(d)} ({d.behind.api})"))
    if open_ports := ports(d):
        facts.append("ports " + " ".join(str(p) for p in open_ports))
    ack = (
        f"<p><span class='tag acknowledged'>acknowledged</span> {e(d.policy.acknowledged)}</p>"
        if d.policy.acknowledged
        else ""
    )
    return (
        f"<details class='device' id='device-{e(d.address)}'><summary>{_tag(d)} "
        f"{_address(d)} — {e(maker(d))} {e(ident.model)}</summary>"
        f"<p class='meta'>{' · '.join(facts)}</p>{ack}{_policy_table(d)}"
        f"<h4>Evidence</h4>{_evidence_table(d)}{_attempts(d)}</details>"
    )


def _not_run(doc: ScanDocument) -> str:
    """What did not run and why, up front; every method run folded below it."""
    missing = methods_not_run(doc)
    where = interface(doc)
    parts = []
    if missing or where == "none":
        items = "".join(
            f"<li><code>{e(m)}</code> {e(state)}: {e(reason) or '—'}</li>"
            for m, state, reason in missing
        )
        parts.append(
            "<div class='notrun' id='not-run'><h3>Not run or only partly</h3>"
            f"<p>Interface: {e(where) or '—'}</p><ul>{items}</ul></div>"
        )
    if rows := method_rows(doc):
        head: list[Cell] = ["method", "state", "interface", ("n", "hosts"), "reason"]
        body = (
            row([f"<code>{m}</code>", state, ("nw", iface or "—"), ("n", hosts), reason or "—"])
            for m, state, iface, hosts, reason in (tuple(map(e, r)) for r in rows)
        )
        parts.append(
            f"<details id='methods'><summary>Discovery methods ({len(rows)}), interface "
            f"{e(where)}</summary>{table(head, body)}</details>"
        )
    return "".join(parts)


def _counts(doc: ScanDocument) -> str:
    devices = doc.devices
    by = counts(devices)
    flagged = [d for d in devices if d.status in _FLAGGED]
    flagged_maker = Counter(d.identification.vendor or maker(d) for d in flagged)
    flagged_type = Counter(d.identification.device_type for d in flagged)
    return (
        "<div class='grid' id='counts'>"
        + bar_chart("Restricted and suspected devices by maker", list(flagged_maker.items()))
        + bar_chart(
            "Restricted and suspected devices by type", list(flagged_type.items()), "#0072b2"
        )
        + "".join(
            count_table(name, list(by[name].items())) for name in ("policy", "maker", "label")
        )
        + "</div>"
    )


def _tiles(doc: ScanDocument) -> str:
    verdicts = Counter(d.status for d in doc.devices)
    tiles = [f"<div class='tile'><b>{len(doc.devices)}</b>devices</div>"]
    tiles += [
        f"<div class='tile {s.value}'><b>{verdicts[s]}</b>{e(WORDS[s])}</div>" for s in DeviceStatus
    ]
    return f"<div class='tiles' id='verdicts'>{''.join(tiles)}</div>"


def render_html(doc: ScanDocument) -> str:
    """The report page: answer, counts and charts, compact list, inventory, folded evidence."""
    summary = summarize(doc)
    meta = [f"Scan <span class='nw'>{e(when(doc))}</span>"]
    if doc.scope:
        meta.append("scope " + ", ".join(f"<span class='nw'>{e(s)}</span>" for s in doc.scope))
    if doc.tool.signatures_version:
        meta.append(f"signatures {e(doc.tool.signatures_version)} ({e(doc.tool.signatures_date)})")
    if doc.tool.policies:
        meta.append(
            "policies " + ", ".join(f"<span class='nw'>{e(p)}</span>" for p in doc.tool.policies)
        )
    if doc.this_host:
        meta.append("this host (left out) " + ", ".join(
            f"<span class='nw'>{e(a)}</span>" for a in doc.this_host))  # fmt: skip
    devices = ordered(doc.devices)
    needing = attention(devices)
    body = (
        f"<h1>camscan report</h1><p class='meta'>{' · '.join(meta)}</p>"
        f"{_tiles(doc)}<p class='summary' id='summary'>{e(summary.line(), 1000)}</p>"
        f"{_not_run(doc)}"
        f"<h2>Counts</h2>{_counts(doc)}"
        f"<h2>Needs attention ({len(needing)})</h2>{_compact(needing)}"
        f"<h2>All devices ({len(devices)})</h2>{_inventory(devices)}"
        f"<p class='legend'>{e(LEGEND, 1000)}</p>"
        f"<h2>Evidence per device</h2>{''.join(_evidence(d) for d in devices)}"
    )
    return page(f"camscan report {when(doc)}", body)
