"""A device's switch, port and VLAN (from --infra) reach every machine and terminal format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from camscan.models import Device, Location, ScanDocument
from camscan.report import Format, render

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
