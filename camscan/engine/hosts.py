"""The host table: what every method learned about each address, merged into devices.

Memory is bounded by the scope size and per-device caps, not by what devices send.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from camscan.discover.arp import PROC_ARP, parse_proc_arp
from camscan.discover.base import DiscoveredHost
from camscan.infra.locate import AgentTables
from camscan.models import AttemptStatus, Location, Observation, ProbeAttempt
from camscan.probe.base import BehindCamera
from camscan.scope import Scope

MAX_OBSERVATIONS = 512  # per device
MAX_ATTEMPTS = 128  # per device
MAX_CAMERAS = 512  # behind one recorder


@dataclass
class HostRecord:
    """Everything known about one address (mutable while the scan runs)."""

    address: str
    mac: str | None = None
    observations: list[Observation] = field(default_factory=list)
    onvif_xaddrs: list[str] = field(default_factory=list)
    upnp_locations: list[str] = field(default_factory=list)
    open_ports: set[int] = field(default_factory=set)
    attempts: list[ProbeAttempt] = field(default_factory=list)
    hostnames: list[str] = field(default_factory=list)
    location: Location | None = None
    mac_source: str | None = None  # None: our own ARP or the kernel's neighbour table
    cameras: list[BehindCamera] = field(default_factory=list)  # behind it, if a recorder

    def add_cameras(self, items: Sequence[BehindCamera]) -> None:
        room = MAX_CAMERAS - len(self.cameras)
        self.cameras.extend(items[: max(room, 0)])

    def add_observations(self, items: Sequence[Observation]) -> None:
        for item in items:
            if len(self.observations) >= MAX_OBSERVATIONS:
                return
            if item not in self.observations:
                self.observations.append(item)

    def add_attempts(self, items: Sequence[ProbeAttempt]) -> None:
        room = MAX_ATTEMPTS - len(self.attempts)
        self.attempts.extend(items[: max(room, 0)])

    def absorb(self, host: DiscoveredHost) -> None:
        if self.mac is None and host.mac:
            self.mac, self.mac_source = host.mac, host.mac_source
        self.location = self.location or host.location
        self.hostnames.extend(n for n in host.hostnames if n not in self.hostnames)
        self.add_observations(host.observations)
        self.onvif_xaddrs.extend(x for x in host.onvif_xaddrs if x not in self.onvif_xaddrs)
        self.upnp_locations.extend(x for x in host.upnp_locations if x not in self.upnp_locations)
        self.open_ports |= host.open_ports


class HostTable:
    """Addresses in scope → :class:`HostRecord`; answers from outside the scope are counted
    and dropped; this host's own addresses are left out of :meth:`merged`."""

    def __init__(self, scope: Scope, own: Iterable[str] = ()) -> None:
        self.scope = scope
        self.own = frozenset(own)
        self.records: dict[str, HostRecord] = {}
        self.outside_scope = 0
        self.locations: dict[str, Location] = {}  # MAC → edge switch port, from --infra
        self.agents: dict[str, AgentTables] = {}  # --infra agent address → its own tables

    def add(self, hosts: Iterable[DiscoveredHost]) -> None:
        for host in hosts:
            if host.address not in self.scope:
                self.outside_scope += 1
                continue
            record = self.records.get(host.address)
            if record is None:
                if len(self.records) >= len(self.scope):
                    continue
                record = self.records[host.address] = HostRecord(host.address)
            record.absorb(host)

    @property
    def alive(self) -> frozenset[str]:
        return frozenset(self.records)

    @property
    def this_host(self) -> list[str]:
        """This host's own addresses that are in scope (never reported as devices)."""
        return sorted((a for a in self.own if a in self.scope), key=IPv4Address)

    def fill_macs_from_neighbours(self, iface: str | None) -> None:
        """After connecting, the kernel knows on-link MACs: use them (works without root)."""
        if not iface:
            return
        try:
            table = parse_proc_arp(PROC_ARP.read_text(), iface)
        except OSError:
            return
        for address, record in self.records.items():
            if record.mac is None and address in table:
                record.mac = table[address]

    def locate(self) -> None:
        """Give every host whose MAC a switch learned on an edge port that location."""
        for record in self.records.values():
            if record.location is None and record.mac in self.locations:
                record.location = self.locations[record.mac]

    def merged(self, probing: Collection[str] = ()) -> list[HostRecord]:
        """One record per MAC (a device with two addresses is one device), else per address;
        this host is left out. A MAC's record is its lowest address, or the one already in
        ``probing`` (probes started on it while discovery ran and still write into it); two
        such addresses that turn out to share a MAC stay two records, so neither loses what
        its probes read."""
        by_mac: dict[str, HostRecord] = {}
        out: list[HostRecord] = []
        for address in sorted(self.records, key=IPv4Address):
            record = self.records[address]
            if address in self.own or record.mac is None:
                continue
            first = by_mac.get(record.mac)
            if first is None or (address in probing and first.address not in probing):
                by_mac[record.mac] = record
        for address in sorted(self.records, key=IPv4Address):
            record = self.records[address]
            if address in self.own:
                continue
            if record.mac is None or address in probing:
                out.append(record)
                continue
            first = by_mac[record.mac]
            if first is record:
                out.append(record)
                continue
            first.add_observations(record.observations)
            first.open_ports |= record.open_ports
            first.add_cameras(record.cameras)
            first.hostnames.extend(n for n in record.hostnames if n not in first.hostnames)
            first.add_attempts(
                [
                    ProbeAttempt(
                        probe="merge",
                        status=AttemptStatus.OK,
                        reason=f"same MAC also answers at {address}",
                    )
                ]
            )
        return out
