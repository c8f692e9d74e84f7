"""The simulated building as data: subnets, the auditor's seat, and which persona each host plays.

A topology is a small YAML file (see ``examples/lab/building.yaml`` and docs/lab.md). The
loader refuses any address outside the three RFC 5737 documentation networks, so a lab can
never collide with, or leak packets towards, a real network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from camscan.lab.persona import Persona, PersonaError, load_persona, unicast_mac

#: RFC 5737 TEST-NET-1/2/3: the only networks a lab may use.
ALLOWED_NETWORKS: tuple[IPv4Network, ...] = (
    IPv4Network("192.0.2.0/24"),
    IPv4Network("198.51.100.0/24"),
    IPv4Network("203.0.113.0/24"),
)
MAX_TOPOLOGY_BYTES = 1024 * 1024
_PREFIX_RE = re.compile(r"^cs[a-z]{0,2}$")


class TopologyError(ValueError):
    """A topology file that cannot be used, with a message naming the file and the field."""


def _allowed(net: IPv4Network) -> bool:
    return any(net.subnet_of(allowed) for allowed in ALLOWED_NETWORKS)


class Login(BaseModel):
    """A device login the topology declares (lab data, not a secret): a recorder's channel API
    and ONVIF accept only it; the lab writes the password to a file for ``[[credentials]]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(
        min_length=8, max_length=64, pattern=r"^[A-Za-z0-9!#$%&()*+,./:;<=>?@^_{|}~-]+$"
    )


class HostSpec(BaseModel):
    """One simulated host: its address, the persona it plays and, optionally, a fixed MAC."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: IPv4Address
    persona: str = Field(description="Persona YAML, relative to the topology file.")
    mac: str | None = Field(
        default=None, description="Fixed MAC; else the persona's, salted with the address."
    )
    label: str = Field(default="", description="Free text shown by `camscan lab status`.")
    links: list[IPv4Address] = Field(
        default_factory=list,
        description="Further addresses, each on its own interface (eth1, eth2...) in another "
        "subnet, e.g. a recorder's private PoE side (routed topologies only).",
    )
    credentials: Login | None = Field(
        default=None, description="The host's login (a recorder's); else the persona's own."
    )
    channels: list[IPv4Address] = Field(
        default_factory=list,
        description="A recorder's IP channels 1..N: hosts on its PoE side (its links' subnets).",
    )

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str | None) -> str | None:
        return None if value is None else unicast_mac(value)


class RouterSpec(BaseModel):
    """A router namespace forwarding between the subnets (each subnet then is its own VLAN).

    It has one interface per address (``eth0``, ``eth1``... each on its VLAN's bridge); the
    first address is where its persona (SNMP) answers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    persona: str = Field(description="Persona YAML of the router (usually SNMP only).")
    addresses: list[IPv4Address] = Field(min_length=1, description="One per routed subnet.")
    mac: str = Field(
        default="00:00:5e:00:53:f0",
        description="MAC of eth0; eth1, eth2... count up from it (RFC 7042 documentation MACs).",
    )
    label: str = "router"

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str) -> str:
        return unicast_mac(value)


class Topology(BaseModel):
    """A whole building: one L2 segment (a bridge) carrying one or more TEST-NET subnets, or,
    with ``router``, one VLAN per subnet on a VLAN-aware bridge and a router between them.

    Extension point for later topologies (a recorder's private PoE-side subnet): a subnet
    the router has no address in is not routed, so only hosts with an address in it reach it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    prefix: str = Field(default="cs", description="Namespace prefix; `down --all` sweeps cs*-.")
    description: str = ""
    subnets: list[IPv4Network] = Field(min_length=1)
    auditor: list[IPv4Address] = Field(
        min_length=1, description="The scanning host's address(es), one per subnet at most."
    )
    scan: list[IPv4Network] = Field(
        default_factory=list, description="What a scan of this building covers (default: subnets)."
    )
    hosts: list[HostSpec] = Field(default_factory=list)
    router: RouterSpec | None = Field(default=None, description="Routes between the subnets.")
    vlans: dict[IPv4Network, int] = Field(
        default_factory=dict, description="VLAN id of each subnet (needed with a router)."
    )
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("auditor", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | IPv4Address) else value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX_RE.match(value):
            raise ValueError("prefix must be 'cs' plus at most two lower-case letters")
        return value

    @model_validator(mode="after")
    def _check(self) -> Topology:
        for net in [*self.subnets, *self.scan]:
            if not _allowed(net):
                raise ValueError(
                    f"{net} is not inside a TEST-NET (192.0.2.0/24, 198.51.100.0/24, "
                    "203.0.113.0/24); a lab must never use real address space"
                )
        for i, net in enumerate(self.subnets):
            for other in self.subnets[i + 1 :]:
                if net.overlaps(other):
                    raise ValueError(f"subnets {net} and {other} overlap")
        seen: dict[IPv4Address, str] = {}
        used_subnets: set[IPv4Network] = set()
        for addr in self.auditor:
            net = self._subnet_of(addr, "auditor")
            if net in used_subnets:
                raise ValueError(f"auditor has two addresses in {net}")
            used_subnets.add(net)
            seen[addr] = "auditor"
        routed = self._check_router(seen)
        private = self._check_links(seen)
        self._check_channels()
        macs: dict[str, IPv4Address] = {}
        for host in self.hosts:
            net = self._subnet_of(host.address, f"host {host.address}")
            if net not in used_subnets and net not in routed and net not in private:
                raise ValueError(
                    f"host {host.address}: neither the auditor nor the router has an address "
                    f"in {net}"
                )
            if host.address in seen:
                raise ValueError(f"address {host.address} used twice ({seen[host.address]})")
            seen[host.address] = f"host {host.persona}"
            if host.mac is not None:
                if host.mac in macs:
                    raise ValueError(f"MAC {host.mac} used by {macs[host.mac]} and {host.address}")
                macs[host.mac] = host.address
        return self

    def _check_links(self, seen: dict[IPv4Address, str]) -> set[IPv4Network]:
        """Hosts' further interfaces: routed topologies only, unused addresses, one per subnet
        and host; returns their subnets (reachable only from those hosts unless routed)."""
        nets: set[IPv4Network] = set()
        for host in self.hosts:
            if host.links and self.router is None:
                raise ValueError(f"host {host.address}: links need a routed topology (router)")
            own = {self._subnet_of(host.address, f"host {host.address}")}
            for addr in host.links:
                net = self._subnet_of(addr, f"host {host.address} link {addr}")
                if net in own:
                    raise ValueError(f"host {host.address} has two addresses in {net}")
                if addr in seen:
                    raise ValueError(f"address {addr} used twice ({seen[addr]})")
                seen[addr] = f"host {host.address} link"
                own.add(net)
                nets.add(net)
        return nets

    def _check_channels(self) -> None:
        """Each channel is a host on its recorder's PoE side, and on one recorder only."""
        hosts = {h.address for h in self.hosts}
        owner: dict[IPv4Address, IPv4Address] = {}
        for host in self.hosts:
            poe = [self._subnet_of(a, str(a)) for a in host.links]
            for addr in host.channels:
                if addr not in hosts or not any(addr in net for net in poe):
                    raise ValueError(
                        f"host {host.address}: channel {addr} is not a host on its PoE side "
                        "(a subnet of its links)"
                    )
                if addr in owner:
                    raise ValueError(f"{addr} is a channel of {owner[addr]} and {host.address}")
                owner[addr] = host.address

    def _check_router(self, seen: dict[IPv4Address, str]) -> set[IPv4Network]:
        """Router addresses and VLANs are consistent; returns the routed subnets."""
        if self.router is None:
            if self.vlans:
                raise ValueError("vlans need a router (one VLAN per routed subnet)")
            return set()
        if len(self.auditor) != 1:
            raise ValueError("a routed topology has one auditor address")
        routed: set[IPv4Network] = set()
        for addr in self.router.addresses:
            net = self._subnet_of(addr, f"router {addr}")
            if net in routed:
                raise ValueError(f"router has two addresses in {net}")
            if addr in seen:
                raise ValueError(f"address {addr} used twice ({seen[addr]})")
            routed.add(net)
            seen[addr] = "router"
        for net in self.subnets:
            vid = self.vlans.get(net)
            if vid is None or not 2 <= vid <= 4094:
                raise ValueError(f"subnet {net} needs a VLAN id 2-4094 in vlans")
        if len(set(self.vlans.values())) != len(self.vlans):
            raise ValueError("two subnets share a VLAN id")
        if self._subnet_of(self.auditor[0], "auditor") not in routed:
            raise ValueError("the router needs an address in the auditor's subnet")
        return routed

    def vlan_of(self, addr: IPv4Address) -> int | None:
        """The VLAN of the subnet holding ``addr`` (None without a router)."""
        return self.vlans.get(self._subnet_of(addr, str(addr))) if self.router else None

    def router_path(self) -> Path | None:
        """The router's persona file, resolved like a host's."""
        if self.router is None:
            return None
        path = Path(self.router.persona)
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    def _subnet_of(self, addr: IPv4Address, what: str) -> IPv4Network:
        for net in self.subnets:
            if addr in net:
                if addr in (net.network_address, net.broadcast_address):
                    raise ValueError(f"{what}: {addr} is the network or broadcast address")
                return net
        raise ValueError(f"{what}: {addr} is in none of the subnets")

    @property
    def scan_targets(self) -> list[IPv4Network]:
        """The networks a scan of this building should cover."""
        return list(self.scan or self.subnets)

    def persona_path(self, host: HostSpec) -> Path:
        """The persona file of ``host``, resolved against the topology's directory."""
        path = Path(host.persona)
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    def prefixlen(self, addr: IPv4Address) -> int:
        """Prefix length of the subnet holding ``addr`` (validated to exist)."""
        return self._subnet_of(addr, str(addr)).prefixlen

    def iter_hosts(self) -> Iterator[tuple[int, HostSpec]]:
        """Hosts with a stable 1-based index (used in namespace names)."""
        yield from enumerate(self.hosts, start=1)


def host_mac(host: HostSpec, persona: Persona) -> str:
    """The MAC a host gets: its fixed one, else the persona's (OUI + bytes salted by address).

    Deterministic (same building → same MACs on every run) so scans of the lab can be
    compared across runs; several hosts playing one persona still get distinct MACs.
    """
    return host.mac or persona.resolved_mac(salt=str(host.address))


def _where(loc: tuple[int | str, ...]) -> str:
    """Best-effort ``hosts[3].mac``-style location for an error message."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(top level)"


def parse_topology(data: Any, *, base_dir: Path, origin: str = "<topology>") -> Topology:
    """Validate a parsed YAML mapping into a :class:`Topology`; errors name the field."""
    if not isinstance(data, dict):
        raise TopologyError(f"{origin}: expected a mapping at the top level")
    try:
        return Topology.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        lines = [f"{origin}: {_where(tuple(err['loc']))}: {err['msg']}" for err in exc.errors()]
        raise TopologyError("\n".join(lines)) from None


def load_topology(path: str | Path) -> Topology:
    """Read and validate a topology file; every persona file it names must exist."""
    file = Path(path)
    try:
        with file.open("rb") as fh:
            raw = fh.read(MAX_TOPOLOGY_BYTES + 1)
    except OSError as exc:
        raise TopologyError(f"{file}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_TOPOLOGY_BYTES:
        raise TopologyError(f"{file}: larger than {MAX_TOPOLOGY_BYTES} bytes")
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TopologyError(f"{file}: not valid YAML: {exc}") from None
    topo = parse_topology(data, base_dir=file.resolve().parent, origin=str(file))
    load_personas(topo)
    return topo


def load_personas(topo: Topology) -> dict[Path, Persona]:
    """Load every persona the topology names (each file once) and check MACs are unique."""
    personas: dict[Path, Persona] = {}
    problems: list[str] = []
    paths = [(f"host {h.address}", topo.persona_path(h)) for h in topo.hosts]
    if (router := topo.router_path()) is not None:
        paths.append(("router", router))
    for what, path in paths:
        if path in personas:
            continue
        try:
            personas[path] = load_persona(path)
        except PersonaError as exc:
            problems.append(f"{what}: {exc}")
    problems += [
        f"host {h.address}: channels need a recorder persona (a `recorder:` section)"
        for h in topo.hosts
        if h.channels
        and (p := personas.get(topo.persona_path(h))) is not None
        and p.recorder is None
    ]
    if problems:
        raise TopologyError("\n".join(problems))
    owners: dict[str, IPv4Address] = {}
    for host in topo.hosts:
        mac = host_mac(host, personas[topo.persona_path(host)])
        if mac in owners:
            raise TopologyError(
                f"hosts {owners[mac]} and {host.address} would share MAC {mac}; "
                "give one of them `mac:` or use a persona with an `oui:`"
            )
        owners[mac] = host.address
    return personas
