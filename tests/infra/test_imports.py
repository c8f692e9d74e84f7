"""--import: ISC dhcpd, Kea CSV, dnsmasq leases and nmap XML, detected and parsed defensively."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from camscan.cli import main
from camscan.discover.base import DiscoverySettings
from camscan.discover.imports import ImportDiscovery
from camscan.imports import ImportFileError, read_import
from tests.helpers import DATA
from tests.probe.conftest import fresh_loopback

IMPORTS = DATA / "imports"


def hosts(name: str) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    result = read_import(IMPORTS / name)
    return {h.address: (h.mac, h.hostnames) for h in result.hosts}


def test_isc_dhcpd_latest_block_wins_free_and_bad_skipped() -> None:
    result = read_import(IMPORTS / "dhcpd.leases")
    assert result.format == "isc-dhcpd"
    assert hosts("dhcpd.leases") == {
        "192.0.2.20": ("c0:56:e3:aa:00:20", ("DS-2CD2185FWD-I",)),
        "192.0.2.21": ("3c:ef:8c:aa:00:21", ("amcrest-lobby",)),  # the later block
    }
    assert result.skipped == 2  # the free lease and the one with a broken MAC
    first = next(h for h in result.hosts if h.address == "192.0.2.20")
    assert first.hints == ("dhcp vendor class: udhcp 1.19.4",)


def test_isc_dhcpd_lease_on_one_line_and_a_cut_off_lease_counted(tmp_path: Path) -> None:
    """NEWUSER2 #6 (minor): a one-line lease was read as '0 hosts' with nothing skipped."""
    path = tmp_path / "dhcpd.leases"
    path.write_text(
        'lease 192.0.2.20 { client-hostname "a}b"; hardware ethernet c0:56:e3:aa:00:20; }\n'
        "lease 192.0.2.21 {\n  binding state active;\n  hardware ethernet 3c:ef:8c:aa:00:21;\n}\n"
        "lease 192.0.2.22 {\n  hardware ethernet 3c:ef:8c:aa:00:22;\n"  # cut off: no "}"
    )
    result = read_import(path)
    assert {h.address: (h.mac, h.hostnames) for h in result.hosts} == {
        "192.0.2.20": ("c0:56:e3:aa:00:20", ()),  # the "}" in the name ends no block
        "192.0.2.21": ("3c:ef:8c:aa:00:21", ()),
    }
    assert result.skipped == 1


def test_kea_csv_by_header_declined_skipped() -> None:
    result = read_import(IMPORTS / "kea-leases4.csv")
    assert result.format == "kea-csv"
    assert hosts("kea-leases4.csv") == {
        "192.0.2.30": ("ac:cc:8e:aa:00:30", ("axis-m1065.example",)),
        "192.0.2.31": ("bc:ad:28:aa:00:31", ()),
    }
    assert result.skipped == 2


def test_dnsmasq_star_is_no_name() -> None:
    assert read_import(IMPORTS / "dnsmasq.leases").format == "dnsmasq"
    assert hosts("dnsmasq.leases") == {
        "192.0.2.40": ("c0:56:e3:aa:00:40", ("hik-carpark",)),
        "192.0.2.41": ("e0:50:8b:aa:00:41", ()),
        "192.0.2.42": ("00:00:5e:00:53:42", ()),  # a hostile name is dropped, the MAC kept
    }


def test_nmap_xml_up_hosts_ports_and_hints() -> None:
    result = read_import(IMPORTS / "nmap.xml")
    assert result.format == "nmap-xml"
    by_addr = {h.address: h for h in result.hosts}
    assert set(by_addr) == {"192.0.2.50", "198.51.100.7"}
    cam = by_addr["192.0.2.50"]
    assert (cam.mac, cam.hostnames, cam.open_ports) == (
        "c0:56:e3:aa:00:50", ("cam-50.example",), (80, 554),
    )  # fmt: skip
    assert cam.hints == (
        "nmap MAC vendor: Hangzhou Hikvision Digital Technology",
        "nmap 80/tcp: Hikvision IP camera httpd",
        "nmap 554/tcp: Hikvision 7513 POE IP camera rtspd",
    )
    assert (by_addr["198.51.100.7"].mac, by_addr["198.51.100.7"].open_ports) == (None, (443,))
    assert result.skipped == 1  # the host that was down


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
         "<nmaprun>&b;</nmaprun>", "not usable nmap XML"),
        ("<?xml version='1.0'?><nmaprun><host>", "not usable nmap XML"),
        ("<?xml version='1.0'?><html/>", "not <nmaprun>"),
        ("just some text\nnothing here\n", "format not recognised"),
        ("", "format not recognised"),
    ],
)  # fmt: skip
def test_hostile_or_unknown_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "in"
    path.write_text(content)
    with pytest.raises(ImportFileError, match=message):
        read_import(path)


async def test_discovery_method_turns_files_into_hosts(tmp_path: Path) -> None:
    missing = tmp_path / "gone.leases"
    settings = DiscoverySettings(
        imports=(IMPORTS / "dnsmasq.leases", IMPORTS / "nmap.xml", missing)
    )
    result = await ImportDiscovery().discover(settings)
    statuses = [a.status.value for a in result.attempts]
    assert statuses == ["ok", "ok", "error"]
    assert "dnsmasq, 3 hosts" in result.attempts[0].reason
    cam = next(h for h in result.hosts if h.address == "192.0.2.50")
    assert cam.mac_source == "import nmap.xml (nmap-xml)"
    assert cam.open_ports == frozenset({80, 554})
    assert [o.signal for o in cam.observations] == ["import.hint"] * 3


def test_scan_import_gives_mac_and_hostname(tmp_path: Path) -> None:
    address = fresh_loopback()
    leases = tmp_path / "dnsmasq.leases"
    leases.write_text(f"1764530000 c0:56:e3:aa:00:99 {address} lobby-cam *\n")
    result = CliRunner().invoke(
        main,
        ["scan", "--no-db", "--import", str(leases), "-m", "tcp", "--ports", "9",
         "--probes", "none", "-f", "json", f"{address}/32"],
    )  # fmt: skip
    doc = json.loads(result.stdout)
    (device,) = doc["devices"]
    assert (device["address"], device["mac"]) == (address, "c0:56:e3:aa:00:99")
    assert device["hostnames"] == ["lobby-cam"]
    assert device["mac_source"] == "import dnsmasq.leases (dnsmasq)"
    assert "import" in doc["methods"]
    assert device["identification"]["mac_vendor"]  # the OUI is now evidence


@pytest.mark.parametrize(
    "content", [bytes(range(256)) * 4, b"", b'{"hosts": []}', b"<?xml version='1.0'?><html/>"]
)
def test_scan_refuses_an_unusable_import_file_before_scanning(
    tmp_path: Path, content: bytes
) -> None:
    """NEWUSER2 #6: such a file did not stop the run; the scan went ahead, ended "INCOMPLETE"
    (exit 3/5) and cut the reason off mid-word. Now: exit 2, the whole reason, nothing scanned."""
    bad = tmp_path / "typo.bin"
    bad.write_bytes(content)
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        main,
        ["scan", "--no-db", "--import", str(bad), "-m", "tcp", "--ports", "9",
         "--probes", "none", "-f", "json", "-o", str(out), f"{fresh_loopback()}/32"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.stderr.splitlines() if "--import" in x]
    assert line.startswith(f"Error: --import {bad}: ")
    assert line.endswith(("or a dnsmasq lease file)", "not <nmaprun>"))
    assert not out.exists()
