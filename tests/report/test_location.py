"""A device's switch, port and VLAN (from --infra) reach every machine and terminal format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from camscan.models import Device, Location, ScanDocument
from camscan.report import Format, render
from tests.report.markdown_tables import assert_rows_match_headers
from tests.report.recorder_docs import recorder_poe_building

LOCATED = Device(
    address="192.0.2.20",
    mac="c0:56:e3:00:00:14",
    mac_source="snmp 198.51.100.1 IP-MIB ipNetToPhysicalTable",
    location=Location(
        switch="core-sw1",
        switch_address="198.51.100.1",
        port="p7",
        if_index=7,
        vlan=20,
        source="snmp 198.51.100.1 Q-BRIDGE-MIB dot1qTpFdbTable",
    ),
)
UNLOCATED = Device(address="192.0.2.30")
DOC = ScanDocument(devices=[LOCATED, UNLOCATED])


@pytest.mark.parametrize("fmt", [Format.TEXT, Format.TABLE])
def test_terminal_formats_show_switch_port_and_vlan(fmt: Format) -> None:
    out = render(DOC, fmt, width=200)
    line = next(x for x in out.splitlines() if "core-sw1" in x)
    assert "port p7" in line
    assert "vlan 20" in line


def test_text_says_where_the_mac_came_from() -> None:
    out = render(DOC, Format.TEXT)
    assert "mac from: snmp 198.51.100.1 IP-MIB ipNetToPhysicalTable" in out


def test_table_has_no_location_column_without_infra() -> None:
    out = render(ScanDocument(devices=[UNLOCATED]), Format.TABLE, width=200)
    assert "location" not in out


def test_csv_has_switch_port_and_vlan_columns() -> None:
    rows = {r["address"]: r for r in csv.DictReader(io.StringIO(render(DOC, Format.CSV)))}
    assert (rows["192.0.2.20"]["switch"], rows["192.0.2.20"]["port"]) == ("core-sw1", "p7")
    assert rows["192.0.2.20"]["vlan"] == "20"
    assert (rows["192.0.2.30"]["switch"], rows["192.0.2.30"]["vlan"]) == ("", "")


def test_json_round_trips_the_location() -> None:
    data = json.loads(render(DOC, Format.JSON))
    assert data["devices"][0]["location"]["port"] == "p7"
    assert ScanDocument.model_validate(data).devices[0].location == LOCATED.location


def _all_devices(markdown: str) -> list[dict[str, str]]:
    """The rows of the Markdown report's "All devices" table, by header."""
    section = markdown[markdown.index("## All devices") :].split("\n\n")[1]
    header, _rule, *rows = assert_rows_match_headers(section)[0]
    names = [c.strip() for c in header.strip("|").split("|")]
    return [dict(zip(names, (c.strip() for c in r.strip("|").split(" | ")), strict=True))
            for r in rows]  # fmt: skip


def test_markdown_inventory_has_the_location_of_every_device() -> None:
    rows = {r["address"]: r for r in _all_devices(render(DOC, Format.MARKDOWN))}
    assert rows["192.0.2.20"]["location"] == "core-sw1 port p7 vlan 20"  # a clear device
    assert rows["192.0.2.30"]["location"] == "—"
    poe = {r["MAC"]: r for r in _all_devices(render(recorder_poe_building(), Format.MARKDOWN))}
    axis = poe["ac:cc:8e:0a:00:12"]  # clear, behind the recorder: only this table lists it
    assert axis["status"] == "clear"
    assert axis["location"] == (
        "recorder 192.0.2.26 port PoE3 (recorder on cam-sw1 port p10 vlan 20)"
    )


def test_markdown_inventory_has_no_location_column_without_infra() -> None:
    rows = _all_devices(render(ScanDocument(devices=[UNLOCATED]), Format.MARKDOWN))
    assert "location" not in rows[0]
