"""The discovery seam: each method finds hosts and returns observations about them.

A method never raises; what it could not do (no root for ARP, no interface address for
multicast) is reported as a :class:`ProbeAttempt` in :attr:`DiscoveryResult.attempts`. Every
method, ARP and the TCP sweep included, is registered in :mod:`camscan.discover.registry` and
scheduled by :mod:`camscan.engine.discovery` from the attributes it declares (``link``,
``unicast``, ``after``, ``budget``), never by name.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from camscan.models import Location, Observation, ProbeAttempt
from camscan.snmp import SnmpTarget

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

    from camscan.infra.locate import AgentTables


@dataclass(frozen=True)
class DiscoveredHost:
    """A host one method found, with anything it learned on the way."""

    address: str
    mac: str | None = None
    observations: tuple[Observation, ...] = ()
    onvif_xaddrs: tuple[str, ...] = ()
    upnp_locations: tuple[str, ...] = ()
    open_ports: frozenset[int] = frozenset()
    hostnames: tuple[str, ...] = ()
    location: Location | None = None
    mac_source: str | None = None  # when the MAC is not from our own ARP: where it came from


class HostSink:
    """Hosts a method reports as it learns them, so that an overrun keeps what was found.

    A method that may run long (ARP over a large segment, the TCP sweep) calls :meth:`add`
    for each host as soon as it is known; when the engine cuts the method off at its budget it
    takes :attr:`hosts` instead of the (never returned) result. ``on_add``: the engine's hook,
    told of each host at once (so the sweep and the probes can start on it).
    """

    def __init__(self, on_add: Callable[[DiscoveredHost], None] | None = None) -> None:
        self.hosts: list[DiscoveredHost] = []
        self.on_add = on_add

    def add(self, host: DiscoveredHost) -> None:
        self.hosts.append(host)
        if self.on_add is not None:
            self.on_add(host)


class HostFeed:
    """Live addresses that the methods a streaming method runs ``after`` report while they
    still run (:meth:`put`), then, once those have all ended, what they proved (:meth:`close`).

    Iterating yields each address once, as it comes, and stops at :meth:`close`; from then on
    :attr:`alive` and :attr:`absent` are what :class:`DiscoverySettings` would have carried
    had the method waited for them.
    """

    def __init__(self) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._seen: set[str] = set()
        self.alive: frozenset[str] = frozenset()
        self.absent: frozenset[str] = frozenset()

    def put(self, address: str) -> None:
        if address not in self._seen:
            self._seen.add(address)
            self._queue.put_nowait(address)

    def close(self, alive: frozenset[str], absent: frozenset[str]) -> None:
        self.alive, self.absent = alive, absent
        self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[str]:
        while (address := await self._queue.get()) is not None:
            yield address


@dataclass(frozen=True)
class DiscoverySettings:
    """Where and how long to look.

    ``mode`` is ``link`` (ARP/multicast on ``iface``, or the TCP sweep of ``targets``) or
    ``unicast`` (ask each of ``unicast_hosts``, live hosts that link-local traffic cannot
    reach). ``alive``/``absent`` carry what earlier methods learned.
    """

    targets: Sequence[IPv4Network] = ()
    hosts: Sequence[IPv4Address] = ()
    iface: str | None = None
    iface_address: str | None = None
    link_networks: tuple[IPv4Network, ...] = ()  # attached subnets of iface meeting the scope
    timeout: float = 2.0  # s a method listens for answers
    tcp_ports: tuple[int, ...] = ()
    rate: float = 0.0  # packets or connections per second; 0 = unlimited within caps
    concurrency: int = 256
    infra: tuple[SnmpTarget, ...] = ()  # switches/routers to read ARP, FDB and LLDP from
    imports: tuple[Path, ...] = ()  # DHCP lease files and nmap XML to read
    mode: Literal["link", "unicast"] = "link"
    unicast_hosts: tuple[str, ...] = ()
    alive: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    size: int = 0  # addresses in scope (0: count targets)
    limiter: AsyncLimiter | None = None  # shared --rate limiter (aiolimiter)
    sink: HostSink | None = None
    feed: HostFeed | None = None  # for a ``streams`` method: its ``after`` methods' hosts
    on_progress: Callable[[int, int], None] | None = field(default=None, compare=False)

    @property
    def scope_size(self) -> int:
        return self.size or sum(n.num_addresses for n in self.targets)


@dataclass(frozen=True)
class DiscoveryResult:
    """Hosts found by one method plus the record of how it went.

    ``covered`` lists the networks the method swept reliably (a working ARP sweep): in-scope
    addresses there that are not among ``hosts`` are absent, and later methods skip them.
    """

    method: str
    hosts: tuple[DiscoveredHost, ...] = ()
    attempts: tuple[ProbeAttempt, ...] = field(default_factory=tuple)
    locations: Mapping[str, Location] = field(default_factory=dict)  # MAC → edge port (infra)
    agents: Mapping[str, AgentTables] = field(default_factory=dict)  # agent address → its own
    covered: tuple[IPv4Network, ...] = ()
    partial: str = ""  # why only part of the work was done ("not root: neighbour table only")


class DiscoveryMethod(Protocol):
    """One way of finding hosts (ARP, WS-Discovery, mDNS, SSDP, SADP, DHIP, TCP sweep).

    ``link``: needs an on-link interface (ARP, multicast). ``unicast``: also has a per-host
    form for live hosts that link-local traffic cannot reach (routed targets). ``after``:
    methods whose results it uses, so it starts when they are done, unless it ``streams``:
    then it starts with them and takes each host they report as they report it
    (``settings.feed``; the TCP sweep connects to a host ARP just heard without waiting for
    ARP's window to close). ``reports_ports``: each host it reports carries all its open
    ports, so the probes that need nothing else may start on it at once.
    """

    name: str
    link: bool
    unicast: bool
    after: tuple[str, ...]
    streams: bool
    reports_ports: bool

    def budget(self, settings: DiscoverySettings) -> float:
        """Seconds this run may take before the engine cuts it off (keeping its sink)."""
        ...

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        """Look for hosts; must not raise and should finish within :meth:`budget`."""
        ...
