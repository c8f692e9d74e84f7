"""Facts derived from a device's records that the store, the diff and the reports share."""

from __future__ import annotations

from camscan.models import AttemptStatus, Device


def ports(device: Device) -> list[int]:
    """TCP ports the device answered on (open-port observations and successful probes)."""
    found: set[int] = set()
    for o in device.observations:
        if o.signal == "tcp.open" and o.value.isdigit():
            found.add(int(o.value))
    for a in device.attempts:
        if a.port is not None and a.status is AttemptStatus.OK:
            found.add(a.port)
    return sorted(found)
