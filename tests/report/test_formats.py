"""Every report format renders, and hostile device strings stay inert in each of them."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import jsonschema
import pytest

from camscan.models import Device, ScanDocument
from camscan.report import Format, render
from camscan.report.common import clean, ordered
from camscan.report.jsonfmt import schema_json
from tests.helpers import REPO
from tests.report.markdown_tables import assert_rows_match_headers
from tests.report.sample_docs import HOSTILE, building, clean_building

SCHEMA_FILE = REPO / "docs" / "scan-document.schema.json"
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_every_device(fmt: Format) -> None:
    doc = building()
    out = render(doc, fmt)
    assert out.endswith("\n")
    for device in doc.devices:
        assert device.address in out, (fmt, device.address)


@pytest.mark.parametrize("fmt", list(Format))
def test_empty_document_renders(fmt: Format) -> None:
    out = render(ScanDocument(), fmt)
    assert isinstance(out, str)
    if fmt not in (Format.JSONL,):
        assert out.strip()


@pytest.mark.parametrize("fmt", [Format.TABLE, Format.TEXT, Format.CSV, Format.MARKDOWN])
def test_terminal_formats_carry_no_control_characters(fmt: Format) -> None:
    out = render(building(), fmt)
    assert "\x1b" not in out
    assert not _RAW_CONTROL.search(out.replace("\n", ""))
    # the ESC from the device is shown, visibly, as text
    assert "x1b" in out


def test_table_shows_rich_markup_literally_and_colours_only_on_request() -> None:
    doc = building([*building().devices])
    plain = render(doc, Format.TABLE, width=200)
    assert "\x1b" not in plain
    coloured = render(doc, Format.TABLE, color=True, width=200)
    assert "\x1b[" in coloured  # styles for the status column
    # the device's own escape sequence never reaches the terminal, even in colour mode
    assert "\x1b[2J" not in coloured


def test_rich_markup_in_device_string_is_not_interpreted() -> None:
    dev = Device(address="192.0.2.7").model_copy(
        update={"identification": building().devices[1].identification.model_copy(
            update={"model": "[bold red]FAKE[/bold red] [link=http://x]y[/link]"})}
    )  # fmt: skip
    out = render(building([dev]), Format.TABLE, width=250)
    assert "[bold red]FAKE[/bold red]" in out


def test_clean_bounds_and_neutralises() -> None:
    assert clean("a\x1b[31mb\u202ec\r\nd", 100) == "a\\x1b[31mb\\u202ec d"
    assert len(clean("x" * 1000, 50)) == 50
    assert clean(None) == ""


def test_safe_keeps_lines_and_shows_markup_and_escapes_literally() -> None:
    from rich.console import Console

    from camscan.cli.common import safe

    out = Console(file=io.StringIO(), width=200, no_color=True)
    out.print(safe("note\n[bold]x[/bold] \x1b[2J\u200bz"))
    assert out.file.getvalue() == "note\n[bold]x[/bold] \\x1b[2J\\u200bz\n"


def test_csv_one_row_per_device_and_formula_guard() -> None:
    rows = list(csv.DictReader(io.StringIO(render(building(), Format.CSV))))
    assert len(rows) == 5
    assert rows[0]["address"] == "192.0.2.21"  # restricted first
    assert rows[0]["restricted"] == "yes"
    assert rows[0]["policies"] == "us-ndaa-889 us-fcc-covered"
    assert "Hikvision" in rows[0]["entities"]
    assert rows[1]["restricted"] == "suspected"
    hostile = next(r for r in rows if r["address"] == "192.0.2.66")
    assert hostile["firmware"].startswith("'=")  # not a live formula in a spreadsheet
    for row in rows:
        for value in row.values():
            assert not _RAW_CONTROL.search(value)


def test_html_is_self_contained_escaped_and_forbids_script() -> None:
    out = render(building(), Format.HTML)
    assert "Content-Security-Policy" in out
    assert "default-src 'none'" in out
    assert "<script" not in out.lower()
    assert "<img" not in out.lower()
    assert "&lt;script&gt;" in out
    # no external resource of any kind
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", out, re.IGNORECASE)
    # restricted devices come first, with entity, clause and source
    assert out.index("192.0.2.21") < out.index("192.0.2.40")
    assert "§889(f)(3)(B)" in out
    assert "https://www.fcc.gov/supplychain/coveredlist" in out


def test_markdown_escapes_markup() -> None:
    out = render(building(), Format.MARKDOWN)
    assert "<script" not in out
    assert "<img" not in out
    assert "&lt;script&gt;" in out
    tables = assert_rows_match_headers(out)
    assert len(tables) == 2  # attention, all devices (building() has no method runs)
    assert any("192.0.2.66" in row for row in tables[-1])


def test_json_round_trips_and_validates_against_committed_schema() -> None:
    doc = building()
    out = render(doc, Format.JSON)
    assert ScanDocument.model_validate_json(out) == doc
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(out), schema)
    for line in render(doc, Format.JSONL).splitlines():
        jsonschema.validate(json.loads(line), {**schema, "$ref": "#/$defs/Device"})
    # JSON keeps the exact value; its consumers escape for their medium
    assert json.loads(out)["devices"][4]["identification"]["model"] == HOSTILE


def test_jsonl_one_device_per_line() -> None:
    lines = render(building(), Format.JSONL).splitlines()
    assert [Device.model_validate_json(x).address for x in lines] == [
        d.address for d in building().devices
    ]


def test_schema_file_is_current() -> None:
    expected = schema_json()
    if os.environ.get("CAMSCAN_UPDATE_GOLDEN") == "1":
        SCHEMA_FILE.write_text(expected, encoding="utf-8")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == expected, (
        "docs/scan-document.schema.json is stale: rerun with CAMSCAN_UPDATE_GOLDEN=1"
    )


def test_order_restricted_suspected_acknowledged_clear() -> None:
    doc = building()
    acked = doc.devices[1].model_copy(
        update={"policy": doc.devices[1].policy.model_copy(update={"acknowledged": "replacing"})}
    )
    words = [
        d.address
        for d in ordered([*doc.devices, acked.model_copy(update={"address": "192.0.2.5"})])
    ]
    assert words[:3] == ["192.0.2.21", "192.0.2.30", "192.0.2.5"]


def test_clean_document_renders_without_findings() -> None:
    out = render(clean_building(), Format.TEXT)
    assert "0 restricted, 0 suspected" in out


def test_registry_has_one_renderer_per_format_and_each_renders_a_real_document() -> None:
    from html.parser import HTMLParser

    from camscan.report import RENDERERS, SUFFIX

    assert set(RENDERERS) == set(Format) == set(SUFFIX)
    doc = building()
    outputs = {fmt: render(doc, fmt) for fmt in Format}
    assert len(json.loads(outputs[Format.JSON])["devices"]) == len(doc.devices)
    assert len([json.loads(x) for x in outputs[Format.JSONL].splitlines()]) == len(doc.devices)
    assert len(list(csv.DictReader(io.StringIO(outputs[Format.CSV])))) == len(doc.devices)

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in ("meta", "br"):  # HTML void elements have no end tag
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.open.pop() == tag

    parser = Tags()
    parser.feed(outputs[Format.HTML])
    assert parser.open == []  # every element closed, in order
    assert outputs[Format.MARKDOWN].startswith("# camscan report\n")
    for fmt in (Format.TEXT, Format.TABLE):
        assert outputs[fmt].startswith("camscan report 2026-11-28 02:03 UTC\n")
