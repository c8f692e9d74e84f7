"""Helpers shared by the discovery methods: hostile-text cleaning, MACs, UDP sockets."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Callable
from ipaddress import IPv4Address

from camscan.models import AttemptStatus, Observation, ProbeAttempt

MAX_VALUE_CHARS = 512  # one observation value; device strings are hostile and unbounded
MAX_DATAGRAM = 65535
MAX_REPLIES = 4096  # per method per scan: bounded memory under a reply flood


def printable(value: str | bytes, limit: int = MAX_VALUE_CHARS) -> str:
    """Device text as a bounded string; control and undecodable bytes become ``\\xNN``."""
    if isinstance(value, bytes):
        value = "".join(chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in value[: limit * 4])
    else:
        value = "".join(
            ch if ch.isprintable() or ch == " " else f"\\x{ord(ch) & 0xFF:02x}"
            for ch in value[: limit * 4]
        )
    return value[:limit]


def obs(signal: str, value: str, source: str, port: int | None = None) -> Observation:
    """An observation with its value made safe and bounded."""
    return Observation(signal=signal, value=printable(value), port=port, source=source)


def attempt(
    method: str,
    status: AttemptStatus,
    reason: str = "",
    started: float | None = None,
    port: int | None = None,
) -> ProbeAttempt:
    """A discovery attempt record; ``started`` is a ``time.monotonic()`` value."""
    elapsed = None if started is None else round((time.monotonic() - started) * 1000, 1)
    return ProbeAttempt(probe=method, port=port, status=status, reason=reason, elapsed_ms=elapsed)


def is_ipv4(value: str) -> bool:
    try:
        IPv4Address(value)
    except ValueError:
        return False
    return True


def udp_socket(
    iface_address: str,
    *,
    bind_port: int = 0,
    bind_any: bool = False,
    join_group: str | None = None,
    broadcast: bool = False,
) -> socket.socket:
    """A non-blocking UDP socket that sends multicast out of ``iface_address`` only.

    Binding to the interface address (or to the port on 0.0.0.0 when a protocol answers to a
    fixed port, like SADP) keeps the probe on the chosen interface instead of the default
    route — the multi-NIC failure other ONVIF clients have (agsh/onvif#55).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if bind_any and hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface_address))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        if broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.bind(("0.0.0.0" if bind_any else iface_address, bind_port))
        if join_group:
            mreq = struct.pack(
                "4s4s", socket.inet_aton(join_group), socket.inet_aton(iface_address)
            )
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def receive_until(
    sock: socket.socket,
    deadline: float,
    handle: Callable[[bytes, tuple[str, int]], None],
    max_replies: int = MAX_REPLIES,
) -> int:
    """Feed datagrams to ``handle`` until ``deadline`` (monotonic); returns how many came."""
    loop = asyncio.get_running_loop()
    count = 0
    while count < max_replies:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            data, addr = await asyncio.wait_for(loop.sock_recvfrom(sock, MAX_DATAGRAM), remaining)
        except TimeoutError:
            break
        except OSError:
            continue  # e.g. ICMP port unreachable surfaced as ECONNREFUSED on Linux
        count += 1
        handle(data, (str(addr[0]), int(addr[1])))
    return count


def local_addresses() -> frozenset[str]:
    """All IPv4 addresses of this host (namespace), to drop our own multicast echoes."""
    import ifaddr

    found = {"127.0.0.1"}
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                found.add(ip.ip)
    return frozenset(found)
