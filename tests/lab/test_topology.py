"""The topology loader: TEST-NET only, consistent addresses and MACs, every example loads."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
import yaml

from camscan.lab.persona import PersonaError, load_persona
from camscan.lab.plan import plan_network
from camscan.lab.topology import (
    TopologyError,
    host_mac,
    load_personas,
    load_topology,
    parse_topology,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "lab"
PERSONA = "personas/workstation-linux.yaml"


def topo(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "t",
        "subnets": ["192.0.2.0/24"],
        "auditor": "192.0.2.250",
        "hosts": [{"address": "192.0.2.10", "persona": PERSONA}],
    }
    data.update(overrides)
    return data


def parse(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return parse_topology(data, base_dir=EXAMPLES, origin="t.yaml")


@pytest.mark.parametrize(
    "subnet", ["10.0.0.0/24", "192.168.1.0/24", "172.16.0.0/24", "8.8.8.0/24", "192.0.2.0/23"]
)
def test_refuses_networks_outside_test_net(subnet: str) -> None:
    with pytest.raises(TopologyError, match="TEST-NET"):
        parse(topo(subnets=[subnet], auditor=subnet.split("/")[0][:-1] + "1", hosts=[]))


def test_refuses_scan_targets_outside_test_net() -> None:
    with pytest.raises(TopologyError, match="TEST-NET"):
        parse(topo(scan=["10.1.2.0/24"]))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hosts": [{"address": "198.51.100.5", "persona": PERSONA}]}, "none of the subnets"),
        ({"hosts": [{"address": "192.0.2.255", "persona": PERSONA}]}, "broadcast"),
        ({"hosts": [{"address": "192.0.2.250", "persona": PERSONA}]}, "used twice"),
        (
            {"hosts": [{"address": "192.0.2.9", "persona": PERSONA}] * 2},
            "used twice",
        ),
        ({"subnets": ["192.0.2.0/24", "192.0.2.128/25"]}, "overlap"),
        (
            {
                "subnets": ["192.0.2.0/24", "198.51.100.0/24"],
                "hosts": [{"address": "198.51.100.5", "persona": PERSONA}],
            },
            "neither the auditor nor the router has an address",
        ),
        ({"auditor": ["192.0.2.250", "192.0.2.251"]}, "two addresses"),
        (
            {"hosts": [{"address": "192.0.2.10", "persona": PERSONA, "mac": "01:00:5e:00:00:01"}]},
            "multicast",
        ),
        ({"prefix": "lab"}, "prefix"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_rejects_inconsistent_topologies(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(TopologyError, match=message):
        parse(topo(**overrides))


def test_error_names_file_and_field() -> None:
    with pytest.raises(TopologyError) as err:
        parse(topo(hosts=[{"address": "192.0.2.10", "persona": PERSONA, "mac": "zz"}]))
    assert "t.yaml: hosts[0].mac" in str(err.value)


def test_duplicate_mac_across_hosts_is_refused(tmp_path: Path) -> None:
    fixed = {"persona": str(EXAMPLES / PERSONA), "mac": "02:00:00:00:00:01"}
    data = topo(hosts=[{"address": "192.0.2.10", **fixed}, {"address": "192.0.2.11", **fixed}])
    with pytest.raises(TopologyError, match="MAC"):
        parse(data)


def test_missing_persona_and_bad_yaml(tmp_path: Path) -> None:
    missing = tmp_path / "t.yaml"
    missing.write_text(
        "name: t\nsubnets: [192.0.2.0/24]\nauditor: 192.0.2.250\n"
        "hosts: [{address: 192.0.2.10, persona: nope.yaml}]\n"
    )
    with pytest.raises(TopologyError, match=r"nope\.yaml"):
        load_topology(missing)
    broken = tmp_path / "b.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(TopologyError, match="not valid YAML"):
        load_topology(broken)
    with pytest.raises(TopologyError, match="cannot read"):
        load_topology(tmp_path / "absent.yaml")


def test_macs_are_deterministic_distinct_and_follow_the_persona_oui() -> None:
    building = load_topology(EXAMPLES / "building.yaml")
    personas = load_personas(building)
    macs = [host_mac(h, personas[building.persona_path(h)]) for h in building.hosts]
    assert len(set(macs)) == len(macs)
    again = load_topology(EXAMPLES / "building.yaml")
    assert macs == [host_mac(h, load_personas(again)[again.persona_path(h)]) for h in again.hosts]
    for host, mac in zip(building.hosts, macs, strict=True):
        persona = personas[building.persona_path(host)]
        first = int(mac[:2], 16)
        assert first & 1 == 0, f"{host.address}: multicast MAC {mac}"
        if persona.oui:
            assert mac.startswith(persona.oui), (host.address, mac)
        elif persona.locally_administered:
            assert first & 2, f"{host.address}: {mac} is not locally administered"


def test_example_topologies_meet_their_promises() -> None:
    building = load_topology(EXAMPLES / "building.yaml")
    assert len(building.hosts) >= 40
    kinds = {load_persona(building.persona_path(h)).device_type for h in building.hosts}
    assert {"camera", "nvr", "printer", "pc", "router", "nas"} <= kinds
    large = load_topology(EXAMPLES / "large.yaml")
    swept = sum(net.num_addresses - 2 for net in large.scan_targets)
    assert swept >= 250
    assert len(large.hosts) <= swept // 10  # few live hosts among many silent addresses
    small = load_topology(EXAMPLES / "small.yaml")
    assert 5 <= len(small.hosts) <= 12


def test_plan_names_fit_kernel_limits() -> None:
    building = load_topology(EXAMPLES / "building.yaml")
    plan = plan_network(building, "cs-abcdef")
    assert len(set(plan.namespaces)) == len(building.hosts) + 2
    for ep in (plan.auditor, *plan.hosts):
        assert len(ep.iface) <= 15
        assert len(ep.port) <= 15
        assert ep.netns.startswith("cs-abcdef-")
    assert plan.hosts[0].addresses == ((IPv4Address("192.0.2.1"), 24),)


@pytest.mark.parametrize(
    "path", sorted((EXAMPLES / "personas").glob("*.yaml")), ids=lambda p: p.stem
)
def test_every_persona_loads(path: Path) -> None:
    try:
        persona = load_persona(path)
    except PersonaError as exc:
        if "unknown Types prefix" in str(exc):
            pytest.skip(f"{path.name}: camscan.lab.persona does not accept its WSD Types yet")
        raise
    assert persona.id == path.stem
    assert persona.description


def test_topologies_by_shipped_name_or_path(tmp_path: Path) -> None:
    import click

    from camscan.cli.lab import lab_dir, topology_path

    assert topology_path(None) == lab_dir() / "building.yaml"
    assert topology_path("small") == lab_dir() / "small.yaml"
    own = tmp_path / "mine.yaml"
    own.write_text("x: 1\n", encoding="utf-8")
    assert topology_path(str(own)) == own
    with pytest.raises(click.BadParameter, match=r"no such file or shipped topology \(.*small"):
        topology_path("tower")


ROUTED_BASE = {
    "subnets": ["198.51.100.0/24", "192.0.2.0/24"],
    "vlans": {"198.51.100.0/24": 10, "192.0.2.0/24": 20},
    "auditor": "198.51.100.250",
    "router": {"persona": PERSONA, "addresses": ["198.51.100.1", "192.0.2.1"]},
    "hosts": [{"address": "192.0.2.10", "persona": PERSONA}],
}


def test_routed_topology_reaches_hosts_through_the_router() -> None:
    t = parse(topo(**ROUTED_BASE))
    assert t.vlan_of(IPv4Address("192.0.2.10")) == 20
    assert t.router is not None
    assert t.router.mac == "00:00:5e:00:53:f0"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"vlans": {"198.51.100.0/24": 10}}, "needs a VLAN id"),
        ({"vlans": {"198.51.100.0/24": 10, "192.0.2.0/24": 10}}, "share a VLAN"),
        ({"router": {"persona": PERSONA, "addresses": ["192.0.2.1"]}}, "auditor's subnet"),
        (
            {"router": {"persona": PERSONA, "addresses": ["198.51.100.1", "198.51.100.2"]}},
            "two addresses",
        ),
        ({"router": {"persona": PERSONA, "addresses": ["10.0.0.1"]}}, "none of the subnets"),
        ({"auditor": ["198.51.100.250", "192.0.2.250"]}, "one auditor address"),
    ],
)
def test_rejects_inconsistent_routed_topologies(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(TopologyError, match=message):
        parse(topo(**{**ROUTED_BASE, **overrides}))


def test_vlans_need_a_router() -> None:
    with pytest.raises(TopologyError, match="vlans need a router"):
        parse(topo(vlans={"192.0.2.0/24": 20}))


def test_routed_plan_and_lab_tables_match_the_real_ports_and_macs() -> None:
    from camscan.lab.infra import lab_tables
    from camscan.lab.topology import load_personas

    t = load_topology(EXAMPLES / "routed.yaml")
    plan = plan_network(t, "cs-abcdef")
    assert [ep.port for ep in plan.router] == ["r10", "r20"]
    assert {ep.bridge for ep in plan.endpoints} == {"br10", "br20", "br30", "br31"}  # 2 PoE sides
    assert plan.auditor.routes == ("192.0.2.0/24 via 198.51.100.1",)
    cam = next(ep for ep in plan.hosts if ep.addresses[0][0] == IPv4Address("192.0.2.20"))
    assert cam.routes == ("default via 192.0.2.1",)
    personas = load_personas(t)
    switch_ep = next(ep for ep in plan.hosts if ep.addresses[0][0] == IPv4Address("198.51.100.2"))
    switch = lab_tables("switch", t, plan, personas, switch_ep)
    arcs = ".".join(str(int(o, 16)) for o in (cam.mac or "").split(":"))
    number = [ep.port for ep in plan.endpoints].index(cam.port) + 1
    assert switch[f"1.3.6.1.2.1.17.7.1.2.2.1.2.20.{arcs}"] == {"type": "integer", "value": number}
    assert switch[f"1.3.6.1.2.1.31.1.1.1.1.{number}"]["value"] == cam.port
    router = lab_tables("router", t, plan, personas, plan.router[0])
    mac_hex = (cam.mac or "").replace(":", "")
    assert router["1.3.6.1.2.1.4.35.1.4.2.1.4.192.0.2.20"]["value"] == mac_hex  # on eth1


POE = {
    **ROUTED_BASE,
    "subnets": [*ROUTED_BASE["subnets"], "203.0.113.0/24"],
    "vlans": {**ROUTED_BASE["vlans"], "203.0.113.0/24": 30},
    "hosts": [
        {"address": "192.0.2.26", "persona": PERSONA, "links": ["203.0.113.1"]},
        {"address": "203.0.113.10", "persona": PERSONA},
    ],
}


def test_a_recorder_link_makes_a_private_segment() -> None:
    t = parse(topo(**POE))
    plan = plan_network(t, "cs-abcdef")
    (link,) = plan.links
    assert (link.netns, link.iface, link.port, link.bridge) == (
        "cs-abcdef-h1",
        "eth1",
        "p1l1",
        "br30",
    )
    camera = plan.hosts[1]
    assert (camera.bridge, camera.routes) == ("br30", ())  # not routed: no gateway


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        ([{"address": "192.0.2.26", "persona": PERSONA, "links": ["192.0.2.27"]}], "two addresses"),
        (
            [{"address": "192.0.2.26", "persona": PERSONA, "links": ["198.51.100.250"]}],
            "used twice",
        ),
        ([{"address": "203.0.113.10", "persona": PERSONA}], "neither the auditor"),
    ],
)
def test_rejects_inconsistent_links(hosts: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(TopologyError, match=message):
        parse(topo(**{**POE, "hosts": hosts}))


def test_links_need_a_router() -> None:
    hosts = [{"address": "192.0.2.26", "persona": PERSONA, "links": ["198.51.100.1"]}]
    with pytest.raises(TopologyError, match="links need a routed topology"):
        parse(topo(subnets=["192.0.2.0/24", "198.51.100.0/24"], hosts=hosts))


NVR = "personas/hikvision-nvr-ds7608ni.yaml"
CAM = "personas/axis-m1065.yaml"
RECORDER = {
    **POE,
    "hosts": [
        {"address": "192.0.2.26", "persona": NVR, "links": ["203.0.113.1"],
         "credentials": {"username": "audit", "password": "Lab-NVR-pass"},
         "channels": ["203.0.113.10"]},
        {"address": "203.0.113.10", "persona": CAM},
        {"address": "192.0.2.30", "persona": CAM},
    ],
}  # fmt: skip


def test_a_recorder_plan_names_its_cameras_and_how_it_reaches_them(tmp_path: Path) -> None:
    from camscan.lab.logins import recorder_plan, write_scan_config
    from camscan.lab.topology import load_personas

    t = parse(topo(**RECORDER))
    personas = load_personas(t)
    plan = recorder_plan(t, t.hosts[0], personas)
    (channel,) = plan.channels
    assert (plan.username, plan.password) == ("audit", "Lab-NVR-pass")
    assert (channel.channel, channel.address, channel.protocol, channel.port) == (
        1, "203.0.113.10", "ONVIF", 80,
    )  # fmt: skip
    config = write_scan_config(t, personas, tmp_path)
    assert config is not None
    assert config.stat().st_mode & 0o777 == 0o600
    text = config.read_text()
    assert '[[credentials]]\nhosts = ["192.0.2.26"]\nusername = "audit"' in text
    assert "Lab-NVR-pass" not in text  # only the file that holds it
    assert (tmp_path / "h1.password").read_text() == "Lab-NVR-pass\n"


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        (["192.0.2.30"], "not a host on its PoE side"),  # routed, not behind the recorder
        (["203.0.113.99"], "not a host on its PoE side"),  # nobody there
    ],
)
def test_rejects_channels_off_the_poe_side(channels: list[str], message: str) -> None:
    hosts = [{**RECORDER["hosts"][0], "channels": channels}, *RECORDER["hosts"][1:]]
    with pytest.raises(TopologyError, match=message):
        parse(topo(**{**RECORDER, "hosts": hosts}))


def test_channels_need_a_recorder_persona(tmp_path: Path) -> None:
    data = topo(**RECORDER)
    data["hosts"][0] = {**data["hosts"][0], "persona": CAM}
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data).replace("personas/", f"{EXAMPLES}/personas/"))
    with pytest.raises(TopologyError, match="channels need a recorder persona") as caught:
        load_topology(path)
    assert str(caught.value).count("\n") == 0  # the one problem, every persona found
