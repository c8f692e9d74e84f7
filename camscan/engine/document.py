"""Building the scan document from the host table and the run's records."""

from __future__ import annotations

from datetime import UTC, datetime

from camscan.engine.hosts import HostRecord, HostTable
from camscan.models import (
    AttemptStatus,
    Device,
    MethodRun,
    ProbeAttempt,
    ScanDocument,
)
from camscan.netroute import LinkPlan
from camscan.words import plural


def build_document(
    *,
    records: list[HostRecord],
    table: HostTable,
    plan: LinkPlan,
    methods: list[str],
    method_runs: list[MethodRun],
    attempts: list[ProbeAttempt],
    started: datetime,
    complete: bool,
    interrupted: bool,
) -> ScanDocument:
    """The unannotated document. ``complete`` is the engine's own verdict (no probe crashed);
    it is also false when any method run is incomplete or the scan was interrupted."""
    devices = [
        Device(
            address=r.address,
            mac=r.mac,
            mac_source=r.mac_source,
            hostnames=list(r.hostnames),
            location=r.location,
            observations=list(r.observations),
            attempts=list(r.attempts),
        )
        for r in records
    ]
    attempts = list(attempts)
    if table.outside_scope:
        reason = f"{plural(table.outside_scope, 'answer')} from outside the scope ignored"
        attempts.append(ProbeAttempt(probe="engine", status=AttemptStatus.SKIPPED, reason=reason))
    if table.this_host:
        reason = f"this host ({', '.join(table.this_host)}) left out of the devices"
        attempts.append(ProbeAttempt(probe="engine", status=AttemptStatus.OK, reason=reason))
    return ScanDocument(
        started_at=started,
        finished_at=datetime.now(UTC),
        complete=complete and not interrupted and all(r.complete for r in method_runs),
        interrupted=interrupted,
        scope=table.scope.describe(),
        methods=methods,
        method_runs=method_runs,
        interface=plan.iface,
        interface_source=plan.chosen_by,
        this_host=table.this_host,
        attempts=attempts,
        devices=devices,
    )
