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
import errno
import socket
import time
from collections.abc import Iterator
from functools import cache
from importlib import resources

import yaml

from camscan.discover._common import attempt, obs
from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus
from camscan.words import plural

NAME = "tcp"
PING_PORTS = (80, 554, 443, 8000)
LARGE_SCOPE = 4096
_ALIVE_ERRNOS = frozenset({errno.ECONNREFUSED, errno.ECONNRESET})


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


async def connect(address: str, port: int, timeout: float) -> tuple[str, float]:
    """One connect: ``open``, ``refused`` (alive) or ``silent`` (timeout/unreachable), and
    the seconds until the answer (the round trip, for :class:`RttTimeout`). A bare non-blocking
    socket, closed at once: no stream objects, so thousands in flight stay cheap."""
    began = time.monotonic()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        await asyncio.wait_for(
            asyncio.get_running_loop().sock_connect(sock, (address, port)), timeout
        )
    except TimeoutError:
        return "silent", timeout
    except OSError as exc:
        state = "refused" if exc.errno in _ALIVE_ERRNOS else "silent"
        return state, time.monotonic() - began
    finally:
        sock.close()
    return "open", time.monotonic() - began


class RttTimeout:
    """The ping stage's connect timeout, adapted to the round trips seen (as nmap adapts its
    RTT timeout): ``factor`` × the slowest of the last answers (open or refused), within
    [floor, ceiling]; until four have answered, the ceiling. Silence is never a sample. Hosts
    known to be alive always get the ceiling, so a busy machine cannot lose their ports."""

    def __init__(self, ceiling: float, floor: float = 0.5, factor: float = 10.0) -> None:
        self.ceiling = ceiling
        self.floor = min(floor, ceiling)
        self.factor = factor
        self.recent: list[float] = []

    def add(self, seconds: float) -> None:
        self.recent.append(seconds)
        del self.recent[:-64]

    @property
    def value(self) -> float:
        if len(self.recent) < 4:
            return self.ceiling
        return min(self.ceiling, max(self.floor, self.factor * max(self.recent)))


class Window:
    """Connections allowed in flight, adapted as nmap's congestion control adapts its own:
    halved (never below ``floor``) when a connect repeated to a live host answers - the first
    was lost to overload, here or on the way - and grown by one for each live host whose ports
    all answered the first time."""

    def __init__(self, limit: int, floor: int = 32) -> None:
        self.ceiling = max(limit, 1)
        self.limit = self.ceiling
        self.floor = min(floor, self.ceiling)
        self.active = 0
        self.losses = 0
        self._changed = asyncio.Condition()

    async def acquire(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.active < self.limit)
            self.active += 1

    async def release(self) -> None:
        async with self._changed:
            self.active -= 1
            self._changed.notify()

    async def resize(self, lost: bool) -> None:
        async with self._changed:
            if lost:
                self.losses += 1
                self.limit = max(self.floor, self.limit // 2)
            elif self.limit < self.ceiling:
                self.limit += 1
                self._changed.notify()


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
    ``settings.absent`` (proved absent by ARP) are never touched. Live hosts go to
    ``settings.sink`` as soon as they are done, so an overrun keeps them."""

    name = NAME
    link = False
    unicast = False
    after: tuple[str, ...] = ("arp",)
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

        async def one(address: str, port: int, pinging: bool) -> str:
            await window.acquire()
            try:
                if limiter is not None:  # the token is taken once a connection may start
                    await limiter.acquire()
                state, seconds = await connect(address, port, rtt.value if pinging else ceiling)
            finally:
                await window.release()
            if state != "silent":
                rtt.add(seconds)
            counts[state] += 1
            return state

        swept = 0

        async def host(address: str) -> None:
            nonlocal swept
            pinging = address not in settings.alive
            first = ping if pinging else ports
            answers = await asyncio.gather(*(one(address, p, pinging) for p in first))
            states = dict(zip(first, answers, strict=True))
            if pinging and any(s != "silent" for s in states.values()):
                more = await asyncio.gather(*(one(address, p, False) for p in rest_after_ping))
                states.update(zip(rest_after_ping, more, strict=True))
            silent = [p for p, state in states.items() if state == "silent"]
            if silent and len(silent) < len(states):  # a live host: ask its silent ports again
                again = await asyncio.gather(*(one(address, p, False) for p in silent))
                states.update(zip(silent, again, strict=True))
                await window.resize(lost=any(state != "silent" for state in again))
            elif not silent:
                await window.resize(lost=False)
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

        # Bounded fan-out: at most a few hosts' worth of tasks exist at once.
        workers = max(min(settings.concurrency // max(len(ping), 1), 4096), 1)
        queue = self._targets(settings)

        async def worker() -> None:
            for address in queue:
                await host(address)

        await asyncio.gather(*(worker() for _ in range(workers)))
        if settings.on_progress is not None:
            settings.on_progress(size, size)  # absent addresses were skipped, not swept
        hosts = tuple(sorted(found, key=lambda h: _sort_key(h.address)))
        reason = (
            f"{plural(len(hosts), 'host')} alive; {counts['open']} open, "
            f"{counts['refused']} refused, "
            f"{plural(counts['silent'], 'silent connect')}"
        )
        if window.losses:
            reason += f"; {window.losses} lost connects answered when repeated (window halved)"
        status = AttemptStatus.OK if hosts else AttemptStatus.NO_ANSWER
        return DiscoveryResult(NAME, hosts, (attempt(NAME, status, reason, started),))


def _sort_key(address: str) -> tuple[int, ...]:
    return tuple(int(x) for x in address.split("."))
