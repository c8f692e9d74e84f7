"""The interface from the routing table, as nmap picks it (parsed from fixture text only)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from camscan.netroute import best_route, parse_routes, plan_link

# /proc/net/route of a laptop: default via 198.51.100.1 on wlan0, 198.51.100.0/24 on wlan0,
# a camera VLAN 203.0.113.0/24 on-link on eth1 and a down (flags 0) route.
ROUTES = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t016433C6\t0003\t0\t0\t600\t00000000\t0\t0\t0
wlan0\t006433C6\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
eth1\t007100CB\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
eth2\t000200C0\t00000000\t0000\t0\t0\t0\t00FFFFFF\t0\t0\t0
garbage line
"""


def test_parse_routes_reads_gateways_and_skips_down_routes() -> None:
    routes = parse_routes(ROUTES)
    assert [(str(r.network), r.iface, r.gateway) for r in routes] == [
        ("0.0.0.0/0", "wlan0", "198.51.100.1"),
        ("198.51.100.0/24", "wlan0", None),
        ("203.0.113.0/24", "eth1", None),
    ]


def test_longest_prefix_wins() -> None:
    routes = parse_routes(ROUTES)
    assert best_route(IPv4Address("203.0.113.7"), routes).iface == "eth1"  # type: ignore[union-attr]
    via = best_route(IPv4Address("192.0.2.7"), routes)
    assert via is not None
    assert via.gateway == "198.51.100.1"


def test_on_link_scope_picks_its_interface() -> None:
    plan = plan_link([IPv4Network("203.0.113.0/24")], None, parse_routes(ROUTES))
    assert plan.iface == "eth1"
    assert plan.chosen_by == "routing table"


def test_routed_scope_says_via_which_gateway() -> None:
    plan = plan_link([IPv4Network("192.0.2.0/24")], None, parse_routes(ROUTES))
    assert plan.iface is None
    assert plan.reason == "targets routed via 198.51.100.1"


def test_loopback_and_unroutable_scopes_say_so() -> None:
    assert plan_link([IPv4Network("127.0.0.5/32")], None, []).reason.startswith(
        "targets on loopback"
    )
    assert plan_link([IPv4Network("192.0.2.0/24")], None, []).reason == "no route to the targets"


def test_iface_overrides_the_routing_table() -> None:
    plan = plan_link([IPv4Network("203.0.113.0/24")], "lo", parse_routes(ROUTES))
    assert plan.iface == "lo"
    assert plan.chosen_by == "--iface"
    assert plan.on_link == ()  # lo's 127.0.0.0/8 does not meet the scope


def test_on_link_subnet_inside_a_larger_scope_block_is_found() -> None:
    """A /16 scope holding the attached /24: ARP and multicast still run on that /24."""
    plan = plan_link([IPv4Network("203.0.0.0/16")], None, parse_routes(ROUTES))
    assert plan.iface == "eth1"


def test_arp_budget_scales_with_the_on_link_scope() -> None:
    """ARP used to get about 7 s whatever the scope; a /16 on-link needs 64 bursts."""
    from camscan.discover.arp import arp_budget
    from camscan.discover.base import DiscoverySettings

    def budget(scope: str, attached: str, rate: float = 0.0) -> float:
        return arp_budget(
            DiscoverySettings(
                targets=(IPv4Network(scope),), link_networks=(IPv4Network(attached),), rate=rate
            )
        )

    small, large = budget("192.0.2.0/24", "192.0.2.0/24"), budget("10.1.0.0/16", "10.1.0.0/16")
    assert large >= 20 * small  # 64 bursts of 1,024 instead of one
    assert budget("10.1.0.0/16", "10.1.5.0/24") == small  # only the on-link /24 is swept
    assert budget("192.0.2.0/24", "192.0.2.0/24", rate=10) >= small + 25.6  # 256 at 10/s
