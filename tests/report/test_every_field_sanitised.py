"""Every string field of the scan document reaches every report format only through the
sanitiser: a document whose every string carries an ANSI escape, a bidi override, a zero-width
space and a line separator renders with none of them raw, in every format but JSON (which keeps
the exact value and escapes it as JSON)."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime

import pytest

from camscan.models import (
    AttemptStatus,
    Device,
    Evidence,
    EvidenceKind,
    Identification,
    Location,
    MethodRun,
    MethodState,
    Observation,
    PolicyMatch,
    PolicyResult,
    ProbeAttempt,
    ScanDocument,
    ToolInfo,
)
from camscan.report import Format, render

EVIL = "\x1b[31m\u202eX\u200b\x07\ufeff\u00ad\u2028"
# Every control, format and line/paragraph separator character (categories Cc, Cf, Zl, Zp),
# newline aside, which formats use between lines.
_UNSAFE = "".join(
    re.escape(chr(c))
    for c in range(0x110000)
    if c != 0x0A and unicodedata.category(chr(c)) in {"Cc", "Cf", "Zl", "Zp"}
)
_RAW = re.compile(f"[{_UNSAFE}]")


def _s(name: str) -> str:
    return f"{name}{EVIL}"


def _hostile_document() -> ScanDocument:
    match = PolicyMatch(policy=_s("pol"), entity=_s("ent"), basis=_s("basis"), source=_s("src"),
                        clause=_s("clause"), via=_s("via"))  # fmt: skip
    evidence = Evidence(rule=_s("rule"), kind=EvidenceKind.FIRMWARE, signal=_s("sig"),
                        value=_s("val"), vendor=_s("v"), note=_s("note"), weight=0.9)  # fmt: skip
    device = Device(
        address=_s("192.0.2.7"),
        mac=_s("mac"),
        hostnames=[_s("host")],
        location=Location(switch=_s("sw"), port=_s("port"), vlan=20, source=_s("how")),
        mac_source=_s("macsrc"),
        observations=[Observation(signal=_s("o"), value=_s("ov"), source=_s("os"))],
        attempts=[
            ProbeAttempt(probe=_s("probe"), port=80, status=AttemptStatus.TIMEOUT, reason=_s("why"))
        ],
        identification=Identification(
            vendor=_s("Vendor"),
            brand=_s("Brand"),
            model=_s("Model"),
            firmware=_s("fw"),
            serial=_s("sn"),
            device_type=_s("camera"),
            evidence=[evidence],
            confidence=0.9,
            software=[_s("sw")],
            mac_vendor=_s("macv"),
        ),
        policy=PolicyResult(restricted=True, matches=[match]),
    )
    silent = Device(address=_s("192.0.2.8"), attempts=[
        ProbeAttempt(probe=_s("p2"), status=AttemptStatus.ERROR, reason=_s("r2"))])  # fmt: skip
    return ScanDocument(
        tool=ToolInfo(
            version=_s("1"),
            signatures_version=_s("sv"),
            signatures_date=_s("sd"),
            policies=[_s("p")],
        ),
        started_at=datetime(2026, 11, 30, tzinfo=UTC),
        scope=[_s("192.0.2.0/24")],
        methods=[_s("arp")],
        attempts=[ProbeAttempt(probe=_s("wsd"), status=AttemptStatus.ERROR, reason=_s("bad"))],
        method_runs=[
            MethodRun(
                method=_s("arp"), state=MethodState.SKIPPED, reason=_s("no"), interface=_s("eth0")
            )
        ],
        interface=_s("eth0"),
        interface_source=_s("routing"),
        devices=[device, silent],
    )


@pytest.mark.parametrize("fmt", [f for f in Format if f not in (Format.JSON, Format.JSONL)])
def test_no_raw_control_or_invisible_character_in_any_format(fmt: Format) -> None:
    out = render(_hostile_document(), fmt, width=300)
    assert not _RAW.findall(out), sorted(set(_RAW.findall(out)))
    visible = out.replace("\\\\", "\\").replace("\\[", "[")  # Markdown escapes \ and [
    assert "\\x1b[31m\\u202eX\\u200b\\x07\\ufeff\\xad\\u2028" in visible  # shown visibly


@pytest.mark.parametrize("fmt", [Format.JSON, Format.JSONL])
def test_json_keeps_the_exact_value_escaped(fmt: Format) -> None:
    """JSON is the contract: exact values, C0/C1 controls escaped (\\u001b); its readers
    (jq, a SIEM) escape for their own medium."""
    out = render(_hostile_document(), fmt)
    assert not re.findall(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)
    first = json.loads(out.splitlines()[0] if fmt is Format.JSONL else out)
    device = first if fmt is Format.JSONL else first["devices"][0]
    assert device["identification"]["model"] == _s("Model")


def test_estate_renderers_too() -> None:
    from camscan.estate import (
        AckInfo,
        ChangeKind,
        Count,
        Estate,
        EstateChange,
        EstateDevice,
        SeriesPoint,
        SiteSummary,
    )
    from camscan.estate import Location as Where
    from camscan.report.estate_html import render_estate_html
    from camscan.report.estate_md import render_estate_markdown

    now = datetime(2026, 11, 30, tzinfo=UTC)
    device = EstateDevice(
        site=_s("hq"), key=_s("k"), address=_s("a"), mac=_s("m"), vendor=_s("V"), brand=_s("B"),
        model=_s("M"), firmware=_s("f"), restricted=True, policies=[_s("p")], clauses=[_s("c")],
        location=Where(site=_s("hq"), address=_s("a"), switch=_s("sw"), port=_s("po"), vlan=2),
        first_seen=now, last_seen=now,
        ack=AckInfo(reason=_s("why"), created_at=now, active=False),
    )  # fmt: skip
    count = [Count(name=_s("n"), devices=1, restricted=1)]
    estate = Estate(
        generated_at=now, scope=[_s("all")], sites=[SiteSummary(site=_s("hq"))],
        by_site=count, by_maker=count, by_label=count, by_policy=count, restricted=[device],
        changes=[EstateChange(kind=ChangeKind.CHANGED, device=device, fields=[_s("fw")], at=now)],
        acknowledged=[device], devices=[device],
        series=[SeriesPoint(day=now.date(), by_site={_s("hq"): 1}, by_maker={_s("V"): 1})],
    )  # fmt: skip
    for out in (render_estate_html(estate), render_estate_markdown(estate)):
        assert not _RAW.findall(out), sorted(set(_RAW.findall(out)))
