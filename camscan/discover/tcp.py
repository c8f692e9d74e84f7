"""TCP connect sweep over camera ports (kept as data in ``camscan/data/ports.yaml``).

A full connect, no raw packets, so it works without root. A refused connection proves the
host is alive just as well as an open port. To keep a /16 affordable, the sweep first
"pings" every address on a few ports and only sweeps the rest of the list on addresses that
answered (nmap's host discovery does the same with its default probes). Hosts already known
alive from ARP or multicast skip the ping stage; on-link addresses ARP proved absent are not
touched at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time
from collections import deque
from collections.abc import Coroutine, Iterator
from dataclasses import replace
from functools import cache, partial
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from camscan.discover._common import attempt, obs
from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus
from camscan.words import plural

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

NAME = "tcp"
PING_PORTS = (80, 554, 443, 8000)
LARGE_SCOPE = 4096
_ALIVE_ERRNOS = frozenset({errno.ECONNREFUSED, errno.ECONNRESET})
_PENDING = frozenset({errno.EINPROGRESS, errno.EAGAIN, errno.EALREADY})


@cache
def default_ports() -> tuple[int, ...]:
    """The camera port list shipped with camscan, in sweep order."""
    text = resources.files("camscan").joinpath("data/ports.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return tuple(int(entry["port"]) for entry in data["ports"])


def parse_ports(spec: str) -> tuple[int, ...]:
    """``80,443,8000-8010`` → ports, in order, without duplicates; ValueError when invalid."""
    ports: list[int] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        low_s, _, high_s = item.partition("-")
        if not (low_s.isdigit() and (high_s or low_s).isdigit()):
            raise ValueError(
                f"bad port or range: {item!r} (give numbers such as 80,443,8000-8010; "
                "nmap's T:/U: prefixes and service names are not taken)"
            )
        low, high = int(low_s), int(high_s or low_s)
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"bad port or range: {item!r}")
        ports.extend(range(low, high + 1))
    if not ports:
        raise ValueError("no ports given")
    return tuple(dict.fromkeys(ports))


def start_connect(address: str, port: int, timeout: float) -> asyncio.Future[tuple[str, float]]:
    """Start one connect; its future gives ``open``, ``refused`` (alive) or ``silent``
    (timeout/unreachable) and the seconds until the answer (the round trip, for
    :class:`RttTimeout`). A bare non-blocking socket watched by the event loop and closed at
    once: no task, stream or ``wait_for`` per connect, so a silent /16 (131,000 connects)
    costs little CPU. Cancelling the future closes the socket."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[tuple[str, float]] = loop.create_future()
    began = time.monotonic()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    code = sock.connect_ex((address, port))
    if code not in _PENDING:
        sock.close()
        future.set_result((_state(code), time.monotonic() - began))
        return future
    fd = sock.fileno()

    def finish(state: str, seconds: float) -> None:
        loop.remove_writer(fd)
        sock.close()
        if not future.done():
            future.set_result((state, seconds))

    def answered() -> None:
        timer.cancel()
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        finish(_state(code), time.monotonic() - began)

    def cancelled(done: asyncio.Future[tuple[str, float]]) -> None:
        if done.cancelled() and sock.fileno() != -1:
            timer.cancel()
            finish("silent", timeout)

    loop.add_writer(fd, answered)
    timer = loop.call_later(timeout, finish, "silent", timeout)
    future.add_done_callback(cancelled)
    return future


def _state(code: int) -> str:
    if code == 0:
        return "open"
    return "refused" if code in _ALIVE_ERRNOS else "silent"


class RttTimeout:
    """The ping stage's connect timeout, adapted to the round trips seen as nmap adapts its
    RTT timeout (nmap's timing.cc, after RFC 6298): a smoothed round trip plus four times
    its smoothed variation, within [floor, ceiling]; until four have answered, the ceiling.
    Silence is never a sample. A mean, not the slowest answer: one answer that this busy
    host noticed late must not double the timeout for the rest of a /16 (and an answer that
    arrives in time is never lost to a late timer: see :func:`start_connect`). Hosts known
    to be alive always get the ceiling."""

    def __init__(self, ceiling: float, floor: float = 0.5) -> None:
        self.ceiling = ceiling
        self.floor = min(floor, ceiling)
        self.samples = 0
        self.srtt = 0.0
        self.rttvar = 0.0

    def add(self, seconds: float) -> None:
        if self.samples == 0:
            self.srtt, self.rttvar = seconds, seconds / 2
        else:
            self.rttvar += (abs(self.srtt - seconds) - self.rttvar) / 4
            self.srtt += (seconds - self.srtt) / 8
        self.samples += 1

    @property
    def value(self) -> float:
        if self.samples < 4:
            return self.ceiling
        return min(self.ceiling, max(self.floor, self.srtt + 4 * self.rttvar))


class Window:
    """Connections allowed in flight, adapted as nmap's congestion control adapts its own:
    halved (never below ``floor``) when a connect repeated to a live host answers - the first
    was lost to overload, here or on the way - and grown by one for each live host whose ports
    all answered the first time. Waiters are woken in order (a deque of futures, no lock)."""

    def __init__(self, limit: int, floor: int = 32) -> None:
        self.ceiling = max(limit, 1)
        self.limit = self.ceiling
        self.floor = min(floor, self.ceiling)
        self.active = 0
        self.losses = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self.active < self.limit and not self._waiting:
            self.active += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter  # the slot is handed over by _wake, already counted
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # woken and cancelled at once: give the slot back
            else:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(waiter)
            raise

    async def admit(self, limiter: AsyncLimiter | None) -> None:
        """Take a slot, then the ``--rate`` limiter's token (when rate-limited); the slot is
        given back when waiting for the token fails or is cancelled."""
        await self.acquire()
        if limiter is None:
            return
        try:
            await limiter.acquire()
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        self.active -= 1
        self._wake()

    def resize(self, lost: bool) -> None:
        if lost:
            self.losses += 1
            self.limit = max(self.floor, self.limit // 2)
        elif self.limit < self.ceiling:
            self.limit += 1
            self._wake()

    def _wake(self) -> None:
        while self._waiting and self.active < self.limit:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self.active += 1
                waiter.set_result(None)


def sweep_budget(settings: DiscoverySettings) -> float:
    """The sweep's overrun limit, s: a safety net, not a schedule (an overrun keeps what was
    found and marks the run incomplete). Every address × every port at 1 s per connect,
    spread over the concurrency, plus the ``--rate`` spacing (a silent /16 pings for ~64 s)."""
    connects = settings.scope_size * len(settings.tcp_ports or default_ports())
    limit = settings.timeout + 5.0 + connects / max(settings.concurrency, 1)
    if settings.rate > 0:
        limit += connects / settings.rate
    return max(limit, 60.0)


class TcpSweep:
    """Connect sweep of the scope. Hosts in ``settings.alive`` skip the ping stage; those in
    ``settings.absent`` (proved absent by ARP) are never touched. With ``settings.feed`` (the
    engine streams ARP's answers), each host ARP hears is swept at once, and the rest of the
    scope once ARP has ended. Live hosts go to ``settings.sink`` as soon as all their ports
    have answered, so an overrun keeps them and the probes can start on them."""

    name = NAME
    link = False
    unicast = False
    after: tuple[str, ...] = ("arp",)
    streams = True
    reports_ports = True
    budget = staticmethod(sweep_budget)

    def _targets(self, settings: DiscoverySettings) -> Iterator[str]:
        # Hosts known alive first: their answers give the round-trip samples that shorten
        # the timeout for the silent rest. The scope's blocks are exact: every address counts.
        yield from sorted(settings.alive, key=_sort_key)
        for net in settings.targets:
            for value in net:
                address = str(value)
                if address not in settings.absent and address not in settings.alive:
                    yield address

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        ports = settings.tcp_ports or default_ports()
        ping = tuple(p for p in PING_PORTS if p in ports) or ports[:2]
        size = settings.scope_size
        if size > LARGE_SCOPE:  # a /16: two ping ports (web, RTSP) keep it within minutes
            ping = ping[:2]
        rest_after_ping = tuple(p for p in ports if p not in ping)
        ceiling = max(min(settings.timeout, 1.0), 0.2)
        rtt = RttTimeout(ceiling)
        limiter = settings.limiter
        window = Window(settings.concurrency)
        found: list[DiscoveredHost] = []
        counts = {"open": 0, "refused": 0, "silent": 0}

        def tally(state: str, seconds: float) -> str:
            if state != "silent":
                rtt.add(seconds)
            counts[state] += 1
            return state

        async def ask(address: str, ports: tuple[int, ...], pinging: bool) -> dict[int, str]:
            """Connect to ``ports`` of one address at once (a window slot each, the token
            taken once a connection may start); the states by port."""
            futures = []
            try:
                for port in ports:
                    await window.admit(limiter)
                    future = start_connect(address, port, rtt.value if pinging else ceiling)
                    future.add_done_callback(lambda _: window.release())
                    futures.append(future)
                answers = await asyncio.gather(*futures)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
            return {p: tally(*answer) for p, answer in zip(ports, answers, strict=True)}

        swept = 0

        def done_with(address: str, states: dict[int, str]) -> None:
            nonlocal swept
            swept += 1
            if settings.on_progress is not None and (swept % 64 == 0 or swept == size):
                settings.on_progress(swept, size)
            if any(s != "silent" for s in states.values()):
                open_ports = sorted(p for p, s in states.items() if s == "open")
                live = DiscoveredHost(
                    address=address,
                    open_ports=frozenset(open_ports),
                    observations=tuple(obs("tcp.open", str(p), NAME, p) for p in open_ports),
                )
                found.append(live)
                if settings.sink is not None:
                    settings.sink.add(live)

        async def host(address: str, states: dict[int, str], rest: tuple[int, ...]) -> None:
            """The ``rest`` of a live host's ports, then its silent ones once more."""
            if rest:
                states.update(await ask(address, rest, False))
            silent = tuple(p for p, state in states.items() if state == "silent")
            if silent and len(silent) < len(states):  # a live host: ask its silent ports again
                again = await ask(address, silent, False)
                states.update(again)
                window.resize(lost=any(state != "silent" for state in again.values()))
            elif not silent:
                window.resize(lost=False)
            done_with(address, states)

        # The ping stage runs from one loop and callbacks: an address that stays silent (most
        # of a /16) costs two connects and no task; one that answers gets a task for the rest.
        followers: set[asyncio.Task[None]] = set()
        in_flight: set[asyncio.Future[tuple[str, float]]] = set()
        idle = asyncio.Event()
        idle.set()

        def follow(coro: Coroutine[Any, Any, None]) -> None:
            task = asyncio.ensure_future(coro)
            followers.add(task)
            task.add_done_callback(followers.discard)

        def pinged(address: str, states: dict[int, str], port: int, future: Any) -> None:
            window.release()
            in_flight.discard(future)
            if not in_flight:
                idle.set()
            if future.cancelled():
                return
            states[port] = tally(*future.result())
            if len(states) < len(ping):
                return
            if any(s != "silent" for s in states.values()):
                follow(host(address, states, rest_after_ping))
            else:
                done_with(address, states)

        async def whole(address: str) -> None:
            await host(address, await ask(address, ports, False), ())

        try:
            if settings.feed is not None:  # hosts ARP hears, every port, as ARP hears them
                fed: set[str] = set()
                async for address in settings.feed:
                    fed.add(address)
                    follow(whole(address))
                alive, absent = settings.feed.alive - fed, settings.feed.absent | fed
                settings = replace(settings, alive=alive, absent=absent, feed=None)
            # Known-alive hosts first, every port: their answers are the round-trip samples
            # for the ping timeout, taken before thousands of pings keep this loop busy.
            known = sorted(settings.alive, key=_sort_key)
            firsts = await asyncio.gather(*(ask(a, ports, False) for a in known))
            for address, first in zip(known, firsts, strict=True):
                follow(host(address, first, ()))
            for address in self._targets(settings):
                if address in settings.alive:
                    continue
                states: dict[int, str] = {}
                for port in ping:
                    await window.admit(limiter)
                    future = start_connect(address, port, rtt.value)
                    in_flight.add(future)
                    idle.clear()
                    future.add_done_callback(partial(pinged, address, states, port))
            await idle.wait()
            while followers:
                await asyncio.gather(*followers)
        finally:
            for future in list(in_flight):
                future.cancel()
            for task in list(followers):
                task.cancel()
        if settings.on_progress is not None:
            settings.on_progress(size, size)  # absent addresses were skipped, not swept
        hosts = tuple(sorted(found, key=lambda h: _sort_key(h.address)))
        reason = (
            f"{plural(len(hosts), 'host')} alive; {counts['open']} open, "
            f"{counts['refused']} refused, "
            f"{plural(counts['silent'], 'silent connect')}; "
            f"ping timeout {rtt.value * 1000:.0f} ms"
        )
        if window.losses:
            reason += f"; {window.losses} lost connects answered when repeated (window halved)"
        status = AttemptStatus.OK if hosts else AttemptStatus.NO_ANSWER
        return DiscoveryResult(NAME, hosts, (attempt(NAME, status, reason, started),))


def _sort_key(address: str) -> tuple[int, ...]:
    return tuple(int(x) for x in address.split("."))
