"""What one switch or router knows, read over SNMP: ARP, FDB (with VLAN), ports and LLDP.

Tables and their MIBs (OIDs from the RFCs / IEEE MIB modules themselves):

- ARP: IP-MIB ``ipNetToPhysicalPhysAddress`` 1.3.6.1.2.1.4.35.1.4 (RFC 4293; index ifIndex,
  InetAddressType, InetAddress), falling back to the older ``ipNetToMediaPhysAddress``
  1.3.6.1.2.1.4.22.1.2 (RFC 1213/4293; index ifIndex + IPv4 address).
- FDB: Q-BRIDGE-MIB ``dot1qTpFdbPort`` 1.3.6.1.2.1.17.7.1.2.2.1.2 (RFC 4363; index FDB id +
  MAC; the FDB id is mapped to a VLAN by ``dot1qVlanFdbId`` 1.3.6.1.2.1.17.7.1.4.2.1.3, and
  taken as the VLAN id when that table is absent, as on most switches), falling back to
  BRIDGE-MIB ``dot1dTpFdbPort`` 1.3.6.1.2.1.17.4.3.1.2 (RFC 4188; index MAC, no VLAN).
  ``dot1dBasePortIfIndex`` 1.3.6.1.2.1.17.1.4.1.2 maps bridge ports to ifIndex.
- Port names: IF-MIB ``ifName`` 1.3.6.1.2.1.31.1.1.1.1 (RFC 2863), else ``ifDescr``
  1.3.6.1.2.1.2.2.1.2.
- LLDP neighbours: LLDP-MIB (IEEE 802.1AB) ``lldpRemSysName`` 1.0.8802.1.1.2.1.4.1.1.9
  (index timeMark, lldpLocalPortNum, lldpRemIndex); on a bridge the local port number equals
  ``dot1dBasePort`` (LLDP-MIB, LldpPortNumber).
- ``sysName`` 1.3.6.1.2.1.1.5.0 (SNMPv2-MIB, RFC 3418) names the switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from camscan.sanitize import device_text
from camscan.snmp import SnmpFailure, SnmpSession, Value, WalkResult

SYS_NAME = "1.3.6.1.2.1.1.5.0"
IP_NET_TO_PHYSICAL_PHYS = "1.3.6.1.2.1.4.35.1.4"
IP_NET_TO_MEDIA_PHYS = "1.3.6.1.2.1.4.22.1.2"
DOT1Q_TP_FDB_PORT = "1.3.6.1.2.1.17.7.1.2.2.1.2"
DOT1Q_VLAN_FDB_ID = "1.3.6.1.2.1.17.7.1.4.2.1.3"
DOT1D_TP_FDB_PORT = "1.3.6.1.2.1.17.4.3.1.2"
DOT1D_BASE_PORT_IFINDEX = "1.3.6.1.2.1.17.1.4.1.2"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
LLDP_REM_SYS_NAME = "1.0.8802.1.1.2.1.4.1.1.9"


@dataclass(frozen=True)
class ArpEntry:
    """One IP → MAC binding from a router's ARP table."""

    address: str
    mac: str
    if_index: int
    table: str  # "ipNetToPhysicalTable" | "ipNetToMediaTable"


@dataclass(frozen=True)
class FdbEntry:
    """One MAC learned on a bridge port (and VLAN, from Q-BRIDGE-MIB)."""

    mac: str
    bridge_port: int
    vlan: int | None
    table: str  # "dot1qTpFdbTable" | "dot1dTpFdbTable"


@dataclass(frozen=True)
class InfraView:
    """Everything one agent told us; ``failures`` lists what could not be read, as text."""

    host: str
    sys_name: str = ""
    arp: tuple[ArpEntry, ...] = ()
    fdb: tuple[FdbEntry, ...] = ()
    port_ifindex: dict[int, int] = field(default_factory=dict)  # bridge port → ifIndex
    if_names: dict[int, str] = field(default_factory=dict)  # ifIndex → ifName/ifDescr
    lldp_ports: frozenset[int] = frozenset()  # bridge ports with an LLDP neighbour
    failures: tuple[str, ...] = ()
    refused: bool = False  # the agent refused the credentials (v3) or never answered

    @property
    def name(self) -> str:
        """sysName, else the address asked."""
        return self.sys_name or self.host

    def port_name(self, bridge_port: int) -> tuple[str, int | None]:
        """(ifName/ifDescr or 'port N', ifIndex) of a bridge port."""
        if_index = self.port_ifindex.get(bridge_port, bridge_port)
        return self.if_names.get(if_index, f"port {bridge_port}"), if_index


def mac_text(raw: bytes | tuple[int, ...]) -> str | None:
    """Six octets → 'aa:bb:cc:dd:ee:ff'; None for anything else (or all zeros)."""
    octets = bytes(raw) if isinstance(raw, tuple) else raw
    if len(octets) != 6 or not any(octets) or any(b > 255 for b in octets):
        return None
    return ":".join(f"{b:02x}" for b in octets)


def _text(value: Value, limit: int = 128) -> str:
    if isinstance(value, bytes):
        return device_text(value[: limit * 4].decode("utf-8", "replace"), limit)
    return "" if value is None else device_text(str(value), limit)


def parse_ip_net_to_physical(walk: WalkResult) -> list[ArpEntry]:
    """Index = ifIndex . addrType(1=ipv4) . [length 4] . a.b.c.d; value = MAC octets."""
    out = []
    for index, value in walk.by_index():
        if len(index) < 6 or index[1] != 1 or not isinstance(value, bytes):
            continue
        addr = index[3:] if len(index) == 7 and index[2] == 4 else index[2:]
        mac = mac_text(value)
        if len(addr) == 4 and mac and all(a <= 255 for a in addr):
            out.append(ArpEntry(".".join(map(str, addr)), mac, index[0], "ipNetToPhysicalTable"))
    return out


def parse_ip_net_to_media(walk: WalkResult) -> list[ArpEntry]:
    """Index = ifIndex . a.b.c.d; value = MAC octets."""
    out = []
    for index, value in walk.by_index():
        if len(index) != 5 or not isinstance(value, bytes) or any(a > 255 for a in index[1:]):
            continue
        if mac := mac_text(value):
            out.append(ArpEntry(".".join(map(str, index[1:])), mac, index[0], "ipNetToMediaTable"))
    return out


def parse_dot1q_fdb(walk: WalkResult, fid_to_vlan: dict[int, int]) -> list[FdbEntry]:
    """Index = FDB id . MAC(6); value = bridge port (0 = unknown port, skipped)."""
    out = []
    for index, value in walk.by_index():
        if len(index) != 7 or not isinstance(value, int) or value <= 0:
            continue
        if mac := mac_text(index[1:]):
            vlan = fid_to_vlan.get(index[0], index[0])
            out.append(FdbEntry(mac, value, vlan, "dot1qTpFdbTable"))
    return out


def parse_dot1d_fdb(walk: WalkResult) -> list[FdbEntry]:
    """Index = MAC(6); value = bridge port."""
    out = []
    for index, value in walk.by_index():
        if len(index) == 6 and isinstance(value, int) and value > 0 and (mac := mac_text(index)):
            out.append(FdbEntry(mac, value, None, "dot1dTpFdbTable"))
    return out


def parse_int_column(walk: WalkResult) -> dict[int, int]:
    """A single-index integer column (dot1dBasePortIfIndex): index → value."""
    return {i[0]: v for i, v in walk.by_index() if len(i) == 1 and isinstance(v, int)}


def parse_vlan_fdb_ids(walk: WalkResult) -> dict[int, int]:
    """dot1qVlanFdbId, index timeMark . vlan → fdbId; returned as fdbId → vlan."""
    return {v: i[1] for i, v in walk.by_index() if len(i) == 2 and isinstance(v, int)}


def parse_names(walk: WalkResult) -> dict[int, str]:
    """ifName / ifDescr: ifIndex → printable name."""
    return {i[0]: t for i, v in walk.by_index() if len(i) == 1 and (t := _text(v, 64))}


def parse_lldp_ports(walk: WalkResult) -> frozenset[int]:
    """Local port numbers with at least one LLDP neighbour (index timeMark . port . index)."""
    return frozenset(i[1] for i, _ in walk.by_index() if len(i) == 3)


async def read_view(session: SnmpSession, host: str) -> InfraView:
    """Walk every table of one agent; a table that fails is named in ``failures``."""
    failures: list[str] = []

    def note(walk: WalkResult, name: str) -> WalkResult:
        if walk.failure is not None:
            failures.append(f"{name}: {walk.failure.message}")
        return walk

    values, failure = await session.get((SYS_NAME,))
    if failure is not None:  # nothing answers (or the credentials are refused): stop here
        return InfraView(host, failures=(failure.message,), refused=True)
    sys_name = _text(values.get(SYS_NAME), 64)
    arp = parse_ip_net_to_physical(note(await session.walk(IP_NET_TO_PHYSICAL_PHYS), "ARP"))
    if not arp:
        arp = parse_ip_net_to_media(note(await session.walk(IP_NET_TO_MEDIA_PHYS), "ARP"))
    fids = parse_vlan_fdb_ids(await session.walk(DOT1Q_VLAN_FDB_ID))
    fdb = parse_dot1q_fdb(note(await session.walk(DOT1Q_TP_FDB_PORT), "Q-BRIDGE FDB"), fids)
    if not fdb:
        fdb = parse_dot1d_fdb(note(await session.walk(DOT1D_TP_FDB_PORT), "BRIDGE FDB"))
    port_ifindex = parse_int_column(await session.walk(DOT1D_BASE_PORT_IFINDEX))
    names = parse_names(await session.walk(IF_DESCR))
    names.update(parse_names(await session.walk(IF_NAME)))  # ifName wins over ifDescr
    lldp = parse_lldp_ports(await session.walk(LLDP_REM_SYS_NAME))
    return InfraView(
        host=host,
        sys_name=sys_name,
        arp=tuple(arp),
        fdb=tuple(fdb),
        port_ifindex=port_ifindex,
        if_names=names,
        lldp_ports=lldp,
        failures=tuple(failures),
    )


__all__ = ["ArpEntry", "FdbEntry", "InfraView", "SnmpFailure", "read_view"]
