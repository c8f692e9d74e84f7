"""IEEE registrant names in signature files: each names a real block, and a block names one maker.

Registrants are matched as case-insensitive substrings of the IEEE organisation name, so a
short or misspelt name either never matches (a MAC prefix names nobody) or matches someone
else's block ("Pelco" is inside "Opelcomm Inc.", "Ring LLC" inside "...Engineering LLC").
Both kinds of mistake are caught here against the registry camscan ships: netaddr's MA-L list
and the bundled MA-M/MA-S snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import netaddr

from camscan import oui
from camscan.identify import identify
from camscan.signatures import load_signatures

SIGS = load_signatures()


def _organisations() -> set[str]:
    registry = Path(netaddr.__file__).parent / "eui" / "oui.txt"
    orgs = {
        line.split("(hex)", 1)[1].strip()
        for line in registry.read_text(encoding="utf-8", errors="replace").splitlines()
        if "(hex)" in line
    }
    return orgs | set(oui.small_blocks().values())


ORGS = _organisations()


def _registrants() -> list[tuple[str, str]]:
    """(family, registrant name) for every family and brand registrant."""
    found = []
    for name, fam in SIGS.families.items():
        found += [(name, r) for r in fam.registrants]
        found += [(name, r) for b in fam.brands for r in b.registrants]
    return found


def test_every_registrant_names_a_registered_block() -> None:
    missing = [
        (family, name)
        for family, name in _registrants()
        if not any(name.casefold() in org.casefold() for org in ORGS)
    ]
    assert not missing, missing


def test_no_ieee_organisation_is_claimed_by_two_families() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for family, name in _registrants():
        for org in ORGS:
            if name.casefold() in org.casefold():
                owners[org].add(family)
    shared = {org: sorted(fams) for org, fams in owners.items() if len(fams) > 1}
    assert not shared, shared


def test_registrant_prefixes_name_their_maker() -> None:
    """A bare MAC from a maker's IEEE block names that maker (firmware-grade prefix evidence)."""
    cases = {
        "00:40:8c:12:34:56": "Axis",  # Axis Communications AB
        "00:1c:27:12:34:56": "Sunell",  # Sunell Electronics Co.
        "00:14:10:12:34:56": "Kedacom",  # Suzhou Keda Technology CO.,Ltd
        "bc:51:fe:12:34:56": "Swann",  # Swann communications Pty Ltd
        "54:2b:57:12:34:56": "Night Owl",  # Night Owl SP
        "54:e0:19:12:34:56": "Ring",  # Ring LLC, listed as an OUI entry
        "a8:dc:5a:12:34:56": "Digital Watchdog",
        "00:d0:d0:12:34:56": "ZTE",  # ZHONGXING TELECOM LTD., ZTE's own name
        "00:22:a1:12:34:56": "Huawei",  # Huawei Symantec Technologies, taken over by Huawei
        "04:5c:06:12:34:56": "Zmodo",  # Zmodo Technology Corporation
        "30:8c:fb:12:34:56": "Google Nest",  # Dropcam, a Nest brand
        "00:01:e8:12:34:56": "Dell",  # Force10 Networks, a Dell brand
    }
    for mac, vendor in cases.items():
        assert identify([], mac, SIGS).vendor == vendor, mac


def test_lookalike_registrants_name_nobody() -> None:
    """ "Opelcomm Inc." contains "pelco", "Align Engineering LLC" contains "ring llc", and
    "Wuxi Zhongxing Optoelectronics" shares a word with ZTE's "Zhongxing Telecom"."""
    for mac, registrant in (
        ("00:0c:80:00:00:01", "Opelcomm"),
        ("00:0b:7f:00:00:01", "Align"),
        ("00:41:b4:00:00:01", "Wuxi Zhongxing Optoelectronics"),  # not Zhongxing Telecom (ZTE)
    ):
        info = oui.lookup(mac)
        assert info is not None
        assert info.registrant is not None
        assert registrant in info.registrant
        assert identify([], mac, SIGS).vendor is None, mac
