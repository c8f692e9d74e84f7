"""Several agents' tables → IP → MAC bindings and MAC → edge-port locations.

A MAC is learned on every port between the switch and the device: the device's own access
port and each uplink/trunk towards it. Only the access ("edge") port says where to unplug it,
so a port is an uplink — never a location — when it has an LLDP neighbour or carries more than
:data:`MAX_EDGE_MACS` MACs. When a MAC sits on edge ports of several switches (a small
unmanaged switch behind an access port), the port with the fewest MACs wins.

A recorder with a built-in PoE switch is an agent too (``[[infra]]`` with its address): its
PoE side reuses private addresses another recorder may use as well, so its tables are kept
per agent (:func:`agent_tables`) and applied only to the cameras behind that recorder.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from camscan.infra.mibs import InfraView
from camscan.models import Location

#: An access port rarely carries more than a phone, a PC and a spare; more means an uplink.
MAX_EDGE_MACS = 4


@dataclass(frozen=True)
class Binding:
    """A MAC for an address, and where it was read."""

    mac: str
    source: str


def arp_bindings(views: Sequence[InfraView]) -> dict[str, Binding]:
    """Address → MAC from every agent's ARP table (the first agent listed wins a conflict)."""
    out: dict[str, Binding] = {}
    for view in views:
        for entry in view.arp:
            source = f"snmp {view.host} IP-MIB {entry.table}"
            out.setdefault(entry.address, Binding(entry.mac, source))
    return out


@dataclass(frozen=True)
class AgentTables:
    """One agent's own bindings: address → MAC (its ARP table) and MAC → its edge port."""

    arp: Mapping[str, Binding]
    locations: Mapping[str, Location]


def agent_tables(view: InfraView) -> AgentTables:
    """``view``'s tables alone, for the cameras behind the recorder that ``view`` is."""
    return AgentTables(arp=arp_bindings([view]), locations=edge_locations([view]))


def edge_locations(views: Sequence[InfraView]) -> dict[str, Location]:
    """MAC → the edge port it was learned on (uplinks and trunks excluded)."""
    best: dict[str, tuple[int, Location]] = {}
    for view in views:
        per_port = Counter(e.bridge_port for e in view.fdb)
        for entry in view.fdb:
            count = per_port[entry.bridge_port]
            if entry.bridge_port in view.lldp_ports or count > MAX_EDGE_MACS:
                continue
            name, if_index = view.port_name(entry.bridge_port)
            mib = "Q-BRIDGE-MIB" if entry.table == "dot1qTpFdbTable" else "BRIDGE-MIB"
            location = Location(
                switch=view.name,
                switch_address=view.host,
                port=name,
                if_index=if_index,
                vlan=entry.vlan,
                source=f"snmp {view.host} {mib} {entry.table}",
            )
            known = best.get(entry.mac)
            if known is None or count < known[0]:
                best[entry.mac] = (count, location)
    return {mac: loc for mac, (_, loc) in best.items()}
