"""Network namespaces, veth pairs and a bridge, built with iproute2 (`ip`).

Layout of one lab (``<lab>`` is ``cs-<6 hex>``)::

    <lab>-br   holds bridge ``br0`` (STP off, forward delay 0, multicast snooping off) and
               one port ``pN`` per host (``p0`` for the auditor); a routed lab has one bridge
               ``br<vlan>`` per VLAN instead (this kernel may lack 802.1Q VLAN filtering)
    <lab>-rt   a routed lab's router: ``eth0``, ``eth1``... one per VLAN (ports ``r<vlan>``),
               IPv4 forwarding on
    <lab>-aud  the auditor: ``eth0`` with its address(es); camscan runs here
    <lab>-hN   host N: ``lo`` + ``eth0`` with the host's address and MAC

Every namespace gets ``224.0.0.0/4 dev eth0`` so WS-Discovery, SSDP, SADP, DHIP and mDNS
multicast leave through the lab interface. All objects live inside the lab's namespaces, so
deleting the namespaces removes everything; nothing is created in the root namespace except
the namespace names themselves (``/run/netns/<name>``).

Commands are batched (``ip -batch``): one process for the namespaces and veths, then one per
namespace, run in parallel; a 50-host lab is wired in well under a second.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

NETNS_DIR = Path("/run/netns")
#: Namespace names a lab creates: ``cs-1a2b3c-aud`` (prefix ``cs`` plus up to two letters).
LAB_NS_RE = re.compile(r"^(cs[a-z]{0,2}-[0-9a-f]{6})-(br|aud|rt|h\d+)$")
IFNAMSIZ = 15
DEVICE_IFACE = "eth0"
BRIDGE = "br0"
IP_TIMEOUT = 30.0


class NetnsError(RuntimeError):
    """An `ip` command failed; the message carries its stderr."""


def ip_binary() -> str | None:
    """Path of iproute2's `ip`, or None when it is not installed."""
    return shutil.which("ip") or next(
        (p for p in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip") if os.access(p, os.X_OK)), None
    )


def is_root() -> bool:
    """Network namespaces need root (CAP_SYS_ADMIN); we do not try capabilities piecemeal."""
    return os.geteuid() == 0


def lab_support_problem() -> str | None:
    """Why a lab cannot be built here (not root, no `ip`), or None when it can."""
    if not is_root():
        return "the simulated lab needs root (network namespaces); run as root or use sudo"
    if ip_binary() is None:
        return "iproute2's `ip` command is not installed (apt-get install iproute2)"
    return None


def run_ip(
    args: Sequence[str],
    *,
    netns: str | None = None,
    batch: Iterable[str] | None = None,
    force: bool = False,
) -> str:
    """Run ``ip [-n NS] [-force] (-batch - | ARGS)``; raise :class:`NetnsError` on failure."""
    ip = ip_binary()
    if ip is None:
        raise NetnsError("iproute2's `ip` command is not installed")
    cmd = [ip]
    if netns is not None:
        cmd += ["-n", netns]
    if force:
        cmd.append("-force")
    stdin: str | None = None
    if batch is not None:
        cmd += ["-batch", "-"]
        stdin = "\n".join(batch) + "\n"
    cmd += list(args)
    try:
        proc = subprocess.run(
            cmd, input=stdin, capture_output=True, text=True, timeout=IP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise NetnsError(f"{' '.join(cmd)}: no answer after {IP_TIMEOUT:.0f}s") from None
    if proc.returncode != 0:
        where = f" (in {netns})" if netns else ""
        raise NetnsError(f"ip {' '.join(args) or '-batch'}{where}: {proc.stderr.strip()}")
    return proc.stdout


def list_namespaces() -> list[str]:
    """Names of all named network namespaces (``/run/netns``)."""
    try:
        return sorted(p.name for p in NETNS_DIR.iterdir())
    except FileNotFoundError:
        return []


def lab_namespaces(lab_id: str | None = None) -> list[str]:
    """Namespaces created by labs (all labs, or the one with ``lab_id``)."""
    names = []
    for name in list_namespaces():
        m = LAB_NS_RE.match(name)
        if m and (lab_id is None or m.group(1) == lab_id):
            names.append(name)
    return names


def namespace_pids(netns: str) -> list[int]:
    """PIDs of processes whose network namespace is ``netns`` (what `ip netns pids` reports)."""
    try:
        out = run_ip(["netns", "pids", netns])
    except NetnsError:
        return []
    return [int(tok) for tok in out.split() if tok.isdigit()]


def delete_namespaces(names: Iterable[str]) -> list[str]:
    """Delete namespaces (and with them every veth and bridge inside); return failures."""
    todo = [n for n in names if (NETNS_DIR / n).exists()]
    if not todo:
        return []
    with contextlib.suppress(NetnsError):  # -force keeps going; leftovers are reported below
        run_ip([], batch=[f"netns del {n}" for n in todo], force=True)
    return [n for n in todo if (NETNS_DIR / n).exists()]


@dataclass(frozen=True)
class Endpoint:
    """One namespace plugged into the lab bridge."""

    netns: str
    iface: str  # name inside ``netns``
    port: str  # bridge-side name inside the bridge namespace
    mac: str | None
    addresses: tuple[tuple[IPv4Address, int], ...]  # (address, prefix length)
    vlan: int | None = None  # VLAN of its switch port (routed labs: one bridge per VLAN)
    routes: tuple[str, ...] = ()  # e.g. "default via 192.0.2.1"

    @property
    def bridge(self) -> str:
        """The bridge its port joins: ``br0``, or ``br<vlan>`` in a routed lab."""
        return BRIDGE if self.vlan is None else f"br{self.vlan}"


@dataclass(frozen=True)
class NetworkPlan:
    """Every name a lab will create, fixed before anything is created (so teardown is exact)."""

    lab_id: str
    bridge_netns: str
    auditor: Endpoint
    hosts: tuple[Endpoint, ...]
    router: tuple[Endpoint, ...] = ()  # one interface per VLAN, all in ``<lab>-rt``
    links: tuple[Endpoint, ...] = ()  # hosts' further interfaces (eth1...) in their namespaces

    @property
    def namespaces(self) -> tuple[str, ...]:
        """All namespaces of the lab, bridge first."""
        router = (self.router[0].netns,) if self.router else ()
        return (self.bridge_netns, self.auditor.netns, *router, *(h.netns for h in self.hosts))

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Every interface plugged into a bridge."""
        return (self.auditor, *self.router, *self.hosts, *self.links)


def _check_ifname(name: str) -> str:
    if not name or len(name) > IFNAMSIZ or not re.match(r"^[A-Za-z0-9_.-]+$", name):
        raise NetnsError(f"bad interface name {name!r} (1-{IFNAMSIZ} chars of [A-Za-z0-9_.-])")
    return name


def _endpoint_batch(ep: Endpoint) -> list[str]:
    lines = ["link set lo up"]
    mac = f" address {ep.mac}" if ep.mac else ""
    lines.append(f"link set {ep.iface}{mac} up")
    lines += [f"addr add {a}/{plen} dev {ep.iface}" for a, plen in ep.addresses]
    if ep.iface == DEVICE_IFACE:  # a router's second interface: one multicast route is enough
        lines.append(f"route add 224.0.0.0/4 dev {ep.iface}")
    lines += [f"route add {route}" for route in ep.routes]
    return lines


def run_in(netns: str, argv: Sequence[str], stdin: str | None = None) -> None:
    """Run ``argv`` inside ``netns`` (``ip netns exec``); raise NetnsError on failure."""
    ip = ip_binary()
    if ip is None:
        raise NetnsError("iproute2's `ip` command is not installed")
    try:
        proc = subprocess.run(
            [ip, "netns", "exec", netns, *argv], input=stdin, capture_output=True, text=True,
            timeout=IP_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise NetnsError(f"{' '.join(argv)} (in {netns}): no answer") from None
    if proc.returncode != 0:
        raise NetnsError(f"{' '.join(argv)} (in {netns}): {proc.stderr.strip()}")


def build_network(plan: NetworkPlan, *, workers: int = 8) -> None:
    """Create the lab's namespaces, bridge and veths; on any failure remove what was made."""
    endpoints = plan.endpoints
    bridges = sorted({ep.bridge for ep in endpoints})
    for ep in endpoints:
        _check_ifname(ep.iface)
        _check_ifname(ep.port)
    existing = set(list_namespaces()) & set(plan.namespaces)
    if existing:
        raise NetnsError(f"namespace(s) already exist: {', '.join(sorted(existing))}")
    try:
        run_ip([], batch=[f"netns add {n}" for n in plan.namespaces])
        run_ip(
            [],
            batch=[
                f"link add {ep.iface} netns {ep.netns} type veth peer name {ep.port} "
                f"netns {plan.bridge_netns}"
                for ep in endpoints
            ],
        )
        bridge = [
            "link set lo up",
            *(
                f"link add {br} type bridge stp_state 0 forward_delay 0 mcast_snooping 0"
                for br in bridges
            ),
            *(f"link set {ep.port} master {ep.bridge} up" for ep in endpoints),
            *(f"link set {br} up" for br in bridges),
        ]
        run_ip([], netns=plan.bridge_netns, batch=bridge)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(run_ip, [], netns=ep.netns, batch=_endpoint_batch(ep))
                for ep in endpoints
            ]
            for fut in futures:
                fut.result()
        if plan.router:
            run_in(plan.router[0].netns, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    except BaseException:
        delete_namespaces(plan.namespaces)
        raise
