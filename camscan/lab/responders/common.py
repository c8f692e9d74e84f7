"""Plumbing shared by the responders: the device context, sockets, and the close handle.

Every responder binds only to the device's own address (plus, off loopback, the multicast
group or broadcast address of its protocol on the device's interface), so several simulated
devices can share one network namespace without hearing each other's unicast traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import secrets
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate

from camscan.lab.persona import Persona

#: Largest datagram a UDP responder reads; anything longer is truncated by the kernel.
MAX_DATAGRAM = 65535
#: Largest request a discovery responder is willing to parse.
MAX_DISCOVERY_REQUEST = 16 * 1024

Closer = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class DeviceContext:
    """Who the simulated device is and where it lives."""

    persona: Persona
    address: str
    iface: str | None
    mac: str

    @property
    def multicast(self) -> bool:
        """Whether to join groups and multicast (never on loopback: no group traffic there)."""
        return not ipaddress.ip_address(self.address).is_loopback

    def values(self, **extra: str) -> dict[str, str]:
        """Placeholder values for :func:`camscan.lab.persona.expand`."""
        mac = self.mac.lower()
        base = {
            "address": self.address,
            "mac": mac,
            "MAC": mac.upper(),
            "mac_dash": mac.replace(":", "-"),
            "MAC_DASH": mac.replace(":", "-").upper(),
            "mac_hex": mac.replace(":", ""),
            "MAC_HEX": mac.replace(":", "").upper(),
            "date": formatdate(usegmt=True),
            "nonce": secrets.token_hex(16),
        }
        base.update(extra)
        return base

    def garbage(self, salt: str) -> bytes:
        """Deterministic junk bytes for the ``udp_garbage`` misbehaviour."""
        rng = random.Random(f"{self.persona.id}/{salt}")
        return b"\x00\xff<?xml \x1b[2J" + rng.randbytes(rng.randint(48, 480))


@dataclass
class Running:
    """What a started responder holds; :meth:`aclose` releases all of it (idempotent)."""

    name: str
    closers: list[Closer] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)  # "tcp/80", "udp/3702", ...

    async def aclose(self) -> None:
        """Close servers, sockets and tasks in reverse start order."""
        closers, self.closers = self.closers, []
        for close in reversed(closers):
            with contextlib.suppress(Exception):
                await close()


def closer_for_transport(transport: asyncio.BaseTransport) -> Closer:
    """A closer for a datagram or stream transport."""

    async def close() -> None:
        transport.close()

    return close


def closer_for_server(server: asyncio.Server, conns: set[asyncio.Task[None]]) -> Closer:
    """A closer that stops a stream server and cancels its open connection handlers."""

    async def close() -> None:
        server.close()
        for task in list(conns):
            task.cancel()
        if conns:
            await asyncio.gather(*conns, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2.0)

    return close


def closer_for_task(task: asyncio.Task[None]) -> Closer:
    """A closer that cancels a background task and waits for it."""

    async def close() -> None:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task

    return close


def unicast_udp_socket(address: str, port: int) -> socket.socket:
    """A UDP socket on the device address: receives directed requests, sends all replies."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.bind((address, port))
        if not ipaddress.ip_address(address).is_loopback:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def group_udp_socket(group: str, port: int, address: str, iface: str | None) -> socket.socket:
    """A receive-only socket bound to ``group:port`` and joined on the device's interface.

    Binding the group address (not 0.0.0.0) keeps unicast to other devices out, and lets
    every simulated device in one namespace get its own copy of each multicast request.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((group, port))
        ifindex = socket.if_nametoindex(iface) if iface else 0
        mreqn = socket.inet_aton(group) + socket.inet_aton(address) + struct.pack("@i", ifindex)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def broadcast_udp_socket(port: int, iface: str | None) -> socket.socket:
    """A receive-only socket for limited broadcast (255.255.255.255) on the interface."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if iface:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
        sock.bind(("255.255.255.255", port))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


Handler = Callable[[bytes, tuple[str, int]], list[bytes]]


class _Receiver(asyncio.DatagramProtocol):
    """Feeds datagrams to a handler and sends its replies from the unicast socket."""

    def __init__(self, handler: Handler, reply: Callable[[bytes, tuple[str, int]], None]) -> None:
        self._handler = handler
        self._reply = reply

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        host, port = str(addr[0]), int(addr[1])
        try:
            replies = self._handler(data, (host, port))
        except Exception:  # a hostile datagram must never stop the responder
            return
        for reply in replies:
            self._reply(reply, (host, port))

    def error_received(self, exc: Exception) -> None:
        """ICMP errors for replies (client gone) are expected; keep serving."""


async def start_udp(
    ctx: DeviceContext,
    name: str,
    port: int,
    handler: Handler,
    *,
    group: str | None = None,
    broadcast: bool = False,
) -> tuple[Running, asyncio.DatagramTransport]:
    """Serve ``handler`` on the device address (and group/broadcast off loopback).

    Returns the handle and the unicast transport (for unsolicited sends such as Hello).
    """
    loop = asyncio.get_running_loop()
    running = Running(name)
    usock = unicast_udp_socket(ctx.address, port)
    holder: list[asyncio.DatagramTransport] = []

    def reply(data: bytes, addr: tuple[str, int]) -> None:
        if holder and not holder[0].is_closing():
            holder[0].sendto(data, addr)

    try:
        utransport, _ = await loop.create_datagram_endpoint(
            lambda: _Receiver(handler, reply), sock=usock
        )
    except OSError:
        usock.close()
        raise
    holder.append(utransport)
    running.closers.append(closer_for_transport(utransport))
    running.endpoints.append(f"udp/{port}")
    try:
        extra: list[socket.socket] = []
        if ctx.multicast and group:
            extra.append(group_udp_socket(group, port, ctx.address, ctx.iface))
        if ctx.multicast and broadcast:
            extra.append(broadcast_udp_socket(port, ctx.iface))
        for sock in extra:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Receiver(handler, reply), sock=sock
            )
            running.closers.append(closer_for_transport(transport))
    except BaseException:
        await running.aclose()
        raise
    return running, utransport


async def start_silent_tcp(ctx: DeviceContext, port: int) -> Running:
    """Accept connections on ``port`` and never send a byte (a wedged service)."""
    conns: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        conns.add(task)
        try:
            while await reader.read(4096):
                pass
            await asyncio.Event().wait()  # peer half-closed: still say nothing
        finally:
            conns.discard(task)
            writer.close()

    server = await asyncio.start_server(handle, ctx.address, port, reuse_address=True)
    return Running("silent", [closer_for_server(server, conns)], [f"tcp/{port}"])


async def tcp_server(
    ctx: DeviceContext,
    port: int,
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    name: str,
    **kwargs: object,
) -> Running:
    """Start a stream server whose connection handlers are cancelled on close."""
    conns: set[asyncio.Task[None]] = set()

    async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        conns.add(task)
        try:
            await handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the client went away or sent garbage; nothing to report
        finally:
            conns.discard(task)
            writer.close()

    server = await asyncio.start_server(
        wrapped,
        ctx.address,
        port,
        reuse_address=True,
        **kwargs,  # type: ignore[arg-type]
    )
    return Running(name, [closer_for_server(server, conns)], [f"tcp/{port}"])
