"""The scan engine: scope → discovery → merge → probes → identification, as one async call.

One module per job: :mod:`.settings` (what is asked), :mod:`.discovery` (scheduling the
discovery methods), :mod:`.hosts` (merging what they found into devices), :mod:`.probing`
(scheduling the probes), :mod:`.document` (building the scan document). The engine never
prints: progress goes to an observer callback, errors become attempt records, and a stop
event (set by the CLI on SIGINT/SIGTERM) cancels what is in flight while the partial document
is still returned, marked ``interrupted``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

from aiolimiter import AsyncLimiter

from camscan.discover._common import local_addresses
from camscan.discover.registry import METHODS
from camscan.discover.tcp import default_ports
from camscan.engine.discovery import Discovery
from camscan.engine.document import build_document
from camscan.engine.hosts import HostRecord, HostTable
from camscan.engine.probing import Prober
from camscan.engine.settings import (
    DEFAULT_METHODS,
    Observer,
    Progress,
    ScanSettings,
    default_concurrency,
    notify,
)
from camscan.models import AttemptStatus, ProbeAttempt, ScanDocument
from camscan.netroute import plan_link

T = TypeVar("T")


class _Stopped(Exception):
    """Raised inside the engine when the stop event fires."""


async def _guard(awaitable: Awaitable[T], stop: asyncio.Event | None) -> T:
    """Await ``awaitable`` unless ``stop`` fires first (then cancel it and raise _Stopped)."""
    task = asyncio.ensure_future(awaitable)
    if stop is None:
        return await task
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    raise _Stopped


def _phase(name: str, started: float, note: str = "") -> ProbeAttempt:
    return ProbeAttempt(
        probe=f"engine.{name}",
        status=AttemptStatus.OK,
        reason=f"{name} phase{note}",
        elapsed_ms=round((time.monotonic() - started) * 1000, 1),
    )


def _annotate(doc: ScanDocument, settings: ScanSettings) -> ScanDocument:
    try:
        from camscan.signatures import load_signatures
        from camscan.verdict import annotate

        sigset = load_signatures(settings.signature_dirs)
        return annotate(doc, policies=list(settings.policies), sigset=sigset)
    except Exception as exc:  # identification failed: keep the evidence, say why
        failure = ProbeAttempt(
            probe="identify", status=AttemptStatus.ERROR, reason=f"{type(exc).__name__}: {exc}"
        )
        return doc.model_copy(update={"attempts": [*doc.attempts, failure], "complete": False})


def _prepare_identification(settings: ScanSettings, macs: list[str]) -> None:
    """Identification's one-time costs, paid in a thread while the probes wait on the
    network instead of after them: the makers of the MACs found (netaddr loads its OUI index
    on first use) and every signature rule's compiled pattern (both cached for ``_annotate``).
    """
    try:
        from camscan.oui import lookup
        from camscan.signatures import load_signatures

        for mac in macs:
            lookup(mac)
        for rule in load_signatures(settings.signature_dirs).rules:
            rule.regex  # noqa: B018 - a cached property: compiles the pattern once
    except Exception:  # identification itself reports what is broken
        return


async def run_scan(
    settings: ScanSettings,
    observer: Observer | None = None,
    stop: asyncio.Event | None = None,
) -> ScanDocument:
    """Scan ``settings.scope`` and return the identified scan document; never raises for
    network trouble. When ``stop`` is set, in-flight work is cancelled and the partial
    document comes back with ``interrupted=True``."""
    attempts: list[ProbeAttempt] = []
    complete = True
    if unknown := [m for m in settings.methods if m not in METHODS]:
        reason = f"unknown discovery methods: {', '.join(unknown)}"
        attempts.append(ProbeAttempt(probe="engine", status=AttemptStatus.ERROR, reason=reason))
        complete = False
    plan = plan_link(settings.scope.networks(), settings.iface)
    table = HostTable(settings.scope, own=local_addresses())
    # Capacity 1: tokens come evenly spaced, never as a burst of --rate at once.
    limiter = AsyncLimiter(1, 1.0 / settings.rate) if settings.rate > 0 else None
    discovery = Discovery(settings, plan, table, observer, limiter)
    prober = Prober(settings, observer, limiter)
    started_at = datetime.now(UTC)
    interrupted = False
    records: list[HostRecord] = []
    warm: list[asyncio.Future[None]] = []

    def ready(address: str) -> None:  # the sweep has all of a host's ports: probe it now
        if address not in table.own:
            prober.early(table.records[address])

    async def phases() -> None:
        nonlocal records
        try:
            t0 = time.monotonic()
            await discovery.run()
            table.fill_macs_from_neighbours(plan.iface)
            table.locate()
            attempts.append(_phase("discovery", t0))
            records = table.merged(probing=prober.hosts)
            prober.rest(records)
            if settings.annotate and prober.probing:  # else there is no wait to use
                macs = [r.mac for r in records if r.mac]
                warm.append(
                    asyncio.ensure_future(
                        asyncio.to_thread(_prepare_identification, settings, macs)
                    )
                )
            await prober.wait()
            began = prober.began or time.monotonic()
            note = f", from the first probe {began - t0:.2f} s after discovery began"
            attempts.append(_phase("probe", began, note))
        finally:
            await prober.cancel()  # nothing left in flight when interrupted

    if not settings.rate:  # under --rate the sweep keeps the tokens until it is done
        discovery.on_ready = ready
    prober.start()
    try:
        await _guard(phases(), stop)
    except (_Stopped, asyncio.CancelledError):
        interrupted = True
        table.locate()
        records = records or table.merged(probing=prober.hosts)
        prober.mark_cancelled(records)
    if prober.problem:
        attempts.append(
            ProbeAttempt(probe="engine", status=AttemptStatus.SKIPPED, reason=prober.problem)
        )
    doc = build_document(
        records=records,
        table=table,
        plan=plan,
        methods=discovery.chosen,
        method_runs=discovery.method_runs(),
        attempts=[*discovery.attempts, *attempts],
        started=started_at,
        complete=complete and not prober.crashed,
        interrupted=interrupted,
    )
    if "tcp" in discovery.chosen:  # what a diff of two runs can compare (camscan.diff)
        doc = doc.model_copy(update={"ports": list(settings.ports or default_ports())})
    if settings.annotate:
        await asyncio.gather(*warm)
        notify(observer, Progress("identify", 0, len(doc.devices), "identifying"))
        doc = _annotate(doc, settings)
    notify(observer, Progress("done", len(doc.devices), len(doc.devices), "finished"))
    return doc


__all__ = [
    "DEFAULT_METHODS",
    "Observer",
    "Progress",
    "ScanSettings",
    "default_concurrency",
    "run_scan",
]
