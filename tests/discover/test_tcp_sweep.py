"""The TCP sweep against real loopback sockets (127.0.0.x; no packet leaves the host)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from ipaddress import IPv4Network

import pytest

from camscan.discover.base import DiscoverySettings, HostSink
from camscan.discover.tcp import TcpSweep, default_ports, parse_ports


@pytest.fixture
def listener() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.20", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


async def test_open_refused_and_absent(listener: int) -> None:
    closed = parse_ports("1")[0]  # nothing listens on port 1 of 127.0.0.x: refused
    result = await TcpSweep().discover(
        DiscoverySettings(
            targets=(IPv4Network("127.0.0.20/31"), IPv4Network("127.0.0.22/32")),
            absent=frozenset({"127.0.0.22"}),
            tcp_ports=(closed, listener),
            timeout=1.0,
            concurrency=8,
        )
    )
    hosts = {h.address: h for h in result.hosts}
    assert set(hosts) == {"127.0.0.20", "127.0.0.21"}  # refused = alive; absent never touched
    assert hosts["127.0.0.20"].open_ports == {listener}
    assert hosts["127.0.0.21"].open_ports == frozenset()
    assert [o.value for o in hosts["127.0.0.20"].observations] == [str(listener)]
    assert result.attempts[0].status.value == "ok"


async def test_scope_networks_are_swept_exactly(listener: int) -> None:
    result = await TcpSweep().discover(
        DiscoverySettings(
            targets=(IPv4Network("127.0.0.20/31"),), tcp_ports=(listener,), timeout=1.0
        )
    )
    assert sorted(h.address for h in result.hosts) == ["127.0.0.20", "127.0.0.21"]


def test_ports_as_data_and_parsing() -> None:
    ports = default_ports()
    assert ports[:3] == (80, 443, 554)
    assert {8000, 37777, 2020} <= set(ports)
    assert parse_ports("80,443,8000-8002,80") == (80, 443, 8000, 8001, 8002)
    for bad in ("", "0", "70000", "x", "10-5"):
        with pytest.raises(ValueError):  # noqa: PT011 - int() and our own errors alike
            parse_ports(bad)


def test_connect_timeout_adapts_to_round_trips() -> None:
    from camscan.discover.tcp import RttTimeout

    rtt = RttTimeout(1.0)
    assert rtt.value == 1.0  # nothing answered yet: the ceiling
    for seconds in (0.001, 0.002, 0.001, 0.003):
        rtt.add(seconds)
    assert rtt.value == 0.5  # a fast LAN: the floor
    for _ in range(16):
        rtt.add(0.1)  # a slow, jittery path: the mean plus four times what varies
        rtt.add(0.3)
    assert 0.5 < rtt.value < 1.0
    for _ in range(16):
        rtt.add(0.2)
        rtt.add(0.8)
    assert rtt.value == 1.0  # never above the ceiling
    for _ in range(64):
        rtt.add(0.001)
    assert rtt.value == 0.5  # the average follows the recent answers back down
    rtt.add(0.3)  # one late answer among fast ones does not lift the timeout
    assert rtt.value == 0.5


async def test_known_alive_hosts_are_swept_first(listener: int) -> None:
    result = await TcpSweep().discover(
        DiscoverySettings(
            targets=(IPv4Network("127.0.0.20/30"),),
            alive=frozenset({"127.0.0.23"}),
            tcp_ports=(listener,),
            timeout=1.0,
            concurrency=1,  # one worker: the order of the sweep is the order of the sink
            sink=(sink := HostSink()),
        )
    )
    assert sink.hosts[0].address == "127.0.0.23"
    assert {h.address for h in result.hosts} == {f"127.0.0.{n}" for n in range(20, 24)}


async def test_window_halves_on_loss_and_grows_back() -> None:
    from camscan.discover.tcp import Window

    window = Window(256, floor=32)
    window.resize(lost=True)
    assert (window.limit, window.losses) == (128, 1)
    for _ in range(10):
        window.resize(lost=True)
    assert window.limit == 32  # never below the floor
    window.resize(lost=False)
    assert window.limit == 33
    for _ in range(1000):
        window.resize(lost=False)
    assert window.limit == 256  # never above --concurrency
    await window.acquire()
    assert window.active == 1
    window.release()
    assert window.active == 0


async def test_fed_hosts_are_swept_as_they_come_and_once(listener: int) -> None:
    """With a feed (the engine streams ARP's answers), a fed host is swept, every port, before
    the feed closes; once it closes, the rest of the scope is swept except what the feed's
    methods proved absent, and nothing twice."""
    import asyncio

    from camscan.discover.base import HostFeed

    feed = HostFeed()
    reported: list[str] = []
    swept_before_close = asyncio.Event()

    def seen(host: object) -> None:
        reported.append(getattr(host, "address", ""))
        swept_before_close.set()

    sweep = asyncio.ensure_future(
        TcpSweep().discover(
            DiscoverySettings(
                targets=(IPv4Network("127.0.0.20/30"),),
                tcp_ports=(listener,),
                timeout=1.0,
                feed=feed,
                sink=HostSink(on_add=seen),
            )
        )
    )
    feed.put("127.0.0.20")
    feed.put("127.0.0.20")  # reported twice by the methods it follows: swept once
    await asyncio.wait_for(swept_before_close.wait(), 10)
    assert reported == ["127.0.0.20"]  # the feed is still open: only the fed host so far
    feed.close(alive=frozenset({"127.0.0.20"}), absent=frozenset({"127.0.0.21"}))
    result = await asyncio.wait_for(sweep, 10)
    assert sorted(reported) == ["127.0.0.20", "127.0.0.22", "127.0.0.23"]
    assert {h.address for h in result.hosts} == {"127.0.0.20", "127.0.0.22", "127.0.0.23"}
    assert next(h for h in result.hosts if h.address == "127.0.0.20").open_ports == {listener}
