"""Imported inventories as extra sources of MACs, host names and vendor hints (``--import``).

:func:`read_import` detects the format from the content — nmap XML (``-oX``), Kea's CSV lease
file, ISC dhcpd's ``dhcpd.leases`` or dnsmasq's lease file — and returns :class:`ImportedHost`
records. Every file is untrusted input: read with a byte cap, parsed defensively (defusedxml
for XML), bad records skipped, never an exception other than :class:`ImportFileError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from camscan.files import InputFileError, read_capped

MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_HOSTS = 100_000


class ImportFileError(ValueError):
    """A file that cannot be imported (unreadable, too large, unknown format)."""


@dataclass(frozen=True)
class ImportedHost:
    """One host an imported file knows about."""

    address: str
    mac: str | None = None
    hostnames: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()  # e.g. 'nmap MAC vendor: ...', 'dhcp vendor class: ...'
    open_ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    """The detected format and the hosts read (``skipped`` counts unusable records)."""

    path: Path
    format: str  # "nmap-xml" | "kea-csv" | "isc-dhcpd" | "dnsmasq"
    hosts: tuple[ImportedHost, ...]
    skipped: int = 0


def detect(text: str) -> str:
    """The format of an import file's text; ImportFileError when none fits."""
    from camscan.imports.dhcp import looks_like_dnsmasq, looks_like_isc

    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith("<?xml") or head.startswith("<!DOCTYPE nmaprun") or "<nmaprun" in head:
        return "nmap-xml"
    if head.split("\n", 1)[0].replace(" ", "").startswith("address,hwaddr"):
        return "kea-csv"
    if looks_like_isc(head):
        return "isc-dhcpd"
    if looks_like_dnsmasq(head):
        return "dnsmasq"
    raise ImportFileError(
        "format not recognised (expected nmap -oX XML, a Kea CSV lease file, ISC dhcpd.leases "
        "or a dnsmasq lease file)"
    )


def read_import(path: Path) -> ImportResult:
    """Read, detect and parse one file; ImportFileError on an unusable file."""
    from camscan.imports.dhcp import parse_dnsmasq, parse_isc, parse_kea
    from camscan.imports.nmapxml import parse_nmap_xml

    try:
        data = read_capped(path, MAX_IMPORT_BYTES)
    except InputFileError as exc:
        raise ImportFileError(str(exc)) from None
    text = data.decode("utf-8", "replace")
    try:
        fmt = detect(text)
    except ImportFileError as exc:
        raise ImportFileError(f"{path}: {exc}") from None
    parser = {
        "nmap-xml": parse_nmap_xml,
        "kea-csv": parse_kea,
        "isc-dhcpd": parse_isc,
        "dnsmasq": parse_dnsmasq,
    }[fmt]
    try:
        hosts, skipped = parser(text)
    except ImportFileError as exc:
        raise ImportFileError(f"{path}: {exc}") from None
    return ImportResult(path, fmt, tuple(hosts[:MAX_HOSTS]), skipped)
