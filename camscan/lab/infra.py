"""The lab's own network as SNMP tables, for an infrastructure persona (``snmp.infra_tables``).

The lab knows every port of its switch (the bridge's ``pN`` veths), which MAC sits behind each
and in which VLAN, and which addresses the router has resolved; :func:`switch_tables` writes
that as the OIDs a real L3 switch serves (IF-MIB ifDescr/ifName, BRIDGE-MIB
dot1dBasePortIfIndex and dot1dTpFdbTable, Q-BRIDGE-MIB dot1qTpFdbTable, IP-MIB
ipNetToPhysicalTable and ipNetToMediaTable, LLDP-MIB lldpRemSysName; OIDs as cited in
:mod:`camscan.infra.mibs`). The device process reads them with ``--snmp-tables FILE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import TYPE_CHECKING

from camscan.infra import mibs
from camscan.lab.netns import Endpoint, NetworkPlan
from camscan.lab.persona import Persona, SnmpValue

if TYPE_CHECKING:
    from camscan.lab.topology import Topology

FDB_LEARNED = 3  # dot1dTpFdbStatus / dot1qTpFdbStatus learned(3)


@dataclass(frozen=True)
class SwitchPort:
    """One switch port: bridge port number (also its ifIndex), name, MACs with VLAN, LLDP."""

    number: int
    name: str
    macs: tuple[tuple[str, int], ...] = ()  # (MAC, VLAN id)
    lldp_neighbour: str | None = None  # sysName of an LLDP neighbour (an uplink or router)


@dataclass(frozen=True)
class ArpRow:
    """One router ARP entry: the routed interface's ifIndex, the address and its MAC."""

    if_index: int
    address: str
    mac: str


def _mac_arcs(mac: str) -> str:
    return ".".join(str(int(octet, 16)) for octet in mac.split(":"))


def switch_tables(
    ports: Sequence[SwitchPort],
    arp: Iterable[ArpRow] = (),
    *,
    interfaces: Iterable[tuple[int, str]] = (),
    tables: frozenset[str] = frozenset(
        {"ifname", "qbridge", "bridge", "ipnettophysical", "ipnettomedia", "lldp"}
    ),
) -> dict[str, SnmpValue]:
    """OID → value for the given ports and ARP rows; ``tables`` picks which MIB tables exist
    (to exercise camscan's fallbacks); ``interfaces`` adds routed (VLAN) interfaces."""
    out: dict[str, SnmpValue] = {}
    for if_index, name in [*((p.number, p.name) for p in ports), *interfaces]:
        out[f"{mibs.IF_DESCR}.{if_index}"] = SnmpValue(value=name)
        if "ifname" in tables:
            out[f"{mibs.IF_NAME}.{if_index}"] = SnmpValue(value=name)
    for port in ports:
        out[f"{mibs.DOT1D_BASE_PORT_IFINDEX}.{port.number}"] = SnmpValue(
            type="integer", value=port.number
        )
        for mac, vlan in port.macs:
            if "qbridge" in tables:
                out[f"{mibs.DOT1Q_TP_FDB_PORT}.{vlan}.{_mac_arcs(mac)}"] = SnmpValue(
                    type="integer", value=port.number
                )
            if "bridge" in tables:
                out[f"{mibs.DOT1D_TP_FDB_PORT}.{_mac_arcs(mac)}"] = SnmpValue(
                    type="integer", value=port.number
                )
        if port.lldp_neighbour and "lldp" in tables:
            out[f"{mibs.LLDP_REM_SYS_NAME}.0.{port.number}.1"] = SnmpValue(
                value=port.lldp_neighbour
            )
    for row in arp:
        phys = SnmpValue(type="hex", value=row.mac.replace(":", ""))
        if "ipnettophysical" in tables:
            out[f"{mibs.IP_NET_TO_PHYSICAL_PHYS}.{row.if_index}.1.4.{row.address}"] = phys
        if "ipnettomedia" in tables:
            out[f"{mibs.IP_NET_TO_MEDIA_PHYS}.{row.if_index}.{row.address}"] = phys
    return out


def lab_tables(
    kind: str,
    topology: Topology,
    plan: NetworkPlan,
    personas: Mapping[Path, Persona],
    own: Endpoint,
) -> dict[str, dict[str, str | int]]:
    """The tables of the lab's switch (``kind`` 'switch': every bridge port but its own
    management port, numbered from 1 in plan order and named as on the bridge, MACs with
    VLAN, the router's ports with the router as LLDP neighbour) or router ('router': ARP
    entries of every host in a routed subnet and of its own interfaces eth0, eth1...) or
    recorder ('recorder': see :func:`recorder_tables`), as JSON."""
    router_ports = {ep.port for ep in plan.router}
    routed_vlans = {ep.vlan for ep in plan.router}
    data: dict[str, SnmpValue]
    if kind == "recorder":
        data = recorder_tables(topology, plan, personas, own)
    elif kind == "switch":
        router_name = "router"
        if (path := topology.router_path()) is not None:
            snmp = personas[path].snmp
            router_name = (snmp.sys_name if snmp else None) or router_name
        ports = [
            SwitchPort(
                number,
                ep.port,
                ((ep.mac, ep.vlan or 1),),
                lldp_neighbour=router_name if ep.port in router_ports else None,
            )
            for number, ep in enumerate(plan.endpoints, start=1)
            # a private (unrouted) segment, such as a recorder's PoE side, is not this switch
            if ep is not own and ep.mac and (not plan.router or ep.vlan in routed_vlans)
        ]
        data = switch_tables(ports)
    else:
        interfaces = {ep.iface: i for i, ep in enumerate(plan.router, start=1)}
        nets = [(interfaces[ep.iface], _net(a, p)) for ep in plan.router for a, p in ep.addresses]
        rows = [  # its own interfaces too, as routers list them (Cisco: age "-")
            ArpRow(index, str(addr), ep.mac)
            for ep in plan.endpoints
            if ep.mac
            for addr, _ in ep.addresses
            for index, net in nets
            if addr in net
        ]
        data = switch_tables((), rows, interfaces=[(i, n) for n, i in interfaces.items()])
    return {oid: value.model_dump(mode="json") for oid, value in data.items()}


#: ifIndex of a lab recorder's own interfaces (its PoE ports are 1..slots).
RECORDER_IFACES = ((101, "eth0"), (102, "eth1"))


def recorder_tables(
    topology: Topology, plan: NetworkPlan, personas: Mapping[Path, Persona], own: Endpoint
) -> dict[str, SnmpValue]:
    """A recorder's built-in PoE switch as its SNMP agent shows it: PoE ports ``PoE1``..``PoEn``
    (n = the persona's ``recorder.slots``, at least its channel count), the camera of channel
    N plugged into port N (the lab's choice, as an installer using plug-and-play would) and
    learned there with its real lab MAC (BRIDGE-MIB dot1dTpFdbTable, no VLAN: the PoE side is
    one segment), and the recorder's ARP entries for those cameras on its PoE-side interface
    ``eth1`` (IP-MIB). Empty for a recorder without channels."""
    address = own.addresses[0][0] if own.addresses else None
    host = next((h for h in topology.hosts if h.address == address), None)
    if host is None or not host.channels:
        return {}
    recorder = personas[topology.persona_path(host)].recorder
    slots = max(recorder.slots if recorder else 0, len(host.channels))
    mac_of = {str(a): ep.mac for ep in plan.endpoints if ep.mac for a, _ in ep.addresses}
    ports = [
        SwitchPort(n, f"PoE{n}", ((mac, 1),) if (mac := mac_of.get(str(cam))) else ())
        for n, cam in enumerate([*host.channels, *([None] * (slots - len(host.channels)))], 1)
    ]
    rows = [
        ArpRow(RECORDER_IFACES[1][0], str(cam), mac)
        for cam in host.channels
        if (mac := mac_of.get(str(cam)))
    ]
    return switch_tables(
        ports, rows, interfaces=RECORDER_IFACES,
        tables=frozenset({"ifname", "bridge", "ipnettophysical", "ipnettomedia"}),
    )  # fmt: skip


def _net(addr: IPv4Address, plen: int) -> IPv4Network:
    return IPv4Network(f"{addr}/{plen}", strict=False)
