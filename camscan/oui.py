"""MAC address facts: the IEEE registrant (netaddr's bundled registry) and the address bits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import netaddr

_HEX = re.compile(r"[^0-9a-fA-F]")


@dataclass(frozen=True)
class MacInfo:
    """What a MAC address says on its own."""

    mac: str  # lower-case, colon-separated
    hexdigits: str  # upper-case, 12 hex digits
    registrant: str | None
    locally_administered: bool
    multicast: bool


def normalise_mac(text: str | None) -> str | None:
    """``44-19-B6-12-34-56`` / ``4419.b612.3456`` → ``44:19:b6:12:34:56``; None if not a MAC."""
    if not text:
        return None
    digits = _HEX.sub("", text)
    if len(digits) != 12 or len(text) > 24:
        return None
    digits = digits.lower()
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
    local = bool(first & 0x02)
    return MacInfo(
        mac=norm,
        hexdigits=hexdigits,
        registrant=None if local else _registrant(hexdigits),
        locally_administered=local,
        multicast=bool(first & 0x01),
    )
