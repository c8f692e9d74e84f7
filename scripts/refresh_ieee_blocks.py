#!/usr/bin/env python3
"""Rebuild signatures/ieee/ma-m-ma-s.csv, the IEEE blocks camscan's families own that netaddr lacks.

netaddr bundles only the IEEE MA-L (24-bit) and IAB registries, so a camera or recorder maker
whose MAC comes from a 28-bit (MA-M) or 36-bit (MA-S) block would be "IEEE Registration
Authority"; and its MA-L copy is frozen at its release, so a maker's newer 24-bit blocks name
nobody. This script keeps the MA-M and MA-S entries whose organisation matches a registrant
named in a signature file (a family's or one of its brands') or a camera, recorder or NDAA
section 889 maker of MAKERS below, and the MA-L entries of those organisations that netaddr's
copy lacks or gives to another organisation (so a newer registry changes the answer), so the
bundled snapshot holds what identification and the report's "MAC vendor" can use without
redistributing the whole registries.

Input, either form (both carry the same IEEE facts):
  * the IEEE CSVs: https://standards-oui.ieee.org/oui28/mam.csv and
    https://standards-oui.ieee.org/oui36/oui36.csv  (columns Registry, Assignment,
    Organization Name, Organization Address);
  * Wireshark's generated ``manuf`` file (``XX:XX:XX:X0/28<TAB>short<TAB>organisation``);
  * Nmap's ``nmap-mac-prefixes`` (``HEXPREFIX Organisation``; 6 digits MA-L, 7 MA-M, 9 MA-S);
  * the IEEE MA-L CSV https://standards-oui.ieee.org/oui/oui.csv (same columns as above).

Usage:
  python scripts/refresh_ieee_blocks.py --ieee-csv mam.csv --ieee-csv oui36.csv \
      --source "IEEE mam.csv + oui36.csv downloaded 2026-11-30" [--date 2026-11-30]
  python scripts/refresh_ieee_blocks.py --manuf manuf --nmap nmap-mac-prefixes --source "..."

Then run ``camscan signatures test`` and the tests; commit the CSV with its new date.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import netaddr
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIGNATURES = ROOT / "signatures"
DEFAULT_OUT = DEFAULT_SIGNATURES / "ieee" / "ma-m-ma-s.csv"
HEX = re.compile(r"[^0-9A-F]")
REGISTRY_BY_DIGITS = {6: "MA-L", 7: "MA-M", 9: "MA-S"}
# Camera, recorder and section 889 makers matched as whole words even before a family names
# them as registrants (issue 8's maker list).
MAKERS = (
    "2N",
    "Amcrest",
    "Annke",
    "Arecont",
    "Avigilon",
    "Axis Communications",
    "Bosch Security",
    "Canon",
    "CP Plus",
    "Dahua Technology",
    "D-Link",
    "Digital Watchdog",
    "Ezviz",
    "FLIR",
    "Foscam",
    "Genetec",
    "GeoVision",
    "Hanwha",
    "Hikrobot",
    "Hikvision",
    "Huacheng",
    "HuaRay",
    "Huawei",
    "Hytera",
    "IC Realtime",
    "Intelbras",
    "IQinVision",
    "Jovision",
    "Kedacom",
    "LILIN",
    "Lorex",
    "LT Security",
    "Milesight",
    "Mobotix",
    "Night Owl",
    "Panasonic",
    "Pelco",
    "i-PRO",
    "Raysharp",
    "Reolink",
    "Sony",
    "Sunell",
    "Swann",
    "Tiandy",
    "TVT",
    "Ubiquiti",
    "Uniview",
    "Verkada",
    "Vivotek",
    "Wyze",
    "Xiongmai",
    "ZTE Corporation",
)
MAKER_PATTERN = re.compile(r"\b(?:" + "|".join(re.escape(m) for m in MAKERS) + r")\b", re.I)


def registrants(signature_dir: Path) -> list[str]:
    """Every registrant substring of every family and brand, case-folded, sorted."""
    names: set[str] = set()
    for path in sorted(signature_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or "family" not in data:
            continue
        names.update(str(r).casefold() for r in data.get("registrants") or [])
        for brand in data.get("brands") or []:
            names.update(str(r).casefold() for r in brand.get("registrants") or [])
    return sorted(n for n in names if n.strip())


def from_ieee_csv(path: Path) -> Iterator[tuple[str, str]]:
    """(hex prefix, organisation) rows of an IEEE registry CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            prefix = HEX.sub("", (row.get("Assignment") or "").upper())
            org = (row.get("Organization Name") or "").strip()
            if prefix and org:
                yield prefix, org


def from_manuf(path: Path) -> Iterator[tuple[str, str]]:
    """(hex prefix, organisation) rows of Wireshark's manuf for /28 and /36 blocks."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t") if f.strip()]
        if len(fields) < 2 or "/" not in fields[0]:
            continue
        address, _, bits = fields[0].partition("/")
        if bits not in ("28", "36"):
            continue
        digits = HEX.sub("", address.upper())[: int(bits) // 4]
        yield digits, fields[-1]


def from_nmap(path: Path) -> Iterator[tuple[str, str]]:
    """(hex prefix, organisation) rows of nmap-mac-prefixes (24-, 28- and 36-bit blocks)."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        prefix, _, org = line.strip().partition(" ")
        if line.startswith("#") or not org.strip() or len(prefix) not in REGISTRY_BY_DIGITS:
            continue
        if HEX.sub("", prefix.upper()) != prefix.upper():
            continue
        yield prefix.upper(), org.strip()


def full_names(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Nmap's short organisation names → the IEEE name netaddr gives the same blocks.

    nmap-mac-prefixes shortens IEEE names ("zte" for "zte corporation", "Ring" for "Ring
    LLC"), so its blocks newer than netaddr's copy would carry a name no registrant matches.
    A short name is expanded only when every 24-bit block of it that netaddr also has bears
    one IEEE name (case aside) that contains the short name, so the expansion is the
    registry's own name for that holder (a renamed holder, "Avigilon Alta" for netaddr's
    "Openpath Security", keeps nmap's newer name). Blocks netaddr has keep nmap's name.
    """
    seen: dict[str, set[str]] = {}
    for prefix, org in rows:
        if len(prefix) == 6:
            bundled = netaddr_org(prefix)
            if bundled is not None:
                seen.setdefault(org, set()).add(bundled)
    return {
        short: next(iter(names))
        for short, names in seen.items()
        if len({n.casefold() for n in names}) == 1
        and short.casefold() in next(iter(names)).casefold()  # not a renamed holder
    }


def _names(org: str, wanted: list[str]) -> frozenset[str]:
    """The wanted registrants and makers an organisation name contains."""
    found = {name for name in wanted if name in org.casefold()}
    found |= {m.group(0).casefold() for m in MAKER_PATTERN.finditer(org)}
    return frozenset(found)


def netaddr_org(prefix: str) -> str | None:
    """The organisation netaddr's bundled MA-L registry gives a 24-bit prefix, if any."""
    try:
        return str(netaddr.EUI(prefix + "000000").oui.registration().org)
    except (netaddr.NotRegisteredError, IndexError, ValueError):
        return None


def select(rows: Iterable[tuple[str, str]], wanted: list[str]) -> list[tuple[str, str, str]]:
    """Rows whose organisation contains a wanted registrant, as (registry, prefix, org); an
    MA-L row only when netaddr's copy lacks it or names other registrants for it."""
    out = {}
    for prefix, org in rows:
        registry = REGISTRY_BY_DIGITS.get(len(prefix))
        names = _names(org, wanted)
        if not registry or not names:
            continue
        if registry == "MA-L":
            bundled = netaddr_org(prefix)
            if bundled is not None and (
                _names(bundled, wanted) == names or org.casefold() in bundled.casefold()
            ):
                continue  # netaddr names the same holder (nmap's name is its abbreviation)
        out[prefix] = (registry, prefix, org)
    return [out[k] for k in sorted(out)]


def write(out: Path, rows: list[tuple[str, str, str]], source: str, date: str) -> None:
    """Write the snapshot CSV with its provenance as leading comment lines."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            "# IEEE MA-M (28-bit) and MA-S (36-bit) assignments of camera, recorder and NDAA 889\n"
            "# makers and of registrants named in camscan's signature files, and their MA-L\n"
            "# (24-bit) assignments that netaddr's bundled copy lacks or gives to another name.\n"
            "# Nmap's short names carry the IEEE name netaddr gives that holder's other blocks.\n"
            "# Facts of the IEEE Registration Authority.\n"
            f"# source: {source}\n"
            f"# snapshot: {date}\n"
            "# rebuild: python scripts/refresh_ieee_blocks.py (see its docstring)\n"
        )
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["registry", "prefix", "organization"])
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ieee-csv", action="append", type=Path, default=[])
    parser.add_argument("--manuf", type=Path)
    parser.add_argument("--nmap", type=Path, help="nmap-mac-prefixes (its rows win over --manuf)")
    parser.add_argument("--signatures", type=Path, default=DEFAULT_SIGNATURES)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--source", required=True, help="where the input came from, and when")
    parser.add_argument("--date", default=dt.date.today().isoformat())
    args = parser.parse_args(argv)
    if not args.ieee_csv and not args.manuf and not args.nmap:
        parser.error("give --ieee-csv (repeatable), --manuf or --nmap")
    rows: list[tuple[str, str]] = []
    for path in args.ieee_csv:
        rows += from_ieee_csv(path)
    if args.manuf:
        rows += from_manuf(args.manuf)
    if args.nmap:
        nmap_rows = list(from_nmap(args.nmap))
        expand = full_names(nmap_rows)
        rows += [
            (prefix, org if len(prefix) == 6 and netaddr_org(prefix) else expand.get(org, org))
            for prefix, org in nmap_rows
        ]
    selected = select(rows, registrants(args.signatures))
    write(args.out, selected, args.source, args.date)
    print(f"{len(selected)} of {len(rows)} blocks written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
