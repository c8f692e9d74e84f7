"""Helpers shared by the discovery methods: observations, attempts, UDP sockets."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import time
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from camscan.discover.base import DiscoveredHost
from camscan.models import AttemptStatus, Observation, ProbeAttempt
from camscan.sanitize import device_text
from camscan.words import plural

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

    from camscan.discover.base import DiscoverySettings

MAX_DATAGRAM = 65535
MAX_REPLIES = 4096  # per method per scan: bounded memory under a reply flood


def obs(signal: str, value: str | bytes, source: str, port: int | None = None) -> Observation:
    """An observation with its value made inert and bounded (:func:`device_text`)."""
    return Observation(signal=signal, value=device_text(value), port=port, source=source)


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
    # Datagrams that arrived in time but were not read yet (a busy host) still count.
    for _ in range(max_replies - count):
        try:
            data, addr = sock.recvfrom(MAX_DATAGRAM)
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            continue
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


# Retransmission (SOAP-over-UDP 1.1, Appendix I, which WS-Discovery uses for its Probe): send,
# wait a random T in [UDP_MIN_DELAY, UDP_MAX_DELAY], resend, doubling T up to UDP_UPPER_DELAY.
# UPnP Device Architecture 1.1 (section 1.3.2 and 1.2.2) likewise asks control points to send
# SSDP searches more than once because UDP is unreliable. One schedule for every UDP method.
UDP_MIN_DELAY, UDP_MAX_DELAY, UDP_UPPER_DELAY = 0.05, 0.25, 0.5
UDP_REPEAT = 2  # retransmissions after the first send: three copies in all


def retransmit_delays(repeat: int = UDP_REPEAT, rng: random.Random | None = None) -> list[float]:
    """Seconds to wait before each send: ``[0, T, 2T, ...]`` with T capped at the upper delay."""
    delay = (rng or random).uniform(UDP_MIN_DELAY, UDP_MAX_DELAY)
    out = [0.0]
    for _ in range(repeat):
        out.append(delay)
        delay = min(delay * 2, UDP_UPPER_DELAY)
    return out


def quick_delays(repeat: int = UDP_REPEAT) -> list[float]:
    """The schedule for protocols that ask for repeated queries but set no timing (SSDP) or
    say nothing (SADP, DHIP): copies ``UDP_MIN_DELAY`` apart, so the answer window after the
    last one starts early."""
    return [0.0] + [UDP_MIN_DELAY] * repeat


async def send_repeated(
    sock: socket.socket,
    messages: Sequence[tuple[bytes, tuple[str, int]]],
    limiter: AsyncLimiter | None = None,
    delays: Sequence[float] | None = None,
) -> tuple[int, list[str]]:
    """Send every ``(payload, destination)`` once per round of the retransmission schedule.

    Returns (datagrams sent, error texts); a failing destination never stops the others.
    ``limiter`` (``--rate``) is taken before each datagram.
    """
    loop = asyncio.get_running_loop()
    sent = 0
    errors: dict[str, str] = {}
    for wait in delays if delays is not None else retransmit_delays():
        if wait:
            await asyncio.sleep(wait)
        for payload, destination in messages:
            if limiter is not None:
                await limiter.acquire()
            try:
                await loop.sock_sendto(sock, payload, destination)
                sent += 1
            except OSError as exc:
                errors[destination[0]] = f"{destination[0]}: {exc.strerror or exc}"
    return sent, list(errors.values())[:8]


def unicast_socket() -> socket.socket:
    """A non-blocking UDP socket on an ephemeral port for per-host (routed) queries."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.bind(("0.0.0.0", 0))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


# How long to listen after the last copy of a query went out: the longest a device may wait
# before answering by its protocol's own rule (``reply_delay``), plus GRACE for the round
# trip and this host's own scheduling. Never longer than ``--discovery-timeout``, which
# stays the upper bound. Answers already queued when the window closes are still read.
GRACE = 0.3
# For protocols that publish no reply delay (SADP, DHIP: devices answer at once) we allow
# as long as WS-Discovery's APP_MAX_DELAY, the longest delay a camera protocol asks for.
PROMPT_REPLY = 0.5


def answer_deadline(
    started: float,
    settings: DiscoverySettings,
    delays: Sequence[float],
    reply_delay: float,
    per_host: int = 1,
) -> float:
    """The monotonic time a query method may stop listening (see GRACE above), plus the
    ``--rate`` spacing of a unicast run."""
    window = min(settings.timeout, sum(delays) + reply_delay + GRACE)
    return started + window + spacing(settings, per_host)


def spacing(settings: DiscoverySettings, per_host: int = 2) -> float:
    """Seconds ``--rate`` adds to a unicast run of ``per_host`` queries per live host."""
    if settings.mode != "unicast" or settings.rate <= 0:
        return 0.0
    return len(settings.unicast_hosts) * per_host * (UDP_REPEAT + 1) / settings.rate


def listen_budget(settings: DiscoverySettings) -> float:
    """The overrun limit of a method that listens for ``settings.timeout``: a safety net."""
    return settings.timeout + 5.0 + spacing(settings)


def skipped(method: str, reason: str) -> tuple[ProbeAttempt]:
    """The single attempt of a method that did not run."""
    return (attempt(method, AttemptStatus.SKIPPED, reason),)


def query_socket(
    method: str, settings: DiscoverySettings, *, broadcast: bool = False
) -> socket.socket | tuple[ProbeAttempt, ...]:
    """The socket a UDP method sends its queries from: an ephemeral one for ``unicast`` mode,
    else one on the on-link interface. When it cannot run, the attempts saying why instead."""
    if settings.mode == "unicast" and not settings.unicast_hosts:
        return skipped(method, "no live routed hosts to ask")
    if settings.mode != "unicast" and not settings.iface_address:
        return skipped(method, "no on-link interface address")
    try:
        if settings.mode == "unicast":
            return unicast_socket()
        return udp_socket(settings.iface_address or "", broadcast=broadcast)
    except OSError as exc:
        reason = f"cannot open a UDP socket: {exc.strerror or exc}"
        return (attempt(method, AttemptStatus.ERROR, reason),)


def group_listener(
    settings: DiscoverySettings, port: int, group: str
) -> tuple[socket.socket | None, str]:
    """A socket on the protocol's own port, joined to its group, to hear announcements nobody
    asked for (WS-Discovery Hello, SSDP NOTIFY); none in ``unicast`` mode. When it cannot bind
    (another listener holds the port without SO_REUSEPORT): ``None`` and why."""
    if settings.mode == "unicast":
        return None, ""
    try:
        sock = udp_socket(
            settings.iface_address or "", bind_port=port, bind_any=True, join_group=group
        )
    except OSError as exc:
        return None, str(exc.strerror or exc)
    return sock, ""


async def exchange(
    sock: socket.socket,
    messages: Sequence[tuple[bytes, tuple[str, int]]],
    deadline: float,
    handle: Callable[[bytes, tuple[str, int]], None],
    limiter: AsyncLimiter | None = None,
    listeners: Sequence[socket.socket] = (),
    delays: Sequence[float] | None = None,
) -> tuple[int, int, list[str]]:
    """Send ``messages`` on the retransmission schedule (``delays``, default a fresh
    :func:`retransmit_delays`) while feeding replies to ``handle`` (from ``sock`` and any
    ``listeners``) until ``deadline``; closes every socket. Returns (datagrams received,
    datagrams sent, send errors)."""
    sockets = (sock, *listeners)
    try:
        sending = asyncio.ensure_future(send_repeated(sock, messages, limiter, delays))
        counts = await asyncio.gather(*(receive_until(s, deadline, handle) for s in sockets))
        sent, errors = await sending
    finally:
        for s in sockets:
            with contextlib.suppress(OSError):
                s.close()
    return sum(counts), sent, errors


def query_outcome(
    method: str,
    port: int,
    started: float,
    *,
    hosts: int,
    received: int,
    sent: int,
    errors: Sequence[str],
    asked: int = 0,
    malformed: int = 0,
    note: str = "",
) -> ProbeAttempt:
    """The attempt a UDP query method ends with: ``error`` when not one datagram could be
    sent, else ``ok`` (some host answered) or ``no_answer``, its reason reading
    "asked 3 hosts directly; 2 hosts from 6 datagrams, 1 unparseable; NOTE; not sent to …".
    ``asked`` is the number of routed hosts queried one by one (0 for multicast)."""
    if not sent:
        return attempt(method, AttemptStatus.ERROR, "send failed: " + "; ".join(errors), started)
    reason = f"{plural(hosts, 'host')} from {plural(received, 'datagram')}"
    if asked:
        reason = f"asked {plural(asked, 'host')} directly; {reason}"
    if malformed:
        reason += f", {malformed} unparseable"
    if note:
        reason += f"; {note}"
    if errors:
        reason += "; not sent to " + ", ".join(errors)
    status = AttemptStatus.OK if hosts else AttemptStatus.NO_ANSWER
    return attempt(method, status, reason, started, port)


class QueryMethod:
    """What the UDP query methods declare alike (see :class:`~camscan.discover.base.
    DiscoveryMethod`): on-link, with a per-host form for routed hosts unless a subclass says
    otherwise, no prerequisite method, and :func:`listen_budget`."""

    link = True
    unicast = True
    after: tuple[str, ...] = ()
    streams = False
    reports_ports = False
    budget = staticmethod(listen_budget)


class SenderHosts:
    """Hosts keyed by the address each reply came from (never an address a reply claims,
    which may be stale), for methods whose reply describes one device (SADP, DHIP).

    ``read`` turns a datagram into (MAC, observations), or ``None`` when it cannot; such a
    datagram counts as :attr:`malformed` unless ``is_query`` says it is someone's search.
    Our own multicast and broadcast echoes are dropped.
    """

    def __init__(
        self,
        read: Callable[[bytes], tuple[str | None, list[Observation]] | None],
        is_query: Callable[[bytes], bool] = lambda _data: False,
    ) -> None:
        self.read = read
        self.is_query = is_query
        self.own = local_addresses()
        self.hosts: dict[str, DiscoveredHost] = {}
        self.malformed = 0

    def feed(self, data: bytes, addr: tuple[str, int]) -> None:
        if addr[0] in self.own:
            return
        facts = self.read(data)
        if facts is None:
            if not self.is_query(data):
                self.malformed += 1
            return
        mac, observations = facts
        self.hosts[addr[0]] = DiscoveredHost(
            address=addr[0], mac=mac, observations=tuple(observations)
        )
