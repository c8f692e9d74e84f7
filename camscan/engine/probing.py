"""Probe scheduling: every registered probe against every device, under four limits.

* a global cap on connections in flight (``--concurrency``);
* a per-host cap (``--per-host``);
* ``--rate``, an :class:`aiolimiter.AsyncLimiter` token taken *after* both gates and *outside*
  the host's budget, so a low rate slows the scan down but never spends a host's budget on
  waiting (the host's deadline moves by the time spent waiting for tokens);
* a per-host wall-clock budget (``--host-timeout``): a probe cut off by it keeps every
  observation and attempt it had already made (its :class:`ProbeSink`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from aiolimiter import AsyncLimiter

from camscan.engine.hosts import HostRecord
from camscan.engine.settings import Observer, Progress, ScanSettings, notify
from camscan.models import AttemptStatus, ProbeAttempt
from camscan.probe.base import Probe, ProbeResult, ProbeSettings, ProbeSink, ProbeTarget
from camscan.words import plural

log = logging.getLogger(__name__)


# Hosts probed at once. Probing is CPU work for camscan itself (TLS contexts, parsing): more
# hosts in flight than this only make every probe slower until their timeouts fire (measured
# with 1,000 loopback personas, docs/benchmarks.md). --concurrency still caps connections.
MAX_HOSTS_AT_ONCE = 64


def probe_registry() -> tuple[Mapping[str, Probe], str]:
    """The probes, or an empty mapping and why (a broken probe package never stops a scan)."""
    try:
        from camscan.probe.registry import PROBES
    except ImportError as exc:
        return {}, f"probe registry unavailable: {exc}"
    return PROBES, ""


def _http_paths(signature_dirs: tuple[Path, ...]) -> tuple[str, ...]:
    try:
        from camscan.signatures import load_signatures

        return tuple(load_signatures(signature_dirs).http_paths)
    except Exception:  # signatures broken: probe without vendor paths, identify reports it
        return ()


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


class _HostClock:
    """One host's budget: ``host_timeout`` seconds of probing, not counting token waits."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.started = time.monotonic()
        self.waited = 0.0

    def left(self) -> float | None:
        if not self.budget:
            return None
        return self.started + self.budget + self.waited - time.monotonic()


class Prober:
    """Runs the probes; ``crashed`` says whether any probe raised (the scan is incomplete)."""

    def __init__(
        self,
        settings: ScanSettings,
        observer: Observer | None,
        limiter: AsyncLimiter | None,
    ) -> None:
        self.settings = settings
        self.observer = observer
        self.limiter = limiter
        self.crashed = False
        self.problem = ""
        self.finished: set[tuple[str, str]] = set()  # (address, probe) pairs that ended
        self.kept: dict[tuple[str, str], int] = {}  # observations kept from a cut-off probe

    def probes(self) -> list[Probe]:
        """The probes this scan runs (all registered ones unless ``--probes`` chose)."""
        registry, self.problem = probe_registry()
        chosen = self.settings.probes
        return [p for n, p in registry.items() if chosen is None or n in chosen]

    def mark_cancelled(self, records: list[HostRecord]) -> None:
        """After an interruption: a ``cancelled`` attempt for every probe of every host that
        did not finish (cut mid-way, keeping what it read, or never started), so the summary
        counts those hosts as incompletely probed."""
        probes = self.probes()
        for record in records:
            for probe in probes:
                key = (record.address, probe.name)
                if key in self.finished:
                    continue
                kept = self.kept.get(key)
                reason = (
                    "scan interrupted before the probe started"
                    if kept is None
                    else f"scan interrupted mid-probe; kept {plural(kept, 'observation')}"
                )
                cut = ProbeAttempt(probe=probe.name, status=AttemptStatus.CANCELLED, reason=reason)
                record.add_attempts([cut])

    async def run(self, records: list[HostRecord]) -> None:
        s = self.settings
        probes = self.probes()
        if not probes or not records:
            return
        base = ProbeSettings(
            timeout=s.timeout,
            connect_timeout=min(1.5, s.timeout),
            http_paths=_http_paths(s.signature_dirs),
            credentials=s.credentials,
        )
        gate = asyncio.Semaphore(max(s.concurrency, 1))
        # A probe may make several requests; its own budget is generous but finite.
        probe_budget = s.timeout * 8 + 5.0
        total = len(records)
        done = 0

        async def one(
            record: HostRecord, probe: Probe, host_gate: asyncio.Semaphore, clock: _HostClock
        ) -> None:
            target = ProbeTarget(
                address=record.address,
                open_ports=frozenset(record.open_ports),
                onvif_xaddrs=tuple(record.onvif_xaddrs[:8]),
                upnp_locations=tuple(record.upnp_locations[:4]),
            )
            sink = ProbeSink()
            async with host_gate, gate:
                if self.limiter is not None:
                    waiting = time.monotonic()
                    await self.limiter.acquire()
                    clock.waited += time.monotonic() - waiting
                left = clock.left()
                started = time.monotonic()
                if left is not None and left <= 0:
                    reason = f"host budget of {s.host_timeout:g} s spent before it could start"
                    spent = AttemptStatus.TIMEOUT
                    late = ProbeAttempt(probe=probe.name, status=spent, reason=reason)
                    record.add_attempts([late])
                    self.finished.add((record.address, probe.name))
                    return
                limit = probe_budget if left is None else min(probe_budget, left)
                try:
                    result: ProbeResult = await asyncio.wait_for(
                        probe.run(target, replace(base, sink=sink)), limit
                    )
                except TimeoutError:
                    cut = "host budget" if limit < probe_budget else f"{probe_budget:.0f} s budget"
                    kept = plural(len(sink.observations), "observation")
                    reason = f"cut off by the {cut}; kept {kept} made before"
                    result = ProbeResult(
                        observations=tuple(sink.observations),
                        cameras=tuple(sink.cameras),
                        attempts=(
                            *sink.attempts,
                            ProbeAttempt(
                                probe=probe.name,
                                status=AttemptStatus.TIMEOUT,
                                reason=reason,
                                elapsed_ms=_ms(started),
                            ),
                        ),
                    )
                except asyncio.CancelledError:  # interrupted: keep what it had read
                    record.add_observations(sink.observations)
                    record.add_attempts(sink.attempts)
                    record.add_cameras(sink.cameras)
                    self.kept[(record.address, probe.name)] = len(sink.observations)
                    raise
                except Exception as exc:  # a broken probe or device never stops the scan
                    self.crashed = True
                    reason = f"probe crashed: {type(exc).__name__}: {str(exc)[:200]}"
                    result = ProbeResult(
                        observations=tuple(sink.observations),
                        attempts=(
                            ProbeAttempt(
                                probe=probe.name, status=AttemptStatus.ERROR, reason=reason
                            ),
                        ),
                    )
            for a in result.attempts:
                log.debug(
                    "probe %s %s port %s: %s %s",
                    probe.name, record.address, a.port, a.status.value, a.reason,
                )  # fmt: skip
            log.info(
                "probe %s %s: %d observations, %s", probe.name, record.address,
                len(result.observations),
                ", ".join(sorted({a.status.value for a in result.attempts})) or "no attempt",
            )  # fmt: skip
            record.add_observations(result.observations)
            record.add_attempts(result.attempts)
            record.add_cameras(result.cameras)
            self.finished.add((record.address, probe.name))

        async def host(record: HostRecord) -> None:
            nonlocal done
            host_gate = asyncio.Semaphore(max(s.per_host, 1))
            clock = _HostClock(s.host_timeout)
            await asyncio.gather(*(one(record, p, host_gate, clock) for p in probes))
            done += 1
            notify(self.observer, Progress("probe", done, total, record.address))

        # Bounded fan-out: a fixed pool of host workers rather than one task per host.
        queue = iter(records)

        async def worker() -> None:
            for record in queue:
                await host(record)

        workers = max(min(s.concurrency // max(s.per_host, 1), total, MAX_HOSTS_AT_ONCE), 1)
        notify(self.observer, Progress("probe", 0, total, "probing hosts"))
        await asyncio.gather(*(worker() for _ in range(workers)))
