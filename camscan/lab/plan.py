"""The network plan of a lab: every namespace, interface, address, MAC and route, named
before anything is created."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from camscan.lab import netns as nsmod
from camscan.lab.topology import Topology, host_mac, load_personas

#: The auditor's MAC in a routed lab (locally administered), so the switch tables can name it.
AUDITOR_MAC = "02:00:00:00:00:fa"


def router_mac(first: str, index: int) -> str:
    """The MAC of a router's or host's ``eth<index>``: its first MAC, last octet advanced."""
    head, last = first.rsplit(":", 1)
    return f"{head}:{(int(last, 16) + index) % 256:02x}"


def _gateway(topology: Topology, addr: IPv4Address) -> IPv4Address | None:
    """The router's address in ``addr``'s subnet (None when not routed)."""
    if topology.router is None:
        return None
    net = IPv4Network(f"{addr}/{topology.prefixlen(addr)}", strict=False)
    return next((r for r in topology.router.addresses if r in net), None)


def plan_network(topology: Topology, lab_id: str) -> nsmod.NetworkPlan:
    """Name every namespace and interface of a lab before creating anything."""
    personas = load_personas(topology)
    addrs = tuple((a, topology.prefixlen(a)) for a in topology.auditor)
    router: tuple[nsmod.Endpoint, ...] = ()
    auditor_routes: tuple[str, ...] = ()
    if topology.router is not None:
        gateway = _gateway(topology, topology.auditor[0])
        auditor_routes = tuple(
            f"{net} via {gateway}"
            for net in topology.subnets
            if topology.auditor[0] not in net and any(r in net for r in topology.router.addresses)
        )
        router = tuple(
            nsmod.Endpoint(
                f"{lab_id}-rt",
                f"eth{i}",
                f"r{topology.vlan_of(a)}",
                router_mac(topology.router.mac, i),
                ((a, topology.prefixlen(a)),),
                vlan=topology.vlan_of(a),
            )
            for i, a in enumerate(topology.router.addresses)
        )
    auditor = nsmod.Endpoint(
        f"{lab_id}-aud",
        nsmod.DEVICE_IFACE,
        "p0",
        AUDITOR_MAC if router else None,
        addrs,
        vlan=topology.vlan_of(topology.auditor[0]),
        routes=auditor_routes,
    )
    hosts = []
    links = []
    for i, h in topology.iter_hosts():
        gateway = _gateway(topology, h.address)
        mac = host_mac(h, personas[topology.persona_path(h)])
        hosts.append(
            nsmod.Endpoint(
                f"{lab_id}-h{i}",
                nsmod.DEVICE_IFACE,
                f"p{i}",
                mac,
                ((h.address, topology.prefixlen(h.address)),),
                vlan=topology.vlan_of(h.address),
                routes=(f"default via {gateway}",) if gateway else (),
            )
        )
        links += [
            nsmod.Endpoint(
                f"{lab_id}-h{i}",
                f"eth{k}",
                f"p{i}l{k}",
                router_mac(mac, k),
                ((addr, topology.prefixlen(addr)),),
                vlan=topology.vlan_of(addr),
            )
            for k, addr in enumerate(h.links, start=1)
        ]
    return nsmod.NetworkPlan(lab_id, f"{lab_id}-br", auditor, tuple(hosts), router, tuple(links))
