"""The estate as CSV: every current device, and the removal worklist of restricted devices.

Every cell goes through :func:`camscan.sanitize.csv_cell` (device text is hostile; a cell never
starts like a spreadsheet formula). Rows are ordered by site, then address (numerically).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from camscan.estate import Estate, EstateDevice, place
from camscan.sanitize import csv_cell

DEVICE_COLUMNS = (
    "site", "key", "address", "mac", "status", "maker", "label", "model", "firmware",
    "device_type", "serial", "policies", "clauses", "switch", "port", "vlan", "first_seen",
    "last_seen", "acknowledged", "ack_until", "behind",
)  # fmt: skip
WORKLIST_COLUMNS = (
    "site", "device", "mac", "location", "maker", "label", "model", "policy_clause",
    "first_seen", "ack_status",
)  # fmt: skip


def status(d: EstateDevice) -> str:
    """restricted / suspected / acknowledged / clear, as the scan reports say it."""
    flagged = d.restricted or d.suspected
    if flagged and d.ack is not None and d.ack.active:
        return "acknowledged"
    return "restricted" if d.restricted else ("suspected" if d.suspected else "clear")


def ack_status(d: EstateDevice) -> str:
    """'none', 'acknowledged until 2027-03-31: reason', 'EXPIRED 2026-01-31: reason'."""
    if d.ack is None:
        return "none"
    until = f" until {d.ack.until}" if d.ack.until else ""
    if not d.ack.active:
        return f"EXPIRED {d.ack.until}: {d.ack.reason}"
    return f"acknowledged{until}: {d.ack.reason}"


def location(d: EstateDevice) -> str:
    """'site / switch port (VLAN n) / address', the parts that are known; for a camera behind
    a recorder, 'site / behind <recorder> channel N (recorder on switch port) / address'."""
    where = d.location
    parts = [where.site]
    if where.switch:
        port = f"{where.switch_label} {where.port}".strip()
        parts.append(port + (f" (VLAN {where.vlan})" if where.vlan is not None else ""))
    if where.behind:
        parts.append(where.behind)
    parts.append(where.address)
    if d.unverified:
        parts.append(d.unverified_note)
    return " / ".join(parts)


def _ordered(devices: Iterable[EstateDevice]) -> list[EstateDevice]:
    return sorted(devices, key=place)


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(None if v is None else str(v)) for v in row])
    return out.getvalue()


def devices_csv(estate: Estate) -> str:
    """Every current device of the estate, one row each."""
    return _csv(
        DEVICE_COLUMNS,
        (
            (d.site, d.key, d.address, d.mac, status(d), d.maker, d.label, d.model, d.firmware,
             d.device_type, d.serial, " ".join(d.policies), "; ".join(d.clauses),
             d.location.switch, d.location.port, d.location.vlan, d.first_seen.isoformat(),
             d.last_seen.isoformat(), d.ack.reason if d.ack and d.ack.active else None,
             d.ack.until if d.ack else None, d.location.behind or None)
            for d in _ordered(estate.devices)
        ),
    )  # fmt: skip


def worklist_csv(estate: Estate) -> str:
    """The removal worklist: restricted devices present now, with where to find them."""
    return _csv(
        WORKLIST_COLUMNS,
        (
            (d.site, d.key, d.mac, location(d), d.maker, d.label,
             d.model, "; ".join(d.clauses), d.first_seen.date().isoformat(), ack_status(d))
            for d in _ordered(estate.restricted)
            if d.present
        ),
    )  # fmt: skip
