"""The summary line and every human report name the discovery methods that did not run, why,
and the interface used (the engine's per-method record, ``ScanDocument.method_runs``)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from camscan.models import MethodRun, MethodState
from camscan.report import Format, render
from camscan.report.common import summarize
from tests.report.sample_docs import building, mixed_building

ARP_WHY = "no interface on the scanned subnets (routed)"


def test_summary_line_names_skipped_methods_their_reason_and_the_interface() -> None:
    line = summarize(mixed_building()).line()
    assert "interface none" in line
    assert f"arp skipped ({ARP_WHY})" in line
    assert "wsd skipped (multicast needs an on-link interface" in line
    assert "tcp" not in line.split("not run or partial:")[1]  # it ran
    assert "mdns" not in line  # left out by --methods: the user's choice, not a gap


def test_the_interface_and_how_it_was_chosen() -> None:
    doc = building(interface="eth0", interface_source="routing table", method_runs=[
        MethodRun(method="arp", state=MethodState.RAN, interface="eth0", hosts=5),
        MethodRun(method="ssdp", state=MethodState.PARTIAL, interface="eth0", complete=False,
                  reason="overran its 4.0 s budget")])  # fmt: skip
    line = summarize(doc).line()
    assert "interface eth0 (routing table)" in line
    assert "not run or partial: ssdp partial (overran its 4.0 s budget)" in line


@pytest.mark.parametrize("fmt", [Format.TEXT, Format.TABLE, Format.HTML, Format.MARKDOWN])
def test_every_human_format_names_them(fmt: Format) -> None:
    out = render(mixed_building(), fmt, width=400)
    assert ARP_WHY in out
    assert "multicast needs an on-link interface" in out


def test_csv_carries_them_in_a_column_on_every_row() -> None:
    """Regression: one-row-per-device formats did not say what the scan could not see."""
    doc = mixed_building()
    rows = list(csv.DictReader(io.StringIO(render(doc, Format.CSV))))
    assert len(rows) == len(doc.devices)
    for row in rows:
        assert row["methods_not_run"].startswith(f"arp skipped ({ARP_WHY}); wsd skipped (")
        assert "tcp" not in row["methods_not_run"]  # it ran


def test_jsonl_carries_them_on_every_line_beside_the_device() -> None:
    doc = mixed_building()
    lines = [json.loads(line) for line in render(doc, Format.JSONL).splitlines()]
    assert [line["address"] for line in lines] == [d.address for d in doc.devices]
    for line in lines:
        assert [m["method"] for m in line["methods_not_run"]] == ["arp", "wsd"]
        assert line["methods_not_run"][0] == {"method": "arp", "state": "skipped",
                                              "reason": ARP_WHY}  # fmt: skip


def test_html_puts_them_before_the_devices_and_folds_every_method_run() -> None:
    out = render(mixed_building(), Format.HTML)
    assert out.index("id='not-run'") < out.index("id='attention'")
    methods = out[
        out.index("<details id='methods'>") : out.index("</details>", out.index("id='methods'"))
    ]
    for name in ("arp", "wsd", "tcp", "mdns"):
        assert f"<code>{name}</code>" in methods
    assert "not_selected" in methods


def test_a_document_without_method_runs_falls_back_to_its_attempts() -> None:
    from camscan.models import AttemptStatus, ProbeAttempt

    doc = building(attempts=[ProbeAttempt(probe="arp", status=AttemptStatus.SKIPPED,
                                          reason="needs root")])  # fmt: skip
    assert "not run or partial: arp skipped (needs root)" in summarize(doc).line()


@pytest.mark.parametrize("fmt", [Format.TEXT, Format.TABLE, Format.HTML, Format.MARKDOWN])
def test_the_scanning_host_is_named_as_left_out(fmt: Format) -> None:
    out = render(building(this_host=["192.0.2.250"]), fmt, width=200)
    assert "this host (left out)" in out
    assert "192.0.2.250" in out
