"""Discovery from the infrastructure: read switches' and routers' SNMP tables (``--infra``).

Each agent in ``settings.infra`` is read with :func:`camscan.infra.mibs.read_view` (all at
once, each within ``settings.timeout`` per request). Addresses in an ARP table become hosts
with their MAC (so routed devices get OUI evidence); every MAC learned on an edge port gets a
location, which the engine applies to all hosts by MAC; each agent's own tables are also kept
apart (``agents``), for the cameras behind a recorder that is itself an agent; an agent marked
``recorder`` (its PoE switch) serves only those. Unreachable
agents, refused credentials and tables that fail are attempts, never exceptions; secrets never
appear.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time

from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.infra.locate import agent_tables, arp_bindings, edge_locations
from camscan.infra.mibs import InfraView, read_view
from camscan.models import AttemptStatus, ProbeAttempt
from camscan.snmp import SnmpSession, SnmpTarget


async def _read(target: SnmpTarget, timeout: float) -> InfraView:
    async with SnmpSession(
        target.host, target.auth, port=target.port, timeout=timeout, retries=1
    ) as session:
        return await read_view(session, target.host)


async def _addresses(host: str) -> list[str]:
    """``host`` and, for a name, the IPv4 addresses it resolves to (a recorder's tables are
    found by the recorder's address); a name that does not resolve keeps only itself."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [host]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, family=socket.AF_INET)
    except OSError:
        return [host]
    return [host, *dict.fromkeys(str(info[4][0]) for info in infos)]


def _no_route(host: str, port: int) -> str | None:
    """Why this host has no route to the agent ('Network is unreachable'), else None: a UDP
    connect() only looks the route up, it sends nothing. Names are left to the SNMP read."""
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def _attempt(target: SnmpTarget, view: InfraView, elapsed: float) -> ProbeAttempt:
    what = target.auth.describe()
    if view.refused:
        status = AttemptStatus.ERROR
        reason = f"{target.host}: {view.failures[0]}"
    else:
        status = AttemptStatus.OK
        reason = (
            f"{view.name} ({target.host}, {what}): {len(view.arp)} ARP, {len(view.fdb)} FDB "
            f"entries, {len(view.lldp_ports)} LLDP ports"
        )
        if target.recorder:
            reason += " (recorder: for the cameras behind it only)"
        if view.failures:
            reason += "; " + "; ".join(view.failures)
    return ProbeAttempt(
        probe="infra",
        port=target.port,
        status=status,
        reason=reason[:500],
        elapsed_ms=round(elapsed * 1000, 1),
    )


class InfraDiscovery:
    """ARP, FDB, port names and LLDP neighbours from the switches and routers the user names."""

    name = "infra"

    link = False
    unicast = False
    after: tuple[str, ...] = ()
    streams = False
    reports_ports = False

    def budget(self, settings: DiscoverySettings) -> float:
        """Ten tables per agent, each a few GetBulk pages, each up to two tries of the timeout;
        a big core switch's FDB is ~200 pages at 25 rows."""
        return 60.0 + 30 * max(settings.timeout, 0.5)

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        if not settings.infra:
            skipped = ProbeAttempt(
                probe=self.name, status=AttemptStatus.SKIPPED, reason="no --infra agent given"
            )
            return DiscoveryResult(self.name, attempts=(skipped,))

        async def one(target: SnmpTarget) -> tuple[InfraView, float]:
            t0 = time.monotonic()
            if why := _no_route(target.host, target.port):  # not "wrong community?"
                return InfraView(target.host, failures=(why,), refused=True), 0.0
            try:
                view = await _read(target, max(settings.timeout, 0.5))
            except Exception as exc:  # a broken agent never stops the scan
                view = InfraView(target.host, failures=(type(exc).__name__,), refused=True)
            return view, time.monotonic() - t0

        results = await asyncio.gather(*(one(t) for t in settings.infra))
        read = [(t, v) for t, (v, _) in zip(settings.infra, results, strict=True) if not v.refused]
        views = [v for t, v in read if not t.recorder]  # a recorder's tables: its cameras only
        attempts = tuple(
            _attempt(t, v, e) for t, (v, e) in zip(settings.infra, results, strict=True)
        )
        locations = edge_locations(views)
        hosts = tuple(
            DiscoveredHost(
                address=address,
                mac=binding.mac,
                mac_source=binding.source,
                location=locations.get(binding.mac),
            )
            for address, binding in arp_bindings(views).items()
        )
        agents = {}
        for _, view in read:
            tables = agent_tables(view)
            for key in await _addresses(view.host):
                agents[key] = tables
        return DiscoveryResult(
            self.name, hosts=hosts, attempts=attempts, locations=locations, agents=agents
        )
