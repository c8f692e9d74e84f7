"""A switch as a real pysnmp agent on 127.x, serving tables built by camscan.lab.infra."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from camscan.lab.device import start_device
from camscan.lab.infra import ArpRow, SwitchPort, switch_tables
from camscan.lab.persona import Persona, SnmpConfig, SnmpUser
from camscan.snmp import SnmpAuth

PORT = 16162
COMMUNITY = "sw-community-7"
AUTH_PASS = "auth-Secret-81"
PRIV_PASS = "priv-Secret-82"
USER = SnmpUser(user="audit", auth_protocol="sha256", auth_password=AUTH_PASS,
                priv_protocol="aes256", priv_password=PRIV_PASS)  # fmt: skip
V2C = SnmpAuth(version=2, community=COMMUNITY)
V3 = SnmpAuth(version=3, user="audit", auth_protocol="sha256", auth_password=AUTH_PASS,
              priv_protocol="aes256", priv_password=PRIV_PASS)  # fmt: skip

CAM1, CAM2, PC = "c0:56:e3:00:00:01", "3c:ef:8c:00:00:02", "00:00:5e:00:53:10"
ROUTER = "00:00:5e:00:53:01"
# Port 24 is an uplink: an LLDP neighbour and every MAC of the floor above behind it.
UPSTAIRS = tuple((f"00:00:5e:00:53:{i:02x}", 20) for i in range(0x20, 0x28))
PORTS = (
    SwitchPort(1, "Gi1/0/1", ((CAM1, 20),)),
    SwitchPort(2, "Gi1/0/2", ((CAM2, 20), (PC, 10))),
    SwitchPort(23, "Gi1/0/23", ((ROUTER, 10), (ROUTER, 20)), lldp_neighbour="core-rtr"),
    SwitchPort(24, "Gi1/0/24", UPSTAIRS),
)
ARP = (
    ArpRow(100, "192.0.2.21", CAM1),
    ArpRow(100, "192.0.2.22", CAM2),
    ArpRow(101, "198.51.100.10", PC),
)


def switch_persona(
    tables: frozenset[str] | None = None, arp: tuple[ArpRow, ...] = ()
) -> tuple[Persona, dict[str, object]]:
    kw = {"tables": tables} if tables is not None else {}
    rows = (*ARP, *arp)
    data = switch_tables(PORTS, rows, interfaces=((100, "Vlan20"), (101, "Vlan10")), **kw)  # type: ignore[arg-type]
    snmp = SnmpConfig(port=PORT, community=COMMUNITY, v3_users=(USER,), sys_name="access-sw3")
    return Persona(id="switch", device_type="switch", mac="00:00:5e:00:53:02", snmp=snmp), data  # type: ignore[return-value]


@contextlib.asynccontextmanager
async def switch(address: str, tables: frozenset[str] | None = None) -> AsyncIterator[str]:
    persona, data = switch_persona(tables)
    device = await start_device(persona, address, snmp_tables=data)  # type: ignore[arg-type]
    try:
        yield address
    finally:
        await device.aclose()
