"""ARP sweep of the interface's own subnets: the one method that finds hosts which answer
nothing else, and the source of MAC addresses (hence OUIs) for everything on the segment.

Uses scapy's native Linux packet sockets (``conf.use_pcap = False``), so no libpcap is
needed. Without root (no CAP_NET_RAW) it falls back to the kernel's neighbour table in
``/proc/net/arp`` — only hosts this machine already talked to — and says so in its attempt.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterable
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from camscan.discover._common import attempt, obs, skipped
from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus
from camscan.oui import normalise_mac
from camscan.words import plural

NAME = "arp"
MAX_ARP_TARGETS = 65536
PROC_ARP = Path("/proc/net/arp")


def parse_proc_arp(text: str, iface: str | None = None) -> dict[str, str]:
    """Complete entries (flag 0x2) of ``/proc/net/arp``: address → MAC."""
    found: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 6:
            continue
        address, _hwtype, flags, hwaddr, _mask, device = parts[:6]
        try:
            complete = int(flags, 16) & 0x2
        except ValueError:
            continue
        if not complete or (iface and device != iface):
            continue
        if mac := normalise_mac(hwaddr):
            found[address] = mac
    return found


def arp_targets(
    targets: Iterable[IPv4Network], attached: Iterable[IPv4Network]
) -> list[IPv4Network]:
    """The parts of the scope that are on the interface's own segments (ARP does not route)."""
    out: list[IPv4Network] = []
    attached = list(attached)
    for net in targets:
        for local in attached:
            if net.subnet_of(local):
                out.append(net)
            elif local.subnet_of(net):
                out.append(local)
    return out


def _in(address: str, nets: list[IPv4Network]) -> bool:
    value = IPv4Address(address)
    return any(value in n for n in nets)


CHUNK = 1024  # addresses per who-has burst; each burst's answers are kept as it ends
ARP_WAIT = 1.0  # s to wait for answers after each burst (a LAN answers within milliseconds)


def arp_budget(settings: DiscoverySettings) -> float:
    """The sweep's overrun limit, s: it scales with the on-link part of the scope (a burst
    per 1,024 addresses, each sent in about a second and answered within ``ARP_WAIT``),
    plus the ``--rate`` spacing."""
    count = sum(n.num_addresses for n in arp_targets(settings.targets, settings.link_networks))
    bursts = -(-count // CHUNK)
    limit = 5.0 + bursts * (ARP_WAIT + 1.5)
    if settings.rate > 0:
        limit += count / settings.rate
    return limit


def _srp(
    addresses: list[str],
    iface: str,
    inter: float,
    report: Callable[[dict[str, str]], None],
    stop: threading.Event,
) -> None:
    """Blocking scapy who-has sweep in bursts; run in a worker thread. Each burst's answers
    go to ``report`` as soon as it ends; ``stop`` ends the sweep between bursts."""
    from scapy.config import conf

    conf.use_pcap = False
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import srp

    for first in range(0, len(addresses), CHUNK):
        if stop.is_set():
            return
        answered, _ = srp(
            Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=addresses[first : first + CHUNK]),
            iface=iface,
            timeout=ARP_WAIT,
            inter=inter,
            verbose=0,
            retry=0,
        )
        found: dict[str, str] = {}
        for _sent, received in answered:
            mac = normalise_mac(str(received[ARP].hwsrc))
            if mac:
                found[str(received[ARP].psrc)] = mac
        report(found)


def _hosts(found: dict[str, str], nets: list[IPv4Network]) -> tuple[DiscoveredHost, ...]:
    return tuple(
        DiscoveredHost(address=a, mac=m, observations=(obs("arp.mac", m, NAME),))
        for a, m in found.items()
        if _in(a, nets)
    )


class ArpDiscovery:
    """ARP who-has on the on-link interface (root), else the neighbour table."""

    name = NAME
    link = True
    unicast = False
    after: tuple[str, ...] = ()
    budget = staticmethod(arp_budget)

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        if not settings.iface:
            return DiscoveryResult(NAME, attempts=skipped(NAME, "no on-link interface"))
        nets = arp_targets(settings.targets, settings.link_networks)
        if not nets:
            reason = "no target is on the interface's subnets"
            return DiscoveryResult(NAME, attempts=skipped(NAME, reason))
        if sum(n.num_addresses for n in nets) > MAX_ARP_TARGETS:
            reason = f"over {MAX_ARP_TARGETS} on-link addresses; narrow the scope"
            return DiscoveryResult(NAME, attempts=skipped(NAME, reason))
        if os.geteuid() != 0:
            return self._neighbour_table(settings.iface, nets, started, "not root")
        addresses = [str(a) for n in nets for a in n]  # scapy does not expand CIDR lists
        inter = 1.0 / settings.rate if settings.rate > 0 else 0.0
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        seen: dict[str, str] = {}

        def report(found: dict[str, str]) -> None:
            def keep() -> None:
                for host in _hosts(found, nets):
                    if host.address not in seen:
                        seen[host.address] = host.mac or ""
                        if settings.sink is not None:
                            settings.sink.add(host)

            loop.call_soon_threadsafe(keep)

        try:
            await asyncio.to_thread(_srp, addresses, settings.iface, inter, report, stop)
        except PermissionError:
            return self._neighbour_table(settings.iface, nets, started, "no CAP_NET_RAW")
        except (OSError, ValueError) as exc:
            reason = f"ARP sweep failed: {exc}"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.ERROR, reason),))
        finally:
            stop.set()  # also when the engine cuts the sweep off: the thread ends its burst
        await asyncio.sleep(0)  # let the last burst's report run
        hosts = tuple(
            DiscoveredHost(address=a, mac=m, observations=(obs("arp.mac", m, NAME),))
            for a, m in seen.items()
        )
        status = AttemptStatus.OK if hosts else AttemptStatus.NO_ANSWER
        reason = f"{len(hosts)} of {len(addresses)} on-link addresses answered"
        # Silence from a sweep that heard someone means absence (the wire works).
        covered = tuple(nets) if hosts else ()
        return DiscoveryResult(
            NAME, hosts, (attempt(NAME, status, reason, started),), covered=covered
        )

    def _neighbour_table(
        self, iface: str, nets: list[IPv4Network], started: float, why: str
    ) -> DiscoveryResult:
        try:
            found = parse_proc_arp(PROC_ARP.read_text(), iface)
        except OSError as exc:
            reason = f"{why}, and cannot read {PROC_ARP}: {exc.strerror}"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.ERROR, reason),))
        hosts = _hosts(found, nets)
        entries = plural(len(hosts), "entry", "entries")
        reason = f"{why}: read the neighbour table instead of sweeping ({entries})"
        return DiscoveryResult(
            NAME,
            hosts,
            (attempt(NAME, AttemptStatus.SKIPPED, reason, started),),
            partial=f"{why}: neighbour table only, no sweep",
        )
