"""Which interface reaches the scope on-link: the routing table, read as nmap reads it.

nmap picks its interface for a target from the kernel's routing table (``/proc/net/route`` on
Linux, ``route_dst()`` in nmap's libnetutil); a target whose best route has no gateway is
on-link, so ARP and link-local multicast reach it. camscan does the same: no ``--iface``
needed when the scope is on a directly attached subnet, and ``--iface`` still overrides.
No packets are sent here; everything is read from ``/proc`` and ``ifaddr``.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

PROC_ROUTE = Path("/proc/net/route")
SYS_NET = Path("/sys/class/net")
_RTF_UP, _RTF_GATEWAY, _RTF_REJECT = 0x1, 0x2, 0x200
LOOPBACK = IPv4Network("127.0.0.0/8")


@dataclass(frozen=True)
class Route:
    """One IPv4 route of the main table: destination, gateway (None: on-link), interface."""

    network: IPv4Network
    iface: str
    gateway: str | None
    metric: int = 0


def _hex_address(value: str) -> IPv4Address:
    """``/proc/net/route`` writes addresses as host-order (little-endian) hex."""
    return IPv4Address(socket.inet_ntoa(struct.pack("<I", int(value, 16))))


def parse_routes(text: str) -> list[Route]:
    """The usable routes in ``/proc/net/route`` text; malformed lines are skipped."""
    routes: list[Route] = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 8:
            continue
        try:
            iface, dest, gateway, flags = parts[0], parts[1], parts[2], int(parts[3], 16)
            metric, mask = int(parts[6]), _hex_address(parts[7])
            network = IPv4Network(f"{_hex_address(dest)}/{mask}", strict=False)
            via = str(_hex_address(gateway)) if flags & _RTF_GATEWAY else None
        except ValueError:
            continue
        if flags & _RTF_UP and not flags & _RTF_REJECT:
            routes.append(Route(network, iface, via, metric))
    return routes


def read_routes(path: Path = PROC_ROUTE) -> list[Route]:
    """The kernel's main routing table (empty when it cannot be read)."""
    try:
        return parse_routes(path.read_text())
    except OSError:
        return []


def best_route(address: IPv4Address, routes: Sequence[Route]) -> Route | None:
    """Longest prefix, then lowest metric: the route the kernel would use."""
    matches = [r for r in routes if address in r.network]
    if not matches:
        return None
    return max(matches, key=lambda r: (r.network.prefixlen, -r.metric))


def oper_state(iface: str, base: Path = SYS_NET) -> str:
    """The kernel's ``operstate`` (``up``, ``down``, ``unknown``...) or ``missing``."""
    try:
        return (base / iface / "operstate").read_text().strip() or "unknown"
    except OSError:
        return "missing"


def interface_names() -> list[str]:
    """Every interface of this host (namespace), for error messages."""
    import ifaddr

    return sorted({a.name for a in ifaddr.get_adapters()})


@dataclass(frozen=True)
class LinkPlan:
    """Where link-local discovery (ARP, multicast) runs, and why not when it cannot.

    ``iface`` is None when no part of the scope is on-link; ``reason`` then says why
    (``targets routed via 198.51.100.1``, ``targets on loopback``...).
    """

    iface: str | None
    address: str | None
    on_link: tuple[IPv4Network, ...]  # attached subnets of ``iface`` that meet the scope
    chosen_by: str  # "--iface" | "routing table" | ""
    reason: str = ""


def _attached(iface: str) -> tuple[str | None, tuple[IPv4Network, ...]]:
    from camscan.scope import interface_info

    info = interface_info(iface)
    if info is None:
        return None, ()
    return info.address, tuple(n for n in info.networks if n.prefixlen < 32)


def _meets(nets: Iterable[IPv4Network], scope: Sequence[IPv4Network]) -> tuple[IPv4Network, ...]:
    return tuple(n for n in nets if any(n.overlaps(s) for s in scope))


def _overlap(a: IPv4Network, b: IPv4Network) -> int:
    """How many addresses two CIDR blocks share (one contains the other, or none)."""
    if not a.overlaps(b):
        return 0
    return min(a.num_addresses, b.num_addresses)


def plan_link(
    scope: Sequence[IPv4Network], iface: str | None, routes: Sequence[Route] | None = None
) -> LinkPlan:
    """Choose the interface for ARP and multicast.

    With ``iface`` (``--iface``) that interface is used; otherwise the interface whose on-link
    routes cover most of the scope. Loopback and routed scopes get a reason instead.
    """
    if iface:
        address, nets = _attached(iface)
        state = oper_state(iface)
        reason = ""
        if state == "down":
            reason = f"interface {iface} is down"
        elif address is None:
            reason = f"interface {iface} has no IPv4 address"
        return LinkPlan(iface, address, _meets(nets, scope), "--iface", reason)
    routes = read_routes() if routes is None else routes
    covered: dict[str, int] = {}
    for route in routes:  # on-link routes meeting the scope (also inside a larger block)
        if route.gateway is None and not route.network.overlaps(LOOPBACK):
            size = sum(_overlap(route.network, block) for block in scope)
            if size:
                covered[route.iface] = covered.get(route.iface, 0) + size
    gateways: list[str] = []
    loopback = 0
    for block in scope:
        for edge in (block.network_address, block.broadcast_address):
            if edge in LOOPBACK:
                loopback += 1
                continue
            via = best_route(edge, routes)
            if via is not None and via.gateway and via.gateway not in gateways:
                gateways.append(via.gateway)
    if covered:
        chosen = max(covered, key=lambda name: covered[name])
        address, nets = _attached(chosen)
        reason = "" if address else f"interface {chosen} has no IPv4 address"
        return LinkPlan(chosen, address, _meets(nets, scope), "routing table", reason)
    if gateways:
        reason = f"targets routed via {', '.join(gateways[:3])}"
    elif loopback:
        reason = "targets on loopback, no link layer"
    else:
        reason = "no route to the targets"
    return LinkPlan(None, None, (), "", reason)
