"""Read-only probes run against each live host; see :mod:`camscan.probe.base`.

``camscan.probe.PROBES`` (name → probe) lives in :mod:`camscan.probe.registry` and is
imported lazily so that importing the seam does not pull in httpx and cryptography.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from camscan.probe.registry import PROBES as PROBES


def __getattr__(name: str) -> Any:
    if name == "PROBES":
        from camscan.probe.registry import PROBES

        return PROBES
    raise AttributeError(name)
