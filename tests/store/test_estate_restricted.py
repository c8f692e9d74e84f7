"""The organisation report's restricted list and the removal worklist (NEWUSER2 #4): every
human format (text, Markdown, HTML) and the worklist show each restricted device's MAC (also a
camera's behind a recorder), list them by site, then address in numeric order, and keep the
VLAN of the recorder's switch port ("recorder on sw1 port 10 VLAN 20"), as the scan reports do.

Recorded through the real history store, on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import csv
import io
import re

from camscan.estate import Estate
from camscan.export.tables import worklist_csv
from camscan.models import Behind, Device, Identification, Location, PolicyResult
from camscan.recorders import NO_MAC
from camscan.report.estate_html import render_estate_html
from camscan.report.estate_md import render_estate_markdown
from camscan.report.estate_text import render_estate_text
from camscan.store import History, StoreTarget
from tests.report.markdown_tables import assert_rows_match_headers
from tests.report.sample_docs import NDAA_HIK, axis_camera, building

NVR = "192.0.2.26"
UPLINK = "(recorder on sw1 port 10 VLAN 20)"
# (site, address, MAC): the order the reports must list them in
ORDER = [
    ("depot", "192.0.2.5", "44:19:b6:00:00:05"),
    ("hq", "192.0.2.9", "44:19:b6:99:00:09"),  # MAC keys sort after the .100 one
    ("hq", NVR, "44:19:b6:00:00:26"),
    ("hq", "192.0.2.100", "44:19:b6:11:00:64"),  # a text sort puts .100 before .26 and .9
    ("hq", "203.0.113.11", "44:19:b6:0a:00:01"),  # behind the NVR, on its PoE1
    ("hq", "203.0.113.12", "3c:ef:8c:0a:00:02"),  # behind the NVR, on its PoE2
    ("hq", "203.0.113.13", None),  # behind the NVR, which gave no MAC for channel 3
]


def _hik(address: str, mac: str | None, device_type: str = "camera", **extra: object) -> Device:
    return Device(
        address=address, mac=mac,
        identification=Identification(vendor="Hikvision", model="DS-2CD2143G2-I",
                                      serial=f"SN{address}", device_type=device_type),
        policy=PolicyResult(restricted=True, matches=[NDAA_HIK]),
    ).model_copy(update=extra)  # fmt: skip


def _behind(channel: int, mac: str | None) -> Device:
    where = None
    if mac:  # located by the recorder's own FDB on its PoE port
        where = Location(switch=NVR, switch_address=NVR, port=f"PoE{channel}",
                         source=f"snmp {NVR} BRIDGE-MIB", uplink="sw1 port 10 vlan 20")  # fmt: skip
    return _hik(f"203.0.113.{10 + channel}", mac, location=where,
                behind=Behind(recorder=NVR, channel=channel, api="ISAPI"))  # fmt: skip


def _estate(target: StoreTarget) -> Estate:
    _sites, address, mac = zip(*ORDER, strict=True)
    on_sw1 = Location(switch="sw1", port="10", vlan=20, source="snmp 198.51.100.1 FDB")
    nvr = _hik(NVR, mac[2], "recorder", location=on_sw1)
    hq = [_behind(2, mac[5]), _hik(address[3], mac[3]), axis_camera(), _behind(3, None), nvr,
          _hik(address[1], mac[1]), _behind(1, mac[4])]  # fmt: skip
    with History(target, site="hq") as h:
        h.record(building(hq))
    with History(target, site="depot") as h:
        h.record(building([_hik(address[0], mac[0])]))
    with History(target, site="all") as h:
        return h.estate()


def _rows(out: str, start: str, row: str, end: str) -> list[str]:
    """The rows of the restricted-devices table (``row`` starts each) in a rendered report."""
    begin = out.index(start)
    section = out[begin : out.index(end, begin)]
    rows = [r for r in re.split(f"(?={re.escape(row)})", section) if r.startswith(row)]
    return rows[1:]  # the header row first


def test_restricted_devices_by_site_then_address_with_their_mac(target: StoreTarget) -> None:
    estate = _estate(target)
    assert [(d.site, d.address) for d in estate.restricted] == [(s, a) for s, a, _ in ORDER]
    formats = {
        "text": _rows(render_estate_text(estate), "restricted devices (", "\n  ", "\n\n"),
        "markdown": _rows(render_estate_markdown(estate), "## Restricted", "\n| ", "\n\n## Sites"),
        "html": _rows(render_estate_html(estate), "id='restricted'", "<tr", "</table>"),
    }
    for name, rows in formats.items():
        assert len(rows) == len(ORDER), (name, rows)
        for row, (site, address, mac) in zip(rows, ORDER, strict=True):
            assert site in row, (name, row)
            assert re.search(rf"\b{re.escape(address)}\b", row), (name, address, row)
            assert (mac or NO_MAC) in row, (name, row)
    assert "| MAC |" in render_estate_markdown(estate).split("## Restricted")[1]
    assert_rows_match_headers(render_estate_markdown(estate))


def test_the_recorders_uplink_keeps_its_vlan(target: StoreTarget) -> None:
    estate = _estate(target)
    cam = next(d for d in estate.restricted if d.address == "203.0.113.11")
    assert cam.location.recorder_vlan == 20
    assert cam.location.behind == f"behind {NVR} channel 1 {UPLINK}"
    for out in (render_estate_text(estate), render_estate_markdown(estate),
                render_estate_html(estate), worklist_csv(estate)):  # fmt: skip
        assert f"behind {NVR} channel 1 {UPLINK}" in out


def test_worklist_has_a_mac_column_in_the_same_order(target: StoreTarget) -> None:
    rows = list(csv.DictReader(io.StringIO(worklist_csv(_estate(target)))))
    assert [(r["site"], r["mac"]) for r in rows] == [(s, m or "") for s, _, m in ORDER]
    assert [r["location"].split(" / ")[-1] for r in rows if r["site"] == "depot"] == ["192.0.2.5"]
