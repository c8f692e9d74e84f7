#!/usr/bin/env python3
"""List recog fingerprint examples that camscan's signatures do not attribute to their maker.

Mining a training source "one source at a time" means running that source's own facts through
camscan, not reading the benchmark's misses. rapid7/recog ships every fingerprint with examples;
this script runs each example that names a hardware or OS vendor camscan has a family for (the
family's vendor, one of its brands or entities) through the real ``identify`` on the camscan
signal that recog's file observes, and prints those that name another vendor or nobody:

    python scripts/recog_gaps.py /path/to/recog/xml [--vendor Axis --vendor Synology]

A listed example is a lead, not a rule to copy: recog's vendor may be a different company of
the same name (AVTECH Software's Room Alert is not AVTECH Corp's cameras), the match may be
deliberately corroborate-only, or recog may call an HPE switch "HP". Write a rule only from
the fact, cite the recog file and line, and run ``camscan signatures test``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree

from camscan.identify import identify
from camscan.models import Observation
from camscan.sanitize import device_text
from camscan.signatures import SignatureSet, load_signatures

# recog file → camscan signal, and the prefix camscan's probe keeps that recog strips.
SIGNALS: dict[str, tuple[str, str]] = {
    "favicons": ("http.favicon_md5", ""),
    "ftp_banners": ("tcp.banner", "220 "),
    "html_title": ("http.title", ""),
    "http_servers": ("http.server", ""),
    "http_wwwauth": ("http.www_authenticate", ""),
    "rtsp_servers": ("rtsp.server", ""),
    "snmp_sysdescr": ("snmp.sysdescr", ""),
    "snmp_sysobjid": ("snmp.sysobjectid", ""),
    "ssh_banners": ("ssh.banner", "SSH-2.0-"),
    "telnet_banners": ("telnet.banner", ""),
    "x509_issuers": ("tls.issuer", ""),
    "x509_subjects": ("tls.subject", ""),
}


@dataclass(frozen=True)
class Gap:
    """One recog example camscan does not attribute to recog's vendor."""

    file: str
    pattern: str
    want: str
    got: str | None
    signal: str
    value: str


def vendor_names(sigset: SignatureSet) -> dict[str, str]:
    """Case-folded vendor, brand and entity names → the family vendor they belong to."""
    names: dict[str, str] = {}
    for family in sigset.families.values():
        if not family.vendor:
            continue
        for name in [family.vendor, *(b.name for b in family.brands)]:
            names.setdefault(name.casefold(), family.vendor)
        for entity in family.entities:
            names.setdefault(entity.name.casefold(), family.vendor)
    return names


def examples(xml_dir: Path) -> Iterator[tuple[str, str, str, str]]:
    """(recog file, pattern, recog vendor, example text) for every vendor-naming example."""
    for name in sorted(SIGNALS):
        path = xml_dir / f"{name}.xml"
        if not path.is_file():
            continue
        root = ElementTree.parse(path).getroot()
        for fingerprint in root.iter("fingerprint"):
            params = {p.get("name"): p.get("value") for p in fingerprint.iter("param")}
            vendor = params.get("hw.vendor") or params.get("os.vendor")
            if not vendor:
                continue
            for example in fingerprint.iter("example"):
                if example.get("_encoding") or not example.text:
                    continue
                yield name, fingerprint.get("pattern") or "", vendor, example.text


def gaps(xml_dir: Path, sigset: SignatureSet, only: set[str] | None = None) -> list[Gap]:
    """Every example whose recog vendor camscan knows but does not name from the example."""
    names = vendor_names(sigset)
    found: list[Gap] = []
    for name, pattern, vendor, text in examples(xml_dir):
        want = names.get(vendor.casefold())
        if want is None or (only and want.casefold() not in only):
            continue
        signal, prefix = SIGNALS[name]
        if signal == "tcp.banner":  # the probe's byte-exact escaped form
            value = prefix + text.replace("\r", "\\x0d").replace("\n", "\\x0a")
        else:
            value = device_text(prefix + text)
        obs = Observation(signal=signal, value=value, port=None, source="recog")
        got = identify([obs], None, sigset).vendor
        if got != want:
            found.append(Gap(name, pattern, want, got, signal, value))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("xml_dir", type=Path, help="recog's xml/ directory")
    parser.add_argument("--vendor", action="append", default=[], help="only this vendor")
    args = parser.parse_args(argv)
    only = {v.casefold() for v in args.vendor} or None
    found = gaps(args.xml_dir, load_signatures(), only)
    for gap in found:
        print(
            f"{gap.file}: want {gap.want}, got {gap.got}: {gap.signal}={gap.value[:100]!r}"
            f"  (pattern {gap.pattern[:60]!r})"
        )
    print(f"{len(found)} example(s) not attributed to their recog vendor", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
