"""A lab recorder's PoE switch over SNMP: the routed topology's tables, served by the NVR
persona's real pysnmp agent on 127.x and read back with camscan's own ``read_view``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from camscan.discover.base import DiscoverySettings
from camscan.discover.infra import InfraDiscovery
from camscan.infra.config import InfraConfig, infra_targets
from camscan.infra.locate import agent_tables
from camscan.infra.mibs import read_view
from camscan.lab.device import start_device
from camscan.lab.infra import lab_tables
from camscan.lab.persona import SnmpValue
from camscan.lab.plan import plan_network
from camscan.lab.topology import load_personas, load_topology
from camscan.snmp import SnmpAuth, SnmpSession, SnmpTarget
from tests.helpers import REPO

EXAMPLES = REPO / "examples" / "lab"
PORT = 16163
ROUTED = {  # recorder → cameras on channels 1..N, as examples/lab/routed.yaml lists them
    "192.0.2.26": ("203.0.113.10", "203.0.113.11", "203.0.113.12"),
    "192.0.2.27": ("203.0.113.140", "203.0.113.141", "203.0.113.142", "203.0.113.143"),
}


@contextlib.asynccontextmanager
async def nvr_agent(address: str, nvr: str) -> AsyncIterator[tuple[SnmpAuth, dict[str, Any]]]:
    """The routed lab's NVR ``nvr`` persona's real SNMP agent on ``address`` (UDP ``PORT``),
    serving the recorder tables the lab writes; yields its v2c auth and the lab's endpoints."""
    topology = load_topology(EXAMPLES / "routed.yaml")
    plan = plan_network(topology, "cs-abcdef")
    personas = load_personas(topology)
    by_address = {str(ep.addresses[0][0]): ep for ep in plan.hosts}
    host = next(h for h in topology.hosts if str(h.address) == nvr)
    persona = personas[topology.persona_path(host)]
    assert persona.snmp is not None
    assert persona.snmp.infra_tables == "recorder"
    assert persona.snmp.community is not None
    data = lab_tables("recorder", topology, plan, personas, by_address[nvr])
    tables = {oid: SnmpValue.model_validate(v) for oid, v in data.items()}
    rehomed = persona.model_copy(update={"snmp": persona.snmp.model_copy(update={"port": PORT})})
    device = await start_device(rehomed, address, snmp_tables=tables)
    try:
        yield SnmpAuth(version=2, community=persona.snmp.community), by_address
    finally:
        await device.aclose()


@pytest.mark.parametrize("nvr", sorted(ROUTED))
async def test_each_nvr_serves_its_cameras_real_macs_on_its_poe_ports(
    loopback: str, nvr: str
) -> None:
    """Channel N's camera is learned on port PoE N with the MAC the lab gives its namespace's
    veth, and is in the recorder's ARP table: what a scan applies to this recorder's cameras."""
    async with (
        nvr_agent(loopback, nvr) as (auth, by_address),
        SnmpSession(loopback, auth, port=PORT) as session,
    ):
        view = await read_view(session, nvr)
    assert view.failures == ()
    assert sorted(view.if_names.values())[:8] == sorted(f"PoE{n}" for n in range(1, 9))
    found = agent_tables(view)
    assert len(found.arp) == len(ROUTED[nvr])
    for port, address in enumerate(ROUTED[nvr], start=1):
        mac = by_address[address].mac
        assert mac is not None
        assert found.arp[address].mac == mac
        location = found.locations[mac]
        assert (location.switch, location.port, location.vlan) == (nvr, f"PoE{port}", None)
        assert location.source == f"snmp {nvr} BRIDGE-MIB dot1dTpFdbTable"


async def test_a_recorder_agent_locates_only_its_own_cameras(loopback: str) -> None:
    """Marked ``recorder`` (the lab's scan.toml does), an NVR's PoE-side ARP entries become no
    hosts and its FDB no building-wide locations (a PoE address may be a building address
    too); its tables are kept for its own cameras. Unmarked, they would be taken as hosts."""
    async with nvr_agent(loopback, "192.0.2.26") as (auth, _):
        marked = await InfraDiscovery().discover(
            DiscoverySettings(infra=(SnmpTarget(loopback, auth, PORT, recorder=True),))
        )
        plain = await InfraDiscovery().discover(
            DiscoverySettings(infra=(SnmpTarget(loopback, auth, PORT),))
        )
    assert (marked.hosts, dict(marked.locations)) == ((), {})
    assert sorted(marked.agents[loopback].arp) == sorted(ROUTED["192.0.2.26"])
    (attempt,) = marked.attempts
    assert attempt.reason.endswith("(recorder: for the cameras behind it only)")
    assert sorted(h.address for h in plain.hosts) == sorted(ROUTED["192.0.2.26"])


def test_recorder_flag_needs_a_host_and_reaches_the_target() -> None:
    with pytest.raises(ValueError, match="recorder = true needs"):
        InfraConfig(community_env="X", recorder=True)
    table = InfraConfig(host="192.0.2.26", community_env="NVR_COMMUNITY", recorder=True)
    (target,) = infra_targets([], [table], env={"NVR_COMMUNITY": "c-7"})
    assert (target.host, target.recorder) == ("192.0.2.26", True)


def test_a_recorder_without_channels_serves_no_tables() -> None:
    topology = load_topology(EXAMPLES / "building.yaml")
    plan = plan_network(topology, "cs-abcdef")
    nvr = next(ep for ep in plan.hosts if str(ep.addresses[0][0]) == "192.0.2.26")
    assert lab_tables("recorder", topology, plan, load_personas(topology), nvr) == {}


async def test_a_named_agent_is_found_by_its_address_too() -> None:
    """A recorder named in [[infra]] by host name is matched to the recorder the scan reached
    by address (``localhost``: /etc/hosts, no query leaves the machine)."""
    from camscan.discover.infra import _addresses

    assert await _addresses("192.0.2.26") == ["192.0.2.26"]
    named = await _addresses("localhost")
    assert named[0] == "localhost"
    assert "127.0.0.1" in named
