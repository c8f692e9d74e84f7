"""IEEE MA-M/MA-S snapshot: longest-prefix registrant lookup and the script that rebuilds it."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from camscan import oui
from camscan.identify import identify
from camscan.signatures import default_dir, load_signatures
from tests.helpers import REPO

SIGS = load_signatures()


def _script() -> ModuleType:
    path = REPO / "scripts" / "refresh_ieee_blocks.py"
    spec = importlib.util.spec_from_file_location("refresh_ieee_blocks", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_ma_m_block_wins_over_the_ma_l_it_sits_in() -> None:
    # B0:B3:53 is an MA-L of the IEEE RA itself; B0:B3:53:6 is an MA-M of Hikrobot.
    inside = oui.lookup("b0:b3:53:61:22:33")
    beside = oui.lookup("b0:b3:53:71:22:33")
    assert inside is not None
    assert beside is not None
    assert inside.registrant is not None
    assert inside.registrant.startswith("Hangzhou Hikrobot Technology")
    assert beside.registrant == "IEEE Registration Authority"


def test_ma_m_registrant_names_the_family_brand() -> None:
    ident = identify([], "b0:b3:53:61:22:33", SIGS)
    assert (ident.vendor, ident.brand) == ("Hikvision", "Hikrobot")
    outside = identify([], "b0:b3:53:71:22:33", SIGS)
    assert outside.vendor is None


def test_lt_security_registrant_is_lts_on_hikvision() -> None:
    """Issue 8: MAC 14:2f:fd:00:00:01 (IEEE "LT Security Inc") named nobody."""
    ident = identify([], "14:2f:fd:00:00:01", SIGS)
    assert (ident.vendor, ident.brand, ident.relation) == ("Hikvision", "LTS", "oem")
    assert ident.confidence < 0.6  # an OEM registrant alone is never confirmed


def test_a_lookalike_registrant_is_not_the_brand() -> None:
    """MA-S 8C:1F:64:F4:B is "Jorex Lorex India": it must not become the Lorex brand."""
    info = oui.lookup("8c:1f:64:f4:b1:23")
    assert info is not None
    assert info.registrant is not None
    assert "Jorex" in info.registrant
    assert identify([], "8c:1f:64:f4:b1:23", SIGS).vendor is None


def test_snapshot_rows_are_well_formed_and_dated() -> None:
    text = (default_dir() / oui.BLOCKS_FILE).read_text(encoding="utf-8")
    assert "# snapshot: 20" in text
    assert "# source: " in text
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert rows
    for row in rows:
        digits = {"MA-L": 6, "MA-M": 7, "MA-S": 9}[row["registry"]]
        assert len(row["prefix"]) == digits, row
        assert int(row["prefix"], 16) >= 0, row
        assert row["organization"].strip(), row


def test_script_keeps_family_registrants_and_makers_only(tmp_path: Path) -> None:
    sigdir = tmp_path / "signatures"
    sigdir.mkdir()
    (sigdir / "acme.yaml").write_text(
        "family: acme\nvendor: Acme\nregistrants: ['Zhejiang Dahua Technology']\n"
        "brands:\n  - {name: Roadrunner, relation: oem, evidence: weak,"
        " registrants: ['Roadrunner Optics']}\n",
        encoding="utf-8",
    )
    mam = tmp_path / "mam.csv"
    mam.write_text(
        "Registry,Assignment,Organization Name,Organization Address\n"
        'MA-M,40D8550,"Zhejiang Dahua Technology Co., Ltd.",Hangzhou\n'
        "MA-M,402C761,Shanghai Dahua Scale Factory,Shanghai\n"
        "MA-M,AABBCC1,Roadrunner Optics GmbH,Berlin\n"
        "MA-M,AABBCC2,Praxis Axis-free Tools,Nowhere\n",
        encoding="utf-8",
    )
    mas = tmp_path / "oui36.csv"
    mas.write_text(
        "Registry,Assignment,Organization Name,Organization Address\n"
        "MA-S,70B3D5123,Axis Communications AB,Lund\n",
        encoding="utf-8",
    )
    out = tmp_path / "blocks.csv"
    script = _script()
    code = script.main(
        [
            "--ieee-csv",
            str(mam),
            "--ieee-csv",
            str(mas),
            "--signatures",
            str(sigdir),
            "--out",
            str(out),
            "--source",
            "test",
            "--date",
            "2026-11-30",
        ]
    )
    assert code == 0
    rows = [
        r
        for r in csv.reader(out.read_text(encoding="utf-8").splitlines())
        if r and not r[0].startswith("#")
    ]
    assert rows == [
        ["registry", "prefix", "organization"],
        ["MA-M", "40D8550", "Zhejiang Dahua Technology Co., Ltd."],
        ["MA-S", "70B3D5123", "Axis Communications AB"],
        ["MA-M", "AABBCC1", "Roadrunner Optics GmbH"],
    ]


def test_script_reads_nmap_mac_prefixes(tmp_path: Path) -> None:
    prefixes = tmp_path / "nmap-mac-prefixes"
    prefixes.write_text(
        "# generated\n142FFD LT Security\nB0B3536 Hangzhou Hikrobot Technology\n"
        "8C1F64D80 Aztek SA\nZZZZZZZ Not hex\n",
        encoding="utf-8",
    )
    assert list(_script().from_nmap(prefixes)) == [
        ("142FFD", "LT Security"),
        ("B0B3536", "Hangzhou Hikrobot Technology"),
        ("8C1F64D80", "Aztek SA"),
    ]


def test_script_reads_wireshark_manuf_blocks(tmp_path: Path) -> None:
    manuf = tmp_path / "manuf"
    manuf.write_text(
        "# comment\n"
        "14:2F:FD\tLtSecurity\tLt Security Inc\n"
        "B0:B3:53:60/28\tHikrobotTech\tHangzhou Hikrobot Technology Co., Ltd.\n"
        "8C:1F:64:D8:00/36\tAztek\tAztek Sa\n",
        encoding="utf-8",
    )
    rows = list(_script().from_manuf(manuf))
    assert rows == [
        ("B0B3536", "Hangzhou Hikrobot Technology Co., Ltd."),
        ("8C1F64D80", "Aztek Sa"),
    ]


def test_ma_l_block_newer_than_netaddr_names_its_maker() -> None:
    """80:48:9F is a Hikvision MA-L that netaddr 1.3.0's copy lacks; the snapshot carries it."""
    assert _script().netaddr_org("80489F") is None
    ident = identify([], "80:48:9f:12:34:56", SIGS)
    assert ident.vendor == "Hikvision"
    assert ident.mac_vendor == "Hangzhou Hikvision Digital Technology Co.,Ltd."


def test_nmap_short_name_of_a_newer_block_carries_the_ieee_name() -> None:
    """nmap-mac-prefixes calls ZTE's blocks "zte"; 0C:44:C0 is one netaddr 1.3.0 lacks. The
    snapshot carries the IEEE name netaddr gives ZTE's other blocks, so the family's
    registrant matches and the MAC names ZTE (before, 93 such ZTE blocks named nobody)."""
    assert _script().netaddr_org("0C44C0") is None
    ident = identify([], "0c:44:c0:12:34:56", SIGS)
    assert ident.vendor == "ZTE"
    assert ident.mac_vendor == "zte corporation"


def test_script_keeps_only_ma_l_rows_netaddr_lacks_or_gives_to_another(tmp_path: Path) -> None:
    sigdir = tmp_path / "signatures"
    sigdir.mkdir()
    (sigdir / "acme.yaml").write_text(
        "family: acme\nvendor: Acme\nregistrants: ['Hangzhou Hikvision Digital Technology']\n",
        encoding="utf-8",
    )
    prefixes = tmp_path / "nmap-mac-prefixes"
    prefixes.write_text(
        "4419B6 Hangzhou Hikvision Digital Technology\n"  # netaddr already has it
        "80489F Hangzhou Hikvision Digital Technology\n"  # newer than netaddr's copy
        "AABBCC Unrelated Maker\n",
        encoding="utf-8",
    )
    out = tmp_path / "blocks.csv"
    args = ["--nmap", str(prefixes), "--signatures", str(sigdir), "--out", str(out)]
    assert _script().main([*args, "--source", "test", "--date", "2026-11-30"]) == 0
    rows = [
        r
        for r in csv.reader(out.read_text(encoding="utf-8").splitlines())
        if r and not r[0].startswith("#")
    ]
    # nmap's name for 80489F is expanded to the IEEE name netaddr gives 4419B6 (same holder).
    assert rows[1:] == [["MA-L", "80489F", "Hangzhou Hikvision Digital Technology Co.,Ltd."]]


def test_script_expands_a_short_name_only_when_netaddr_agrees_on_one_holder() -> None:
    script = _script()
    rows = [
        ("4419B6", "Hikvision"),  # netaddr: Hangzhou Hikvision Digital Technology Co.,Ltd.
        ("80489F", "Hikvision"),  # newer: no netaddr name
        ("3C7C3F", "Mixed"),  # netaddr: ASUSTek
        ("001132", "Mixed"),  # netaddr: Synology
        ("701AD5", "Avigilon Alta"),  # netaddr: Openpath Security (the holder was renamed)
    ]
    expand = script.full_names(rows)
    assert expand == {"Hikvision": "Hangzhou Hikvision Digital Technology Co.,Ltd."}


@pytest.mark.parametrize(
    ("mac", "vendor"),
    [
        ("00:0d:88:12:34:56", "D-Link"),  # netaddr "D-Link Corporation", nmap "D-Link"
        ("00:bf:15:12:34:56", "Genetec"),  # netaddr "Genetec Inc.", nmap "Genetec"
        ("d4:2d:c5:12:34:56", "i-PRO"),  # netaddr "i-PRO Co., Ltd.", nmap "i-PRO"
        ("70:1a:d5:12:34:56", "Avigilon"),  # nmap "Avigilon Alta", netaddr "Openpath Security"
    ],
)
def test_nmap_abbreviation_never_hides_the_ieee_name(mac: str, vendor: str) -> None:
    """A snapshot row whose nmap name only abbreviates netaddr's name for the same block is
    not written, so the family's registrant (the IEEE name) still matches; a renamed holder's
    newer name is kept."""
    assert identify([], mac, SIGS).vendor == vendor
