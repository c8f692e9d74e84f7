"""ARP sweep of the interface's own subnets: the one method that finds hosts which answer
nothing else, and the source of MAC addresses (hence OUIs) for everything on the segment.

Uses scapy's native Linux packet sockets (``conf.use_pcap = False``), so no libpcap is
needed. Without root (no CAP_NET_RAW) it falls back to the kernel's neighbour table in
``/proc/net/arp`` — only hosts this machine already talked to — and says so in its attempt.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from camscan.discover._common import attempt, obs
from camscan.discover.base import DiscoveredHost, DiscoveryResult, DiscoverySettings
from camscan.models import AttemptStatus
from camscan.oui import normalise_mac

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


def _srp(nets: list[IPv4Network], iface: str, timeout: float) -> dict[str, str]:
    """Blocking scapy who-has sweep; run in a worker thread."""
    from scapy.config import conf

    conf.use_pcap = False
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import srp

    pdst = [str(a) for n in nets for a in n]  # scapy does not expand a list of CIDR strings
    answered, _ = srp(
        Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=pdst),
        iface=iface,
        timeout=timeout,
        verbose=0,
        retry=0,
    )
    found: dict[str, str] = {}
    for _sent, received in answered:
        mac = normalise_mac(str(received[ARP].hwsrc))
        if mac:
            found[str(received[ARP].psrc)] = mac
    return found


def _hosts(found: dict[str, str], nets: list[IPv4Network]) -> tuple[DiscoveredHost, ...]:
    return tuple(
        DiscoveredHost(address=a, mac=m, observations=(obs("arp.mac", m, NAME),))
        for a, m in found.items()
        if _in(a, nets)
    )


class ArpDiscovery:
    """ARP who-has on ``--iface`` (root), else the neighbour table."""

    name = NAME

    async def discover(self, settings: DiscoverySettings) -> DiscoveryResult:
        started = time.monotonic()
        if not settings.iface:
            reason = "ARP needs --iface"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.SKIPPED, reason),))
        from camscan.scope import interface_info

        info = interface_info(settings.iface)
        if info is None or not info.networks:
            reason = f"interface {settings.iface} has no IPv4 address"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.ERROR, reason),))
        nets = arp_targets(settings.targets, info.networks)
        nets += [IPv4Network(h) for h in settings.hosts if any(h in n for n in info.networks)]
        if not nets:
            reason = "no target is on the interface's subnets"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.SKIPPED, reason),))
        if sum(n.num_addresses for n in nets) > MAX_ARP_TARGETS:
            reason = f"over {MAX_ARP_TARGETS} on-link addresses; narrow the scope"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.SKIPPED, reason),))
        if os.geteuid() != 0:
            return self._neighbour_table(settings.iface, nets, started, "not root")
        try:
            found = await asyncio.to_thread(_srp, nets, settings.iface, settings.timeout)
        except PermissionError:
            return self._neighbour_table(settings.iface, nets, started, "no CAP_NET_RAW")
        except (OSError, ValueError) as exc:
            reason = f"ARP sweep failed: {exc}"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.ERROR, reason),))
        hosts = _hosts(found, nets)
        status = AttemptStatus.OK if hosts else AttemptStatus.NO_ANSWER
        return DiscoveryResult(
            NAME, hosts, (attempt(NAME, status, f"{len(hosts)} hosts answered", started),)
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
        reason = f"{why}: read the neighbour table instead of sweeping ({len(hosts)} entries)"
        return DiscoveryResult(
            NAME, hosts, (attempt(NAME, AttemptStatus.SKIPPED, reason, started),)
        )
