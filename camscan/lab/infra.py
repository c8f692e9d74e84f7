"""The lab's own network as SNMP tables, for an infrastructure persona (``snmp.infra_tables``).

The lab knows every port of its switch (the bridge's ``pN`` veths), which MAC sits behind each
and in which VLAN, and which addresses the router has resolved; :func:`switch_tables` writes
that as the OIDs a real L3 switch serves (IF-MIB ifDescr/ifName, BRIDGE-MIB
dot1dBasePortIfIndex and dot1dTpFdbTable, Q-BRIDGE-MIB dot1qTpFdbTable, IP-MIB
ipNetToPhysicalTable and ipNetToMediaTable, LLDP-MIB lldpRemSysName; OIDs as cited in
:mod:`camscan.infra.mibs`). The device process reads them with ``--snmp-tables FILE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from camscan.infra import mibs
from camscan.lab.persona import SnmpValue

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
