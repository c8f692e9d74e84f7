"""The discovery seam: each method finds hosts and returns observations about them.

A method never raises; what it could not do (no root for ARP, no interface address for
multicast) is reported as a :class:`ProbeAttempt` in :attr:`DiscoveryResult.attempts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Protocol

from camscan.models import Location, Observation, ProbeAttempt
from camscan.snmp import SnmpTarget


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


@dataclass(frozen=True)
class DiscoverySettings:
    """Where and how long to look."""

    targets: Sequence[IPv4Network] = ()
    hosts: Sequence[IPv4Address] = ()
    iface: str | None = None
    iface_address: str | None = None
    timeout: float = 2.0
    tcp_ports: tuple[int, ...] = ()
    rate: float = 0.0  # packets or connections per second; 0 = unlimited within caps
    concurrency: int = 256
    infra: tuple[SnmpTarget, ...] = ()  # switches/routers to read ARP, FDB and LLDP from
    imports: tuple[Path, ...] = ()  # DHCP lease files and nmap XML to read


@dataclass(frozen=True)
class DiscoveryResult:
    """Hosts found by one method plus the record of how it went."""

    method: str
    hosts: tuple[DiscoveredHost, ...] = ()
    attempts: tuple[ProbeAttempt, ...] = field(default_factory=tuple)
    locations: Mapping[str, Location] = field(default_factory=dict)  # MAC → edge port (infra)


class DiscoveryMethod(Protocol):
    """One way of finding hosts (ARP, WS-Discovery, mDNS, SSDP, SADP, DHIP, TCP sweep)."""

    name: str

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        """Look for hosts; must not raise and must stop within ``settings.timeout`` (+ slack)."""
        ...
