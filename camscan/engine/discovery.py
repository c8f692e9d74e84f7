"""Discovery scheduling: every registered method, from what it declares, never by name.

* ``link`` methods (ARP, multicast) run on the interface :func:`camscan.netroute.plan_link`
  chose (``--iface``, else the routing table) when part of the scope is on-link;
* a method starts when the selected methods in its ``after`` are done (the TCP sweep after
  ARP, so that ARP-proven absences are not swept), or, if it ``streams``, with them, taking
  each host they report as they report it (the sweep connects to a host the moment ARP hears
  it, and to the rest of the scope once ARP has ended; not under ``--rate``);
* every host a method reports goes into the table at once; one reported with all its ports
  (``reports_ports``) goes to ``on_ready``, where the engine starts its port probes while
  discovery goes on;
* then ``unicast`` methods ask each live host that link-local traffic could not reach;
* each run is cut off at its ``budget``; what it had reported to its :class:`HostSink` is kept
  and the run is marked partial.

The outcome per method is a :class:`MethodRun`: ran, partial, skipped or failed, why, and on
which interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address

from aiolimiter import AsyncLimiter

from camscan.discover.base import (
    DiscoveredHost,
    DiscoveryMethod,
    DiscoveryResult,
    DiscoverySettings,
    HostFeed,
    HostSink,
)
from camscan.discover.registry import METHODS, ON_REQUEST
from camscan.engine.hosts import HostTable
from camscan.engine.settings import Observer, Progress, ScanSettings, notify
from camscan.models import AttemptStatus, MethodRun, MethodState, ProbeAttempt
from camscan.netroute import LinkPlan
from camscan.words import plural

log = logging.getLogger(__name__)

_WORST = (MethodState.FAILED, MethodState.PARTIAL, MethodState.SKIPPED, MethodState.RAN)


@dataclass
class _Outcome:
    """One run of one method in one mode."""

    mode: str  # "link" | "unicast"
    state: MethodState
    reason: str
    hosts: int = 0
    elapsed_ms: float | None = None
    complete: bool = True


@dataclass
class _Method:
    runs: list[_Outcome] = field(default_factory=list)


def _state_of(result: DiscoveryResult, name: str) -> tuple[MethodState, str]:
    own = [a for a in result.attempts if a.probe == name]
    if result.partial:
        return MethodState.PARTIAL, result.partial
    if any(a.status is AttemptStatus.ERROR for a in own):
        return MethodState.FAILED, "; ".join(a.reason for a in own if a.reason)
    if own and all(a.status is AttemptStatus.SKIPPED for a in own):
        return MethodState.SKIPPED, "; ".join(a.reason for a in own if a.reason)
    return MethodState.RAN, "; ".join(a.reason for a in own if a.reason)


class Discovery:
    """One scan's discovery phase; fills ``table`` and records attempts and method runs."""

    def __init__(
        self,
        settings: ScanSettings,
        plan: LinkPlan,
        table: HostTable,
        observer: Observer | None,
        limiter: AsyncLimiter | None,
    ) -> None:
        self.settings = settings
        self.plan = plan
        self.table = table
        self.observer = observer
        self.limiter = limiter
        self.attempts: list[ProbeAttempt] = []
        self.methods: dict[str, _Method] = {}
        self.covered: list[tuple[int, int]] = []  # ARP-swept networks as (first, last) ints
        self.chosen = [m for m in settings.methods if m in METHODS]
        self._done = 0
        self._total = len(self.chosen)
        self.unicast_done = False  # False after an interruption before the unicast runs ended
        self.feeds: dict[str, list[HostFeed]] = {}  # method → feeds of streaming followers
        self.on_ready: Callable[[str], None] | None = None  # a host's open ports are known

    # --- settings ------------------------------------------------------------------------
    def _base(self) -> DiscoverySettings:
        s = self.settings
        return DiscoverySettings(
            targets=tuple(s.scope.networks()),
            iface=self.plan.iface,
            iface_address=self.plan.address,
            link_networks=self.plan.on_link,
            timeout=s.discovery_timeout,
            tcp_ports=s.ports,
            rate=s.rate,
            concurrency=s.concurrency,
            size=len(s.scope),
            limiter=self.limiter,
            infra=s.infra,
            imports=s.imports,
            on_progress=lambda done, total: notify(
                self.observer, Progress("sweep", done, total, "TCP sweep")
            ),
        )

    def _absent(self) -> frozenset[str]:
        """In-scope addresses a working ARP sweep did not hear: not there."""
        alive = self.table.alive
        out: set[str] = set()
        for first, last in self.covered:
            for value in range(first, last + 1):
                address = str(IPv4Address(value))
                if address in self.table.scope and address not in alive:
                    out.add(address)
        return frozenset(out)

    def _on_link(self, address: str) -> bool:
        value = IPv4Address(address)
        return any(value in net for net in self.plan.on_link)

    # --- running -------------------------------------------------------------------------
    def _reported(self, method: DiscoveryMethod, host: DiscoveredHost) -> None:
        """A host a method has just reported: into the table now, on to the methods that
        stream this one's hosts, and to ``on_ready`` when its ports are all known."""
        self.table.add((host,))
        if host.address not in self.table.records:  # outside the scope
            return
        for feed in self.feeds.get(method.name, ()):
            feed.put(host.address)
        if method.reports_ports and self.on_ready is not None:
            self.on_ready(host.address)

    async def _run(
        self, method: DiscoveryMethod, settings: DiscoverySettings, waits: float = 0.0
    ) -> _Outcome:
        """Run one method within its budget (plus ``waits``, the budgets of the methods a
        streaming method runs beside); an overrun or crash keeps the sink's hosts."""
        sink = HostSink(on_add=lambda host: self._reported(method, host))
        settings = replace(settings, sink=sink)
        limit = method.budget(settings) + waits
        started = time.monotonic()
        status: AttemptStatus | None = None
        reason = ""
        try:
            result = await asyncio.wait_for(method.discover(settings), limit)
        except TimeoutError:
            kept = plural(len(sink.hosts), "host")
            reason = f"overran its {limit:.0f} s budget; kept the {kept} found"
            status = AttemptStatus.TIMEOUT
            result = DiscoveryResult(method.name, tuple(sink.hosts), partial=reason)
        except asyncio.CancelledError:  # interrupted: keep what it had found
            self.table.add(sink.hosts)
            raise
        except Exception as exc:  # one broken method never stops the scan
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            status = AttemptStatus.ERROR
            result = DiscoveryResult(method.name, tuple(sink.hosts))
        elapsed = round((time.monotonic() - started) * 1000, 1)
        if status is not None:
            failure = ProbeAttempt(
                probe=method.name, status=status, reason=reason, elapsed_ms=elapsed
            )
            result = replace(result, attempts=(*result.attempts, failure))
        self.attempts.extend(result.attempts)
        self.table.add(result.hosts)
        self.table.locations.update(result.locations)
        self.table.agents.update(result.agents)
        for net in result.covered:
            self.covered.append((int(net.network_address), int(net.broadcast_address)))
        state, why = _state_of(result, method.name)
        log.info(
            "discovery %s (%s): %s, %s in %.0f ms%s",
            method.name, settings.mode, state.value, plural(len(result.hosts), "host"), elapsed,
            f" ({why})" if why else "",
        )  # fmt: skip
        self._done += 1
        notify(
            self.observer,
            Progress("discovery", self._done, self._total, f"{method.name}: {len(result.hosts)}"),
        )
        return _Outcome(
            settings.mode if method.link or settings.mode == "unicast" else "sweep",
            state,
            why,
            len(result.hosts),
            elapsed,
            complete=state is MethodState.RAN,
        )

    def _skip(self, name: str, reason: str, complete: bool) -> None:
        log.info("discovery %s: skipped (%s)", name, reason)
        self.methods[name].runs.append(
            _Outcome("link", MethodState.SKIPPED, reason, complete=complete)
        )
        self.attempts.append(ProbeAttempt(probe=name, status=AttemptStatus.SKIPPED, reason=reason))

    async def _after(self, method: DiscoveryMethod, tasks: dict[str, asyncio.Task[None]]) -> None:
        """Wait for the selected methods in ``method.after`` (their failures are theirs)."""
        for dependency in method.after:
            if dependency in tasks:
                with contextlib.suppress(Exception):
                    await asyncio.shield(tasks[dependency])

    async def _close_after(
        self, method: DiscoveryMethod, tasks: dict[str, asyncio.Task[None]], feed: HostFeed
    ) -> None:
        await self._after(method, tasks)
        feed.close(self.table.alive, self._absent())

    async def _link(self, name: str, tasks: dict[str, asyncio.Task[None]]) -> None:
        method = METHODS[name]
        feed: HostFeed | None = None
        waits = 0.0
        # Under --rate the phases keep to their order: the rate is what bounds the scan, and
        # overlapping them would only make ARP and the sweep share it.
        ahead = [d for d in method.after if d in tasks] if not self.settings.rate else []
        if method.streams and ahead:
            feed = HostFeed()
            for dependency in ahead:
                self.feeds.setdefault(dependency, []).append(feed)
            waits = max(METHODS[d].budget(self._base()) for d in ahead)
            closer = asyncio.ensure_future(self._close_after(method, tasks, feed))
            tasks[f"{name}:feed"] = closer  # cancelled with the others
        else:
            await self._after(method, tasks)
        if method.link:
            plan = self.plan
            if plan.iface is None or plan.reason:
                # Routed or loopback scopes simply have no link to use: not a failure then.
                inherent = plan.iface is None and plan.reason.startswith("targets")
                self._skip(name, plan.reason, complete=inherent)
                return
            if not plan.on_link:
                self._skip(name, f"targets routed (not on {plan.iface}'s subnets)", True)
                return
        base = replace(self._base(), alive=self.table.alive, absent=self._absent(), feed=feed)
        self.methods[name].runs.append(await self._run(method, base, waits))

    async def _unicast(self) -> None:
        hosts = tuple(
            a
            for a in sorted(self.table.records, key=IPv4Address)
            if not self._on_link(a) and a not in self.table.own
        )
        if not hosts:
            self.unicast_done = True
            return
        base = replace(self._base(), mode="unicast", unicast_hosts=hosts)

        async def one(name: str) -> None:
            self.methods[name].runs.append(await self._run(METHODS[name], base))

        names = [n for n in self.chosen if METHODS[n].unicast]
        self._total += len(names)
        await asyncio.gather(*(one(n) for n in names))
        self.unicast_done = True

    async def run(self) -> None:
        """Every chosen method's link run (respecting ``after``), then the unicast runs."""
        self.methods = {name: _Method() for name in self.chosen}
        notify(self.observer, Progress("discovery", 0, self._total, "looking for hosts"))
        tasks: dict[str, asyncio.Task[None]] = {}
        for name in self.chosen:
            tasks[name] = asyncio.ensure_future(self._link(name, tasks))
        try:
            await asyncio.gather(*tasks.values())
            await self._unicast()
        finally:
            for task in tasks.values():
                task.cancel()

    # --- the record ----------------------------------------------------------------------
    def method_runs(self) -> list[MethodRun]:
        """One :class:`MethodRun` per registered method, in registry order."""
        out: list[MethodRun] = []
        for name in METHODS:
            if name not in self.methods:
                state = MethodState.NOT_SELECTED
                why = f"only with --{name}" if name in ON_REQUEST else "not in --methods"
                out.append(MethodRun(method=name, state=state, reason=why))
                continue
            runs = self.methods[name].runs
            if not runs:  # interrupted before it ran
                out.append(
                    MethodRun(
                        method=name,
                        state=MethodState.SKIPPED,
                        reason="interrupted",
                        complete=False,
                    )
                )
                continue
            ran = [r for r in runs if r.state is not MethodState.SKIPPED]
            complete = all(r.complete for r in runs)
            if METHODS[name].unicast and not self.unicast_done and not ran:
                # The link run was skipped (routed targets); the interruption came before the
                # unicast run that would have asked them: that, not the routing, is why.
                out.append(MethodRun(method=name, state=MethodState.SKIPPED, complete=False,
                    reason="interrupted before its unicast run (targets routed)"))  # fmt: skip
                continue
            if complete:
                state = MethodState.RAN if ran else MethodState.SKIPPED
            else:
                state = min((r.state for r in runs), key=_WORST.index)
                if ran and state is MethodState.SKIPPED:
                    state = MethodState.PARTIAL  # e.g. no multicast, but unicast ran
            reasons = [f"{r.mode}: {r.reason}" if len(runs) > 1 else r.reason for r in runs]
            uses_link = any(r.mode == "link" for r in ran) and METHODS[name].link
            out.append(
                MethodRun(
                    method=name,
                    state=state,
                    reason="; ".join(r for r in reasons if r)[:500],
                    interface=self.plan.iface if uses_link else None,
                    modes=[r.mode for r in ran],
                    hosts=sum(r.hosts for r in runs),
                    elapsed_ms=round(sum(r.elapsed_ms or 0 for r in ran), 1) if ran else None,
                    complete=complete,
                )
            )
        return out
