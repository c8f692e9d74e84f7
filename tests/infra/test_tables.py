"""Reading ARP, FDB (Q-BRIDGE and BRIDGE), port names and LLDP from a real agent; edge ports."""

from __future__ import annotations

from dataclasses import replace

import pytest

from camscan.infra.locate import arp_bindings, edge_locations
from camscan.infra.mibs import FdbEntry, InfraView, read_view
from camscan.snmp import SnmpSession
from tests.infra.agents import CAM1, CAM2, PC, PORT, ROUTER, UPSTAIRS, V2C, V3, switch

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.parametrize("auth", [V2C, V3], ids=["v2c", "v3-authPriv"])
async def test_full_view_and_edge_locations(loopback: str, auth: object) -> None:
    async with switch(loopback), SnmpSession(loopback, auth, port=PORT) as s:  # type: ignore[arg-type]
        view = await read_view(s, loopback)
    assert view.failures == ()
    assert view.sys_name == "access-sw3"
    assert {(e.address, e.mac) for e in view.arp} == {
        ("192.0.2.21", CAM1), ("192.0.2.22", CAM2), ("198.51.100.10", PC),
    }  # fmt: skip
    assert {e.table for e in view.arp} == {"ipNetToPhysicalTable"}
    assert view.lldp_ports == frozenset({23})
    locations = edge_locations([view])
    assert (locations[CAM1].port, locations[CAM1].vlan) == ("Gi1/0/1", 20)
    assert locations[CAM1].switch == "access-sw3"
    assert locations[CAM1].source == f"snmp {loopback} Q-BRIDGE-MIB dot1qTpFdbTable"
    assert (locations[CAM2].port, locations[PC].port, locations[PC].vlan) == (
        "Gi1/0/2",
        "Gi1/0/2",
        10,
    )
    assert ROUTER not in locations  # only seen on the LLDP port towards the router
    assert not any(mac in locations for mac, _ in UPSTAIRS)  # 8 MACs on port 24: an uplink
    bindings = arp_bindings([view])
    assert bindings["192.0.2.21"].mac == CAM1
    assert bindings["192.0.2.21"].source == f"snmp {loopback} IP-MIB ipNetToPhysicalTable"


async def test_fallbacks_ipnettomedia_bridge_mib_and_ifdescr(loopback: str) -> None:
    old = frozenset({"ipnettomedia", "bridge"})  # an older agent: no ifName, no Q-BRIDGE, no LLDP
    async with switch(loopback, old), SnmpSession(loopback, V2C, port=PORT) as s:
        view = await read_view(s, loopback)
    assert {e.table for e in view.arp} == {"ipNetToMediaTable"}
    assert {(e.address, e.mac) for e in view.arp} >= {("192.0.2.21", CAM1)}
    assert {e.table for e in view.fdb} == {"dot1dTpFdbTable"}
    loc = edge_locations([view])[CAM2]
    assert (loc.port, loc.vlan) == ("Gi1/0/2", None)  # ifDescr, and BRIDGE-MIB has no VLAN
    assert loc.source.endswith("BRIDGE-MIB dot1dTpFdbTable")


async def test_wrong_v3_pass_phrase_is_refused_without_leaking_it(loopback: str) -> None:
    wrong = replace(V3, auth_password="Not-The-Pass-1")
    async with switch(loopback), SnmpSession(loopback, wrong, port=PORT, timeout=0.5) as s:
        view = await read_view(s, loopback)
    assert view.refused
    assert "refused" in view.failures[0]
    assert "Not-The-Pass-1" not in repr(view)
    assert view.arp == ()


async def test_silent_agent_is_refused_quickly(loopback: str) -> None:
    async with SnmpSession(loopback, V2C, port=PORT, timeout=0.3, retries=0) as s:
        view = await read_view(s, loopback)
    assert view.refused
    assert "no SNMP reply" in view.failures[0]


async def test_edge_port_of_the_access_switch_beats_the_core_uplink() -> None:
    core = InfraView(
        "198.51.100.1",
        sys_name="core",
        fdb=(FdbEntry(CAM1, 7, 20, "dot1qTpFdbTable"), FdbEntry(PC, 3, 10, "dot1qTpFdbTable")),
        if_names={7: "Te1/1/1", 3: "Gi1/0/3"},
        lldp_ports=frozenset({7}),  # port 7 leads to the access switch
    )
    access = InfraView(
        "198.51.100.2",
        sys_name="access",
        fdb=(FdbEntry(CAM1, 5, 20, "dot1qTpFdbTable"), FdbEntry(CAM2, 5, 20, "dot1qTpFdbTable")),
        if_names={5: "Gi1/0/5"},
    )
    for views in ([core, access], [access, core]):
        locations = edge_locations(views)
        assert (locations[CAM1].switch, locations[CAM1].port) == ("access", "Gi1/0/5")
        assert (locations[PC].switch, locations[PC].port) == ("core", "Gi1/0/3")


async def test_fewest_macs_wins_between_two_edge_ports() -> None:
    a = InfraView("a", fdb=tuple(FdbEntry(m, 1, None, "dot1dTpFdbTable") for m in (CAM1, CAM2, PC)))
    b = InfraView("b", fdb=(FdbEntry(CAM1, 9, None, "dot1dTpFdbTable"),))
    assert edge_locations([a, b])[CAM1].switch == "b"
    assert edge_locations([a, b])[CAM2].port == "port 1"  # no ifName/ifDescr: the number
