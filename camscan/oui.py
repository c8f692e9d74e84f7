"""MAC address facts: the IEEE registrant (netaddr's bundled registry) and the address bits."""

from __future__ import annotations

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


@lru_cache(maxsize=4096)
def _registrant(hexdigits: str) -> str | None:
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
