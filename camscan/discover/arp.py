"""ARP sweep of the interface's own subnets: the one method that finds hosts which answer
nothing else, and the source of MAC addresses (hence OUIs) for everything on the segment.

Sends from a raw packet socket that the event loop watches (no thread, no libpcap); scapy
builds the request and decodes the replies (:func:`who_has`, :func:`is_at`), imported off the
event loop as the sweep starts. Without root (no CAP_NET_RAW) it falls back to the kernel's
neighbour table in ``/proc/net/arp`` — only hosts this machine already talked to — and says so
in its attempt.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Iterable
from functools import cache
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

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


CHUNK = 1024  # addresses per who-has burst, each followed by ARP_WAIT for late answers
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


ETH_P_ARP = 0x0806
ARP_FRAME_BYTES = 42  # Ethernet II header + the RFC 826 packet for IPv4 over Ethernet
_TPA = slice(38, 42)  # the target protocol address within that frame


@cache
def _scapy() -> tuple[Any, Any]:
    """scapy's Ether and ARP layers on its native Linux sockets (no libpcap)."""
    from scapy.config import conf

    conf.use_pcap = False
    from scapy.layers.l2 import ARP, Ether

    return Ether, ARP


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def who_has(own_mac: bytes, source: str, target: str = "0.0.0.0") -> bytes:
    """A broadcast ARP request (42 bytes) from ``own_mac``/``source`` for ``target``."""
    ether, arp = _scapy()
    mac = _mac(own_mac)
    frame = ether(dst="ff:ff:ff:ff:ff:ff", src=mac) / arp(op=1, hwsrc=mac, psrc=source, pdst=target)
    return bytes(frame)


def is_at(frame: bytes) -> tuple[str, str] | None:
    """(IPv4 address, MAC) of an ARP reply for IPv4 over Ethernet, else None (requests,
    other protocols, short or malformed frames)."""
    if len(frame) < ARP_FRAME_BYTES:
        return None
    ether, arp = _scapy()
    try:
        packet = ether(frame)
    except Exception:  # scapy's dissectors raise assorted errors on hostile frames
        return None
    if arp not in packet:
        return None
    layer = packet[arp]
    if (layer.hwtype, layer.ptype, layer.hwlen, layer.plen, layer.op) != (1, 0x0800, 6, 4, 2):
        return None
    mac = normalise_mac(str(layer.hwsrc))
    return (str(layer.psrc), mac) if mac else None


async def _sweep(
    addresses: list[str],
    iface: str,
    source: str,
    inter: float,
    report: Callable[[dict[str, str]], None],
) -> None:
    """Who-has for ``addresses`` in bursts from a raw packet socket watched by the event loop
    (no thread: a busy scan cannot starve it of the interpreter lock): one request built by
    scapy, into which each target address is written. Each answer goes to ``report`` as it
    arrives (the TCP sweep and the probes start on that host at once); the sweep ends
    ``ARP_WAIT`` after each burst's last request. PermissionError without CAP_NET_RAW."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    try:
        sock.bind((iface, ETH_P_ARP))
        sock.setblocking(False)
        own_mac = sock.getsockname()[4][:6]
        template = bytearray(await asyncio.to_thread(who_has, own_mac, source))  # the import
        asked: set[str] = set()
        found: dict[str, str] = {}

        def readable() -> None:
            while True:
                try:
                    frame = sock.recv(2048)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    return
                answer = is_at(frame)
                if answer is None:
                    continue
                address, mac = answer
                if address in asked and address not in found:
                    found[address] = mac
                    report({address: mac})

        loop.add_reader(sock.fileno(), readable)
        try:
            for first in range(0, len(addresses), CHUNK):
                for address in addresses[first : first + CHUNK]:
                    asked.add(address)
                    template[_TPA] = socket.inet_aton(address)
                    await loop.sock_sendall(sock, bytes(template))
                    if inter:
                        await asyncio.sleep(inter)
                await asyncio.sleep(ARP_WAIT)
                readable()  # anything queued when the wait ends still counts
        finally:
            loop.remove_reader(sock.fileno())
    finally:
        sock.close()


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
    streams = False
    reports_ports = False
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
        seen: dict[str, str] = {}

        def report(found: dict[str, str]) -> None:
            for host in _hosts(found, nets):
                if host.address not in seen:
                    seen[host.address] = host.mac or ""
                    if settings.sink is not None:
                        settings.sink.add(host)

        try:
            source = settings.iface_address or "0.0.0.0"
            await _sweep(addresses, settings.iface, source, inter, report)
        except PermissionError:
            return self._neighbour_table(settings.iface, nets, started, "no CAP_NET_RAW")
        except (OSError, ValueError) as exc:
            reason = f"ARP sweep failed: {exc}"
            return DiscoveryResult(NAME, attempts=(attempt(NAME, AttemptStatus.ERROR, reason),))
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
