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
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import cache
from importlib import resources

import yaml

from camscan.discover._common import attempt, obs
from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus

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
        low, high = int(low_s), int(high_s or low_s)
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"bad port or range: {item!r}")
        ports.extend(range(low, high + 1))
    if not ports:
        raise ValueError("no ports given")
    return tuple(dict.fromkeys(ports))


class RateLimiter:
    """Spaces out connection starts to at most ``rate`` per second (0 = unlimited)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


async def connect(address: str, port: int, timeout: float) -> str:
    """One connect: ``open``, ``refused`` (alive) or ``silent`` (timeout/unreachable)."""
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
    except TimeoutError:
        return "silent"
    except OSError as exc:
        return "refused" if exc.errno in _ALIVE_ERRNOS else "silent"
    writer.close()
    with contextlib.suppress(TimeoutError, OSError):
        await asyncio.wait_for(writer.wait_closed(), 0.5)
    return "open"


class TcpSweep:
    """Connect sweep. ``alive`` skips the ping stage; ``absent`` addresses are never touched."""

    name = NAME

    def __init__(
        self,
        addresses: Iterable[str] | None = None,
        alive: Collection[str] = (),
        absent: Collection[str] = (),
        size: int = 0,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self._addresses = addresses
        self._alive = frozenset(alive)
        self._absent = frozenset(absent)
        self._size = size
        self._on_progress = on_progress

    def _targets(self, settings: DiscoverySettings) -> Iterator[str]:
        if self._addresses is not None:
            source: Iterable[str] = self._addresses
        else:
            # The scope's blocks are exact (edges already removed): every address counts.
            source = (str(a) for net in settings.targets for a in net)
        for address in source:
            if address not in self._absent:
                yield address

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        ports = settings.tcp_ports or default_ports()
        ping = tuple(p for p in PING_PORTS if p in ports) or ports[:2]
        size = self._size or sum(n.num_addresses for n in settings.targets)
        if size > LARGE_SCOPE:  # a /16: two ping ports (web, RTSP) keep it within minutes
            ping = ping[:2]
        rest_after_ping = tuple(p for p in ports if p not in ping)
        connect_timeout = max(min(settings.timeout, 1.0), 0.2)
        limiter = RateLimiter(settings.rate)
        gate = asyncio.Semaphore(max(settings.concurrency, 1))
        open_ports: dict[str, set[int]] = {}
        alive: set[str] = set()
        counts = {"open": 0, "refused": 0, "silent": 0}

        async def one(address: str, port: int) -> None:
            await limiter.wait()
            async with gate:
                state = await connect(address, port, connect_timeout)
            counts[state] += 1
            if state != "silent":
                alive.add(address)
            if state == "open":
                open_ports.setdefault(address, set()).add(port)

        swept = 0

        async def host(address: str) -> None:
            nonlocal swept
            first = ping if address not in self._alive else ports
            await asyncio.gather(*(one(address, p) for p in first))
            if address in alive and first is ping:
                await asyncio.gather(*(one(address, p) for p in rest_after_ping))
            swept += 1
            if self._on_progress is not None and (swept % 64 == 0 or swept == size):
                self._on_progress(swept, size)

        # Bounded fan-out: at most a few hosts' worth of tasks exist at once.
        workers = max(min(settings.concurrency // max(len(ping), 1), 1024), 1)
        queue = self._targets(settings)

        async def worker() -> None:
            for address in queue:
                await host(address)

        await asyncio.gather(*(worker() for _ in range(workers)))
        if self._on_progress is not None:
            self._on_progress(size, size)  # absent addresses were skipped, not swept
        hosts = tuple(
            DiscoveredHost(
                address=address,
                open_ports=frozenset(open_ports.get(address, ())),
                observations=tuple(
                    obs("tcp.open", str(p), NAME, p) for p in sorted(open_ports.get(address, ()))
                ),
            )
            for address in sorted(alive, key=_sort_key)
        )
        reason = (
            f"{len(hosts)} hosts alive; {counts['open']} open, {counts['refused']} refused, "
            f"{counts['silent']} silent connects"
        )
        status = AttemptStatus.OK if hosts else AttemptStatus.NO_ANSWER
        return DiscoveryResult(NAME, hosts, (attempt(NAME, status, reason, started),))


def _sort_key(address: str) -> tuple[int, ...]:
    return tuple(int(x) for x in address.split("."))
