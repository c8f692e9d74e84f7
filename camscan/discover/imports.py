"""Discovery from imported files (``--import``): DHCP leases and nmap XML (:mod:`camscan.imports`).

Each file becomes hosts with their MAC (``mac_source`` names the file), host names, open
ports from nmap, and vendor hints as ``import.hint`` observations. A file that cannot be read
is an attempt with status ``error``; the scan goes on.
"""

from __future__ import annotations

import asyncio
import time

from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.imports import ImportFileError, ImportResult, read_import
from camscan.models import AttemptStatus, Observation, ProbeAttempt
from camscan.words import plural


def _hosts(result: ImportResult) -> list[DiscoveredHost]:
    source = f"import {result.path.name} ({result.format})"
    return [
        DiscoveredHost(
            address=h.address,
            mac=h.mac,
            mac_source=source if h.mac else None,
            hostnames=h.hostnames,
            open_ports=frozenset(h.open_ports),
            observations=tuple(
                Observation(signal="import.hint", value=hint, source="import") for hint in h.hints
            ),
        )
        for h in result.hosts
    ]


class ImportDiscovery:
    """Hosts, MACs and names from the files given with ``--import``."""

    name = "import"

    link = False
    unicast = False
    after: tuple[str, ...] = ()
    streams = False
    reports_ports = False

    def budget(self, settings: DiscoverySettings) -> float:
        """Local files of at most 64 MiB each: a generous fixed budget."""
        return 60.0

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        hosts: list[DiscoveredHost] = []
        attempts: list[ProbeAttempt] = []
        for path in settings.imports:
            started = time.monotonic()
            try:
                result = await asyncio.to_thread(read_import, path)
            except ImportFileError as exc:
                status, reason = AttemptStatus.ERROR, str(exc)
            else:
                hosts.extend(_hosts(result))
                status = AttemptStatus.OK
                reason = f"{path.name}: {result.format}, {plural(len(result.hosts), 'host')}"
                if result.skipped:
                    reason += f", {plural(result.skipped, 'record')} skipped"
            elapsed = round((time.monotonic() - started) * 1000, 1)
            attempts.append(
                ProbeAttempt(probe=self.name, status=status, reason=reason, elapsed_ms=elapsed)
            )
        return DiscoveryResult(self.name, hosts=tuple(hosts), attempts=tuple(attempts))
