"""Probe scheduling: every registered probe against every device, under four limits.

A host's probes start in two groups. Those that need only its open ports start as soon as
discovery knows them (:meth:`Prober.early`, while the multicast windows are still open), so a
silent port's wait overlaps discovery; those that read what discovery learned besides
(``uses_discovery``: ONVIF's XAddrs) start once discovery has ended (:meth:`Prober.rest`),
as does every probe of a host discovery found otherwise, and every probe under ``--rate``
(the sweep keeps the tokens until it is done). Within those groups:

* a global cap on connections in flight (``--concurrency``);
* a per-host cap (``--per-host``), shared by both groups;
* ``--rate``, an :class:`aiolimiter.AsyncLimiter` token taken *after* both gates and *outside*
  the host's budget, so a low rate slows the scan down but never spends a host's budget on
  waiting (the host's deadline moves by the time spent waiting for tokens);
* a per-host wall-clock budget (``--host-timeout``), counted for each group from its own
  start (waiting for discovery to end is not probing): a probe cut off by it keeps every
  observation and attempt it had already made (its :class:`ProbeSink`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
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


def uses_discovery(probe: Probe) -> bool:
    """Whether ``probe`` reads discovery facts beyond the open ports (a probe says so with a
    ``uses_discovery`` attribute; one that does not say is assumed to)."""
    return bool(getattr(probe, "uses_discovery", True))


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


@dataclass
class _Host:
    """One host being probed: its gate, the probes queued for it and the groups not done."""

    record: HostRecord
    gate: asyncio.Semaphore
    queued: set[str] = field(default_factory=set)  # probe names
    pending: int = 0  # groups queued or running
    closed: bool = False  # every group it will get has been queued


@dataclass
class _Group:
    host: _Host
    probes: list[Probe]


class Prober:
    """Runs the probes; ``crashed`` says whether any probe raised (the scan is incomplete).

    :meth:`start` once, then :meth:`early` for each host whose ports are known, :meth:`rest`
    with every device once discovery has ended, and :meth:`wait` (or :meth:`cancel`).
    """

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
        self.hosts: dict[str, _Host] = {}  # address → host whose probes were queued
        self.began: float | None = None  # monotonic time the first probe group started
        self._macs: set[str] = set()  # MACs of hosts queued (one address per device)
        self._probes: list[Probe] = []
        self._base = ProbeSettings()
        self._queue: asyncio.Queue[_Group | None] = asyncio.Queue()
        self._gate = asyncio.Semaphore(max(settings.concurrency, 1))  # connections in flight
        self._workers: list[asyncio.Task[None]] = []
        self._done = 0
        self._rested = False  # rest() was called: the workers stop once the queue is empty

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

    def start(self) -> None:
        """Choose the probes and start the pool of host workers (none when nothing to run)."""
        s = self.settings
        self._probes = self.probes()
        if not self._probes:
            return
        self._base = ProbeSettings(
            timeout=s.timeout,
            connect_timeout=min(1.5, s.timeout),
            http_paths=_http_paths(s.signature_dirs),
            credentials=s.credentials,
        )
        # Bounded fan-out: a fixed pool of host workers rather than one task per host.
        workers = max(min(s.concurrency // max(s.per_host, 1), MAX_HOSTS_AT_ONCE), 1)
        self._workers = [asyncio.ensure_future(self._worker()) for _ in range(workers)]
        notify(self.observer, Progress("probe", 0, 0, "probing hosts"))

    def early(self, record: HostRecord) -> None:
        """Queue the probes that need only ``record``'s open ports (known now), unless another
        address of the same device (MAC) is already queued."""
        if not self._workers or self._rested or record.address in self.hosts:
            return
        if record.mac is not None and record.mac in self._macs:
            return
        self._queue_group(record, [p for p in self._probes if not uses_discovery(p)])

    def rest(self, records: Sequence[HostRecord]) -> None:
        """Discovery has ended: queue every probe not yet queued for each device, then let
        the workers stop when the queue is empty."""
        if not self._workers or self._rested:
            return
        self._rested = True  # what is queued now is all there will be
        for record in records:
            self._queue_group(record, list(self._probes), close=True)
        for _ in self._workers:
            self._queue.put_nowait(None)

    def _queue_group(self, record: HostRecord, probes: list[Probe], close: bool = False) -> None:
        host = self.hosts.get(record.address)
        if host is None:
            host = _Host(record, asyncio.Semaphore(max(self.settings.per_host, 1)))
            self.hosts[record.address] = host
            if record.mac is not None:
                self._macs.add(record.mac)
        host.closed = host.closed or close
        todo = [p for p in probes if p.name not in host.queued]
        if todo:
            host.queued.update(p.name for p in todo)
            host.pending += 1
            self._queue.put_nowait(_Group(host, todo))
        elif close and not host.pending:
            self._host_done()

    @property
    def probing(self) -> bool:
        """Whether any probe group was queued (there are probes and devices)."""
        return bool(self.hosts)

    async def wait(self) -> None:
        """Until every queued probe has ended (after :meth:`rest`)."""
        if self._workers:
            await asyncio.gather(*self._workers)

    async def cancel(self) -> None:
        """Stop every probe in flight; each keeps what it had read (see :meth:`mark_cancelled`)."""
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)

    def _host_done(self) -> None:
        self._done += 1
        notify(self.observer, Progress("probe", self._done, len(self.hosts), "probed"))

    async def _worker(self) -> None:
        while (group := await self._queue.get()) is not None:
            if self.began is None:
                self.began = time.monotonic()
            host = group.host
            clock = _HostClock(self.settings.host_timeout)
            await asyncio.gather(*(self._one(host, probe, clock) for probe in group.probes))
            host.pending -= 1
            if host.closed and not host.pending:
                self._host_done()

    async def _one(self, host: _Host, probe: Probe, clock: _HostClock) -> None:
        s = self.settings
        record = host.record
        # A probe may make several requests; its own budget is generous but finite.
        probe_budget = s.timeout * 8 + 5.0
        target = ProbeTarget(
            address=record.address,
            open_ports=frozenset(record.open_ports),
            onvif_xaddrs=tuple(record.onvif_xaddrs[:8]),
            upnp_locations=tuple(record.upnp_locations[:4]),
        )
        sink = ProbeSink()
        async with host.gate, self._gate:
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
                    probe.run(target, replace(self._base, sink=sink)), limit
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
                        ProbeAttempt(probe=probe.name, status=AttemptStatus.ERROR, reason=reason),
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
