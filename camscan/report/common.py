"""What every report format shares: device order, status words, and hostile-string handling.

Device strings come from the network and are hostile: terminal formats pass them through
:func:`clean` (no control characters or ANSI escapes), HTML and Markdown escape them on top.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from camscan.models import AttemptStatus, Device, ScanDocument

# C0/C1 controls (ESC included, so no ANSI sequence survives), zero-width and bidi overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"[\r\n\t]+")

# Device types that make up "the CCTV estate" in the summary count.
VIDEO_TYPES = frozenset({"camera", "recorder", "intercom", "encoder"})
FAILED = frozenset({AttemptStatus.TIMEOUT, AttemptStatus.ERROR, AttemptStatus.MALFORMED})


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean(text: str | None, limit: int = 200, *, one_line: bool = True) -> str:
    """A device string made inert for a terminal or a cell: no controls, bounded.

    ``one_line=False`` keeps newlines and tabs, for multi-line text such as policy notes.
    """
    if not text:
        return ""
    flat = _NEWLINES.sub(" ", text) if one_line else text
    cleaned = _CONTROL.sub(_visible, flat)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


def _address_key(address: str) -> tuple[int, int, str]:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return (2, 0, address)
    return (ip.version, int(ip), "")


def status(device: Device) -> str:
    """One word for a device's verdict: restricted, suspected, acknowledged or clear."""
    if device.policy.acknowledged and (device.policy.restricted or device.policy.suspected):
        return "acknowledged"
    if device.policy.restricted:
        return "restricted"
    if device.policy.suspected:
        return "suspected"
    return "clear"


_RANK = {"restricted": 0, "suspected": 1, "acknowledged": 2, "clear": 3}


def ordered(devices: Iterable[Device]) -> list[Device]:
    """Restricted first, then suspected, acknowledged, the rest; by address within each."""
    return sorted(devices, key=lambda d: (_RANK[status(d)], _address_key(d.address)))


def ports(device: Device) -> list[int]:
    """TCP ports the device answered on (see :meth:`Device.open_ports`)."""
    return device.open_ports()


def policy_ids(device: Device) -> list[str]:
    """The policies that cover the device, each once, in match order."""
    return list(dict.fromkeys(m.policy for m in device.policy.matches))


def entities(device: Device) -> list[str]:
    """The restricted entities the device was tied to, each once."""
    return list(dict.fromkeys(m.entity for m in device.policy.matches))


def evidence_summary(device: Device, limit: int = 4) -> str:
    """The strongest counted evidence as distinct 'signal=value' items, for one-line formats."""
    counted = sorted(
        (e for e in device.identification.evidence if e.counted),
        key=lambda e: -e.weight,
    )
    items = list(dict.fromkeys(f"{e.signal}={clean(e.value, 60)}" for e in counted))
    parts = items[:limit]
    if len(items) > limit:
        parts.append(f"+{len(items) - limit} more")
    return "; ".join(parts)


def maker(device: Device) -> str:
    """'Vendor' or 'Vendor (sold as Brand)' — the rebadge shown, not hidden."""
    ident = device.identification
    if ident.vendor and ident.brand and ident.brand != ident.vendor:
        return f"{ident.vendor} (sold as {ident.brand})"
    if ident.vendor or ident.brand:
        return ident.vendor or f"{ident.brand} (label only)"
    return f"{ident.mac_vendor} (MAC only)" if ident.mac_vendor else "unknown"


def failed_attempts(device: Device) -> int:
    """Probes that timed out, broke or got garbage: the device is only partly known."""
    return sum(1 for a in device.attempts if a.status in FAILED)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True)
class Summary:
    """The counts in the stderr summary line, the email subject and report headers."""

    devices: int
    cameras: int
    restricted: int
    suspected: int
    acknowledged: int
    incomplete: int
    complete: bool
    interrupted: bool

    def line(self) -> str:
        """One line for stderr and cron mail."""
        state = "complete" if self.complete else "INCOMPLETE"
        if self.interrupted:
            state = "interrupted"
        return (
            f"{_n(self.devices, 'device')}, {_n(self.cameras, 'camera')}, "
            f"{self.restricted} restricted, "
            f"{self.suspected} suspected, {self.acknowledged} acknowledged, "
            f"{self.incomplete} incompletely probed; scan {state}"
        )


def summarize(doc: ScanDocument) -> Summary:
    """Count what a report headline needs."""
    words = [status(d) for d in doc.devices]
    return Summary(
        devices=len(doc.devices),
        cameras=sum(1 for d in doc.devices if d.identification.device_type in VIDEO_TYPES),
        restricted=words.count("restricted"),
        suspected=words.count("suspected"),
        acknowledged=words.count("acknowledged"),
        incomplete=sum(1 for d in doc.devices if failed_attempts(d)),
        complete=doc.complete,
        interrupted=doc.interrupted,
    )


def when(doc: ScanDocument) -> str:
    """The scan time as text, or an empty string."""
    stamp = doc.finished_at or doc.started_at
    return stamp.strftime("%Y-%m-%d %H:%M %Z").strip() if stamp else ""
