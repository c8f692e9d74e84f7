"""The terminal table stays readable at any width: no field is squeezed to a few characters
next to a wide address ("203.0.113.10 behind 192.0.2.26 channel 1"); MACs, addresses, model
numbers, switch and PoE ports and policy ids are never folded inside a word."""

from __future__ import annotations

import pytest

from camscan.models import Device, ScanDocument
from camscan.report import Format, render
from camscan.report.common import clause_list, location, maker, word
from tests.report.recorder_docs import recorder_poe_building
from tests.report.sample_docs import HOSTILE, mixed_building

WIDTHS = (80, 100, 120, 160, 200)
DOCS = {"recorder-poe": recorder_poe_building, "building": mixed_building}


def _words(d: Device) -> set[str]:
    """What a reader looks for, word by word (each must appear unbroken on one line)."""
    ident = d.identification
    text = [d.address, d.mac or "", word(d), maker(d), ident.model or "", ident.firmware or "",
            ident.device_type, location(d), *clause_list(d)]  # fmt: skip
    if d.behind is not None:
        text.append(f"behind {d.behind.recorder} channel {d.behind.channel}")
    return {w.strip("()") for t in text for w in t.split()} - {""}


def _header_widths(out: str) -> dict[str, int]:
    """Each column's header and its inner width, from the table's header row."""
    header = next(line for line in out.splitlines() if line.startswith("┃"))
    cells = header.strip("┃").split("┃")
    return {c.strip(): len(c) - 2 for c in cells}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(DOCS))
def test_no_column_is_squeezed_and_no_word_is_folded(name: str, width: int) -> None:
    doc = DOCS[name]()
    out = render(doc, Format.TABLE, width=width)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    columns = _header_widths(out)
    for header, inner in columns.items():
        assert header, columns  # every header whole: no column narrower than its name
        assert inner >= max(len(header), 5), (header, inner, columns)
    table = [line for line in lines if line.startswith("│")]
    for d in doc.devices:
        if d.address == "192.0.2.66":  # hostile strings: longer than any column may be
            continue
        for w in _words(d):
            assert any(w in line for line in table), (w, width)


def test_wide_terminals_get_one_column_per_field() -> None:
    out = render(recorder_poe_building(), Format.TABLE, width=200)
    fields = ["status", "address", "mac", "location", "maker", "model", "firmware", "type",
              "conf.", "policy"]  # fmt: skip
    assert list(_header_widths(out)) == fields
    row = next(line for line in out.splitlines() if "203.0.113.10" in line)
    assert "behind" not in row  # the recorder and channel on the cell's second line
    assert "44:19:b6:0a:00:10" in row
    assert "DS-2CD2143G2-I" in row


def test_narrow_terminals_stack_the_fields() -> None:
    out = render(recorder_poe_building(), Format.TABLE, width=80)
    assert list(_header_widths(out)) == ["status", "device", "maker / model", "policy"]
    assert "MAC 44:19:b6:0a:00:10" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_hostile_strings_stay_inert_in_both_layouts(width: int) -> None:
    dev = Device(address="192.0.2.9", mac="02:00:00:00:00:09").model_copy(
        update={"identification": mixed_building().devices[0].identification.model_copy(
            update={"model": "\x1b[2J\u202e" + HOSTILE, "firmware": "[red]x[/red]\n│ forged"})}
    )  # fmt: skip
    out = render(ScanDocument(devices=[dev]), Format.TABLE, width=width)
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "\\x1b" in out  # shown as text
    assert "\\u202e" in out
    assert "[red]x[/red]" in out  # markup shown, not applied
    assert "\n│ forged" not in out  # a device newline never starts a forged row
