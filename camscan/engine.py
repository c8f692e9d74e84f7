"""The scan engine: scope → discovery → merge → probes → identification, as one async call.

The engine never prints. Progress goes to an observer callback; errors become attempt
records; a stop event (set by the CLI on SIGINT/SIGTERM) cancels what is in flight and the
partial document is still returned, marked ``interrupted``. Memory is bounded by the scope
size (capped by ``--max-hosts``) and per-device observation caps, not by what devices send.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from ipaddress import IPv4Address
from pathlib import Path
from typing import TypeVar

from camscan.discover.arp import PROC_ARP, parse_proc_arp
from camscan.discover.base import (
    DiscoveredHost,
    DiscoveryMethod,
    DiscoveryResult,
    DiscoverySettings,
)
from camscan.discover.registry import METHODS
from camscan.discover.tcp import RateLimiter, TcpSweep, default_ports
from camscan.models import (
    AttemptStatus,
    Device,
    Location,
    Observation,
    ProbeAttempt,
    ScanDocument,
)
from camscan.probe.base import Credentials, Probe, ProbeResult, ProbeSettings, ProbeTarget
from camscan.scope import Scope, interface_info
from camscan.snmp import SnmpTarget

T = TypeVar("T")

DEFAULT_METHODS = ("arp", "wsd", "mdns", "ssdp", "sadp", "dhip", "tcp")
MAX_OBSERVATIONS = 512  # per device
MAX_ATTEMPTS = 128  # per device


@dataclass(frozen=True)
class ScanSettings:
    """Everything a scan needs; the CLI builds it from flags and configuration."""

    scope: Scope
    iface: str | None = None
    methods: tuple[str, ...] = DEFAULT_METHODS
    ports: tuple[int, ...] = ()
    rate: float = 0.0
    concurrency: int = 256
    per_host: int = 2
    timeout: float = 3.0  # per probe request
    discovery_timeout: float = 2.0
    host_timeout: float = 15.0  # all probes of one host (nmap's --host-timeout); 0 = none
    credentials: Credentials = field(default_factory=Credentials)
    policies: tuple[str, ...] = ()
    signature_dirs: tuple[Path, ...] = ()  # merged over the shipped signature set
    probes: tuple[str, ...] | None = None  # None = every registered probe
    infra: tuple[SnmpTarget, ...] = ()  # --infra / [[infra]]: switches and routers to read
    imports: tuple[Path, ...] = ()  # --import: DHCP leases, nmap XML
    annotate: bool = True


@dataclass(frozen=True)
class Progress:
    """One progress event: the phase, how far it is, and a short message."""

    phase: str  # "discovery" | "sweep" | "probe" | "identify" | "done"
    done: int = 0
    total: int = 0
    message: str = ""


Observer = Callable[[Progress], None]


class _Stopped(Exception):
    """Raised inside the engine when the stop event fires."""


@dataclass
class _HostRecord:
    address: str
    mac: str | None = None
    observations: list[Observation] = field(default_factory=list)
    onvif_xaddrs: list[str] = field(default_factory=list)
    upnp_locations: list[str] = field(default_factory=list)
    open_ports: set[int] = field(default_factory=set)
    attempts: list[ProbeAttempt] = field(default_factory=list)
    hostnames: list[str] = field(default_factory=list)
    location: Location | None = None
    mac_source: str | None = None

    def add_observations(self, items: Sequence[Observation]) -> None:
        for item in items:
            if len(self.observations) >= MAX_OBSERVATIONS:
                return
            if item not in self.observations:
                self.observations.append(item)

    def absorb(self, host: DiscoveredHost) -> None:
        if self.mac is None and host.mac:
            self.mac, self.mac_source = host.mac, host.mac_source
        self.location = self.location or host.location
        self.hostnames.extend(n for n in host.hostnames if n not in self.hostnames)
        self.add_observations(host.observations)
        self.onvif_xaddrs.extend(x for x in host.onvif_xaddrs if x not in self.onvif_xaddrs)
        self.upnp_locations.extend(x for x in host.upnp_locations if x not in self.upnp_locations)
        self.open_ports |= host.open_ports


def _notify(observer: Observer | None, event: Progress) -> None:
    if observer is None:
        return
    with contextlib.suppress(Exception):  # a broken progress display never stops a scan
        observer(event)


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


async def _run_method(
    method: DiscoveryMethod, settings: DiscoverySettings, limit: float
) -> DiscoveryResult:
    """Run one method; a crash or an overrun becomes an attempt, never an exception."""
    started = time.monotonic()
    try:
        return await asyncio.wait_for(method.discover(settings), limit)
    except TimeoutError:
        status, reason = AttemptStatus.TIMEOUT, f"did not finish within {limit:.1f} s"
    except Exception as exc:  # one broken method never stops the scan
        status, reason = AttemptStatus.ERROR, f"{type(exc).__name__}: {str(exc)[:200]}"
    elapsed = round((time.monotonic() - started) * 1000, 1)
    attempt = ProbeAttempt(probe=method.name, status=status, reason=reason, elapsed_ms=elapsed)
    return DiscoveryResult(method.name, attempts=(attempt,))


def _probe_registry() -> tuple[Mapping[str, Probe], str]:
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


def sweep_limit(settings: ScanSettings) -> float:
    """The TCP sweep's overrun limit, s: a safety net, not a schedule. Overrunning it loses the
    whole sweep, so it must not undercount: every address × every port at 1 s per connect,
    spread over the concurrency, plus the ``--rate`` spacing (a silent /16 pings for ~64 s)."""
    connects = len(settings.scope) * len(settings.ports or default_ports())
    limit = settings.discovery_timeout + 5.0 + connects / max(settings.concurrency, 1)
    if settings.rate > 0:
        limit += connects / settings.rate
    return max(limit, 60.0)


class Engine:
    """One scan run; see :func:`run_scan`."""

    def __init__(
        self, settings: ScanSettings, observer: Observer | None, stop: asyncio.Event | None
    ) -> None:
        self.settings = settings
        self.observer = observer
        self.stop = stop
        self.records: dict[str, _HostRecord] = {}
        self.attempts: list[ProbeAttempt] = []
        self.complete = True
        self.outside_scope = 0
        self.locations: dict[str, Location] = {}  # MAC → edge port, from --infra
        iface = interface_info(settings.iface) if settings.iface else None
        self.iface_address = iface.address if iface else None
        self.iface_networks = iface.networks if iface else ()
        problem = ""
        if settings.iface and iface is None:
            problem = f"no interface named {settings.iface}"
        elif settings.iface and not self.iface_address:
            problem = f"interface {settings.iface} has no IPv4 address (no ARP or multicast)"
        if problem:
            self.attempts.append(
                ProbeAttempt(probe="engine", status=AttemptStatus.ERROR, reason=problem)
            )
            self.complete = False

    # --- discovery -----------------------------------------------------------------------
    def _discovery_settings(self) -> DiscoverySettings:
        s = self.settings
        return DiscoverySettings(
            targets=tuple(s.scope.networks()),
            iface=s.iface,
            iface_address=self.iface_address,
            timeout=s.discovery_timeout,
            tcp_ports=s.ports,
            rate=s.rate,
            concurrency=s.concurrency,
            infra=s.infra,
            imports=s.imports,
        )

    def _record(self, result: DiscoveryResult) -> None:
        self.attempts.extend(result.attempts)
        self.locations.update(result.locations)
        if any(a.status is AttemptStatus.ERROR for a in result.attempts):
            self.complete = False
        for host in result.hosts:
            if host.address not in self.settings.scope:
                self.outside_scope += 1
                continue
            record = self.records.get(host.address)
            if record is None:
                if len(self.records) >= len(self.settings.scope):
                    continue
                record = self.records[host.address] = _HostRecord(host.address)
            record.absorb(host)

    def _on_link(self, address: str) -> bool:
        value = IPv4Address(address)
        return any(value in net for net in self.iface_networks)

    async def discover(self) -> None:
        s = self.settings
        settings = self._discovery_settings()
        limit = s.discovery_timeout + 5.0
        chosen = [m for m in s.methods if m in METHODS]
        total = len(chosen)
        done = 0

        def finished(result: DiscoveryResult) -> None:
            nonlocal done
            done += 1
            self._record(result)
            _notify(
                self.observer,
                Progress("discovery", done, total, f"{result.method}: {len(result.hosts)} hosts"),
            )

        async def run(method: DiscoveryMethod, tm: DiscoverySettings) -> None:
            finished(await _run_method(method, tm, limit))

        _notify(self.observer, Progress("discovery", 0, total, "looking for hosts"))
        arp_settings = replace(settings, timeout=min(s.discovery_timeout, 1.5))
        others = [
            asyncio.ensure_future(run(METHODS[n], settings))
            for n in chosen
            if n not in ("arp", "tcp")
        ]
        try:
            absent: set[str] = set()
            if "arp" in chosen:
                before = set(self.records)
                arp = await _guard(_run_method(METHODS["arp"], arp_settings, limit), self.stop)
                finished(arp)
                # Trust silence only from a real sweep that heard someone (the wire works).
                swept = any(a.status is AttemptStatus.OK for a in arp.attempts)
                if swept:  # a real ARP sweep: silent on-link addresses are not there
                    answered = {h.address for h in arp.hosts} | before
                    absent = {
                        str(a)
                        for a in s.scope.addresses()
                        if self._on_link(str(a)) and str(a) not in answered
                    }
            if "tcp" in chosen:
                sweep = TcpSweep(
                    addresses=(str(a) for a in s.scope.addresses()),
                    alive=set(self.records),
                    absent=absent - set(self.records),
                    size=len(s.scope),
                    on_progress=lambda done, total: _notify(
                        self.observer, Progress("sweep", done, total, "TCP sweep")
                    ),
                )
                finished(await _guard(_run_method(sweep, settings, sweep_limit(s)), self.stop))
            if others:
                await _guard(asyncio.gather(*others), self.stop)
        finally:
            for task in others:
                task.cancel()
        self._fill_macs_from_neighbours()
        self._locate()

    def _locate(self) -> None:
        """Give every host whose MAC a switch learned on an edge port that location."""
        for record in self.records.values():
            if record.location is None and record.mac in self.locations:
                record.location = self.locations[record.mac]

    def _fill_macs_from_neighbours(self) -> None:
        """After connecting, the kernel knows on-link MACs: use them (works without root)."""
        if not self.settings.iface:
            return
        try:
            table = parse_proc_arp(PROC_ARP.read_text(), self.settings.iface)
        except OSError:
            return
        for address, record in self.records.items():
            if record.mac is None and address in table:
                record.mac = table[address]

    # --- merge ---------------------------------------------------------------------------
    def merged(self) -> list[_HostRecord]:
        """One record per MAC (a device with two addresses is one device), else per address."""
        own = {self.iface_address} if self.iface_address else set()  # the auditor itself
        by_mac: dict[str, _HostRecord] = {}
        out: list[_HostRecord] = []
        for address in sorted(self.records, key=lambda a: IPv4Address(a)):
            record = self.records[address]
            if address in own:
                continue
            if record.mac is None:
                out.append(record)
                continue
            first = by_mac.get(record.mac)
            if first is None:
                by_mac[record.mac] = record
                out.append(record)
                continue
            first.add_observations(record.observations)
            first.open_ports |= record.open_ports
            first.hostnames.extend(n for n in record.hostnames if n not in first.hostnames)
            first.attempts.append(
                ProbeAttempt(
                    probe="merge",
                    status=AttemptStatus.OK,
                    reason=f"same MAC also answers at {address}",
                )
            )
        return out

    # --- probes --------------------------------------------------------------------------
    async def probe_all(self, records: list[_HostRecord]) -> None:
        s = self.settings
        registry, problem = _probe_registry()
        if problem:
            self.attempts.append(
                ProbeAttempt(probe="engine", status=AttemptStatus.SKIPPED, reason=problem)
            )
        probes = [p for n, p in registry.items() if s.probes is None or n in s.probes]
        if not probes or not records:
            return
        settings = ProbeSettings(
            timeout=s.timeout,
            connect_timeout=min(1.5, s.timeout),
            http_paths=_http_paths(s.signature_dirs),
            credentials=s.credentials,
        )
        gate = asyncio.Semaphore(max(s.concurrency, 1))
        limiter = RateLimiter(s.rate)
        # A probe may make several requests; its wall-clock budget is generous but finite.
        budget = s.timeout * 8 + 5.0
        total = len(records)
        done = 0

        async def one(record: _HostRecord, probe: Probe, host_gate: asyncio.Semaphore) -> None:
            target = ProbeTarget(
                address=record.address,
                open_ports=frozenset(record.open_ports),
                onvif_xaddrs=tuple(record.onvif_xaddrs[:8]),
                upnp_locations=tuple(record.upnp_locations[:4]),
            )
            await limiter.wait()
            started = time.monotonic()
            async with host_gate, gate:
                try:
                    result: ProbeResult = await asyncio.wait_for(
                        probe.run(target, settings), budget
                    )
                except TimeoutError:
                    result = ProbeResult(
                        attempts=(
                            ProbeAttempt(
                                probe=probe.name,
                                status=AttemptStatus.TIMEOUT,
                                reason=f"probe overran its {budget:.0f} s budget",
                                elapsed_ms=round((time.monotonic() - started) * 1000, 1),
                            ),
                        )
                    )
                except Exception as exc:  # a broken probe or device never stops the scan
                    self.complete = False
                    result = ProbeResult(
                        attempts=(
                            ProbeAttempt(
                                probe=probe.name,
                                status=AttemptStatus.ERROR,
                                reason=f"probe crashed: {type(exc).__name__}: {str(exc)[:200]}",
                            ),
                        )
                    )
            record.add_observations(result.observations)
            room = MAX_ATTEMPTS - len(record.attempts)
            record.attempts.extend(result.attempts[: max(room, 0)])

        async def host(record: _HostRecord) -> None:
            nonlocal done
            host_gate = asyncio.Semaphore(max(s.per_host, 1))
            started = time.monotonic()
            work = asyncio.gather(*(one(record, p, host_gate) for p in probes))
            try:
                await asyncio.wait_for(work, s.host_timeout or None)
            except TimeoutError:  # a tarpit costs at most host_timeout, and says so
                record.attempts.append(
                    ProbeAttempt(
                        probe="engine",
                        status=AttemptStatus.TIMEOUT,
                        reason=f"host budget of {s.host_timeout:g} s spent; "
                        "unfinished probes cancelled",
                        elapsed_ms=round((time.monotonic() - started) * 1000, 1),
                    )
                )
            done += 1
            _notify(self.observer, Progress("probe", done, total, record.address))

        # Bounded fan-out: a fixed pool of host workers rather than one task per host.
        queue = iter(records)

        async def worker() -> None:
            for record in queue:
                await host(record)

        workers = max(min(s.concurrency // max(s.per_host, 1), total), 1)
        _notify(self.observer, Progress("probe", 0, total, "probing hosts"))
        await _guard(asyncio.gather(*(worker() for _ in range(workers))), self.stop)

    # --- document ------------------------------------------------------------------------
    def document(
        self, records: list[_HostRecord], started: datetime, interrupted: bool
    ) -> ScanDocument:
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
        attempts = list(self.attempts)
        if self.outside_scope:
            attempts.append(
                ProbeAttempt(
                    probe="engine",
                    status=AttemptStatus.SKIPPED,
                    reason=f"{self.outside_scope} answers from outside the scope ignored",
                )
            )
        return ScanDocument(
            started_at=started,
            finished_at=datetime.now(UTC),
            complete=self.complete and not interrupted,
            interrupted=interrupted,
            scope=self.settings.scope.describe(),
            methods=[m for m in self.settings.methods if m in METHODS],
            attempts=attempts,
            devices=devices,
        )

    def phase(self, name: str, started: float) -> None:
        self.attempts.append(
            ProbeAttempt(
                probe=f"engine.{name}",
                status=AttemptStatus.OK,
                reason=f"{name} phase",
                elapsed_ms=round((time.monotonic() - started) * 1000, 1),
            )
        )


async def run_scan(
    settings: ScanSettings,
    observer: Observer | None = None,
    stop: asyncio.Event | None = None,
) -> ScanDocument:
    """Scan ``settings.scope`` and return the identified scan document; never raises for
    network trouble. When ``stop`` is set, in-flight work is cancelled and the partial
    document comes back with ``interrupted=True``."""
    unknown = [m for m in settings.methods if m not in METHODS]
    engine = Engine(settings, observer, stop)
    if unknown:
        engine.attempts.append(
            ProbeAttempt(
                probe="engine",
                status=AttemptStatus.ERROR,
                reason=f"unknown discovery methods: {', '.join(unknown)}",
            )
        )
        engine.complete = False
    started_at = datetime.now(UTC)
    interrupted = False
    records: list[_HostRecord] = []
    try:
        t0 = time.monotonic()
        await engine.discover()
        engine.phase("discovery", t0)
        records = engine.merged()
        t0 = time.monotonic()
        await engine.probe_all(records)
        engine.phase("probe", t0)
    except (_Stopped, asyncio.CancelledError):
        interrupted = True
        records = records or engine.merged()
    doc = engine.document(records, started_at, interrupted)
    if settings.annotate:
        _notify(observer, Progress("identify", 0, len(doc.devices), "identifying"))
        try:
            from camscan.pipeline import annotate
            from camscan.signatures import load_signatures

            sigset = load_signatures(settings.signature_dirs)
            doc = annotate(doc, policies=list(settings.policies), sigset=sigset)
        except Exception as exc:  # identification failed: keep the evidence, say why
            failure = ProbeAttempt(
                probe="identify", status=AttemptStatus.ERROR, reason=f"{type(exc).__name__}: {exc}"
            )
            doc = doc.model_copy(update={"attempts": [*doc.attempts, failure], "complete": False})
    _notify(observer, Progress("done", len(doc.devices), len(doc.devices), "finished"))
    return doc


def default_concurrency() -> int:
    """The global cap: up to 2,048 connections in flight (a silent /16 needs ~2 × 65k connects
    of 1 s each), never more than half the open-files limit."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, ValueError, OSError):
        soft = 1024
    return max(16, min(2048, (soft - 64) // 2))


__all__ = [
    "DEFAULT_METHODS",
    "Engine",
    "Observer",
    "Progress",
    "ScanSettings",
    "default_concurrency",
    "run_scan",
]
