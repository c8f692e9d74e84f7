"""The discovery seam: each method finds hosts and returns observations about them.

A method never raises; what it could not do (no root for ARP, no interface address for
multicast) is reported as a :class:`ProbeAttempt` in :attr:`DiscoveryResult.attempts`. Every
method, ARP and the TCP sweep included, is registered in :mod:`camscan.discover.registry` and
scheduled by :mod:`camscan.engine.discovery` from the attributes it declares (``link``,
``unicast``, ``after``, ``budget``), never by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    takes :attr:`hosts` instead of the (never returned) result.
    """

    def __init__(self) -> None:
        self.hosts: list[DiscoveredHost] = []

    def add(self, host: DiscoveredHost) -> None:
        self.hosts.append(host)


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
    methods whose results it uses, so it starts when they are done.
    """

    name: str
    link: bool
    unicast: bool
    after: tuple[str, ...]

    def budget(self, settings: DiscoverySettings) -> float:
        """Seconds this run may take before the engine cuts it off (keeping its sink)."""
        ...

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        """Look for hosts; must not raise and should finish within :meth:`budget`."""
        ...
