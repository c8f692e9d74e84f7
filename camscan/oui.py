"""MAC address facts: the IEEE registrant and the address bits.

The registrant is looked up longest prefix first: the bundled MA-S (36-bit) and MA-M (28-bit)
snapshot in ``signatures/ieee/ma-m-ma-s.csv`` (rebuilt by scripts/refresh_ieee_blocks.py),
then netaddr's IAB and MA-L (24-bit) registries.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

import netaddr

# Colon, dash, Cisco-dotted or bare forms, as devices and tools write MACs.
_MAC = re.compile(
    r"^(?:[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}"
    r"|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}|[0-9a-f]{12})$",
    re.IGNORECASE,
)
_NOT_A_DEVICE = {"000000000000", "ffffffffffff"}


@dataclass(frozen=True)
class MacInfo:
    """What a MAC address says on its own."""

    mac: str  # lower-case, colon-separated
    hexdigits: str  # upper-case, 12 hex digits
    registrant: str | None
    locally_administered: bool


def normalise_mac(text: str | None) -> str | None:
    """``44-19-B6-12-34-56`` / ``4419.b612.3456`` → ``44:19:b6:12:34:56``; None if not a MAC.

    The all-zero and broadcast addresses, which devices send as placeholders, are not MACs.
    """
    if not text or len(text) > 24 or not _MAC.match(text.strip()):
        return None
    digits = "".join(c for c in text.strip().lower() if c in "0123456789abcdef")
    if digits in _NOT_A_DEVICE:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


BLOCKS_FILE = "ieee/ma-m-ma-s.csv"
_BLOCK_DIGITS = (9, 7, 6)  # MA-S, MA-M, then newer MA-L: the longest registered prefix wins


@lru_cache(maxsize=1)
def small_blocks() -> dict[str, str]:
    """MA-S, MA-M and newer MA-L prefixes (9, 7 or 6 upper-case hex digits) → organisation,
    from the snapshot.

    A missing or unreadable snapshot gives an empty table (netaddr's MA-L still answers).
    """
    # Imported here: the signature loader imports discovery modules that import this one.
    from camscan.signatures.loader import default_dir

    try:
        text = (default_dir() / BLOCKS_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, FileNotFoundError):
        return {}
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {
        row["prefix"].upper(): row["organization"]
        for row in rows
        if row.get("prefix") and row.get("organization") and len(row["prefix"]) in _BLOCK_DIGITS
    }


@lru_cache(maxsize=4096)
def _registrant(hexdigits: str) -> str | None:
    blocks = small_blocks()
    for digits in _BLOCK_DIGITS:
        org = blocks.get(hexdigits[:digits])
        if org is not None:
            return org
    eui = netaddr.EUI(hexdigits)
    try:
        if eui.is_iab():
            return str(eui.iab.registration().org)
        return str(eui.oui.registration().org)
    except (netaddr.NotRegisteredError, IndexError, ValueError):
        return None


def lookup(mac: str | None) -> MacInfo | None:
    """Facts about ``mac``; a locally administered address is never attributed to a maker."""
    norm = normalise_mac(mac)
    if norm is None:
        return None
    hexdigits = norm.replace(":", "").upper()
    first = int(hexdigits[:2], 16)
    if first & 0x01:
        return None  # a group (multicast) address never belongs to one device
    local = bool(first & 0x02)
    return MacInfo(
        mac=norm,
        hexdigits=hexdigits,
        registrant=None if local else _registrant(hexdigits),
        locally_administered=local,
    )
