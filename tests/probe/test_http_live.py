"""The HTTP probe against real sockets on 127.x: a Dahua-style server and hostile servers."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable

import pytest
import trustme

from camscan.models import AttemptStatus
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.common import PORTS_AT_ONCE
from camscan.probe.http import HttpProbe
from tests.probe.conftest import FAST, tcp_server

Route = Callable[[str], bytes]


def values(result: ProbeResult, signal: str) -> list[str]:
    return [o.value for o in result.observations if o.signal == signal]


async def read_request(reader: asyncio.StreamReader) -> str:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    return head.split(b" ", 2)[1].decode()


def router(routes: dict[str, bytes]) -> Callable[..., object]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        path = await read_request(reader)
        writer.write(routes.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
        await writer.drain()

    return handle


def probe_for(port: int, tls: bool = False, maybe_http: bool = False) -> HttpProbe:
    return HttpProbe(
        ports=frozenset({port}),
        tls_ports=frozenset({port}) if tls else frozenset(),
        maybe_http=frozenset({port}) if maybe_http else frozenset(),
    )


DAHUA_STYLE_INDEX = (
    b"HTTP/1.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: 120\r\n"
    b"P3P: CP=CAO PSA OUR\r\nCONTENT-TYPE: text/html\r\n\r\n"
    b"\xef\xbb\xbf<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>WEB SERVICE</title>\r\n"
    b"</head><body>ok</body></html>" + b" " * 29
)
ICON = bytes(range(256)) * 4


async def test_dahua_style_server_redirect_favicon_and_paths(loopback: str) -> None:
    routes = {
        "/": b"HTTP/1.1 302 Found\r\nLocation: /doc/index.html\r\nContent-Length: 0\r\n\r\n",
        "/doc/index.html": DAHUA_STYLE_INDEX,
        "/favicon.ico": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(ICON) + ICON,
        "/ISAPI/System/deviceInfo": (
            b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="DS-2CD", '
            b'nonce="deadbeef"\r\nContent-Length: 13\r\n\r\nnotActivated!'
        ),
    }
    settings = ProbeSettings(
        timeout=1.0, connect_timeout=0.5, http_paths=("/ISAPI/System/deviceInfo", "/nope")
    )
    async with tcp_server(router(routes), loopback) as port:  # type: ignore[arg-type]
        result = await probe_for(port).run(
            ProbeTarget(loopback, open_ports=frozenset({port})), settings
        )
    assert [a.status for a in result.attempts] == [AttemptStatus.OK]
    assert values(result, "http.redirect") == ["/doc/index.html"]
    assert values(result, "http.title") == ["WEB SERVICE"]
    headers = values(result, "http.header")
    assert "Header-Case: upper" in headers
    assert "P3P: CP=CAO PSA OUR" in headers
    assert values(result, "http.favicon_md5") == ["b2ea9f7fcea831a4a63b213f41a8855b"]  # md5sum
    assert len(values(result, "http.favicon_mmh3")) == 1
    assert values(result, "http.path") == ["/ISAPI/System/deviceInfo 401"]
    assert "notActivated!" in values(result, "http.body")
    assert values(result, "http.www_authenticate") == ['Digest realm="DS-2CD", nonce="…"']
    assert all(o.port == port and o.source == "http" for o in result.observations)
    assert "1/2 vendor paths answered" in result.attempts[0].reason


async def test_off_host_redirect_is_not_followed(loopback: str) -> None:
    hits: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(await read_request(reader))
        writer.write(
            b"HTTP/1.1 301 Moved\r\nLocation: http://198.51.100.7/login\r\n"
            b"Content-Length: 0\r\n\r\n"
        )
        await writer.drain()

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    assert values(result, "http.redirect") == []
    assert "off-host redirect not followed" in result.attempts[0].reason
    assert "/login" not in hits


async def test_redirect_to_an_invalid_url_keeps_the_port(loopback: str) -> None:
    """Issue 10: ``Location: p://[`` made urljoin raise and the port lost every observation."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 301 Moved\r\nServer: odd\r\nLocation: p://[\r\n"
            b"Content-Type: text/html; charset=unicode_escape\r\nContent-Length: 21\r\n\r\n"
            b"<title>\\ud83d</title>"
        )
        await writer.drain()

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    assert result.attempts[0].status is AttemptStatus.OK
    assert "redirect to an invalid URL not followed" in result.attempts[0].reason
    assert values(result, "http.server") == ["odd"]
    assert values(result, "http.title") == ["\\ud83d"]  # text, not a lone surrogate
    assert all(o.model_dump_json() for o in result.observations)


async def test_redirect_loop_stops_after_three(loopback: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    assert result.attempts[0].status is AttemptStatus.OK
    assert "stopped after 3 redirects" in result.attempts[0].reason


async def test_endless_body_is_capped(loopback: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<title>endless</title>")
        while True:
            writer.write(b"A" * 65536)
            await writer.drain()

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    assert values(result, "http.title") == ["endless"]
    assert "body capped at 16384 bytes" in result.attempts[0].reason
    assert all(len(v) <= 512 for v in values(result, "http.body"))


async def test_server_that_never_answers_times_out(loopback: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    assert result.attempts[0].status is AttemptStatus.TIMEOUT
    assert result.observations == ()


async def test_slow_drip_body_hits_the_wall_clock_deadline(loopback: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nServer: drip\r\n\r\n")
        while True:
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.2)

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    assert result.attempts[0].status is AttemptStatus.TIMEOUT


async def test_huge_headers_are_malformed(loopback: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nX-Big: " + b"b" * 200_000 + b"\r\n\r\n")
        await writer.drain()

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    assert result.attempts[0].status is AttemptStatus.MALFORMED


@pytest.mark.parametrize(("maybe_http", "expected"), [(False, "malformed"), (True, "skipped")])
async def test_garbage_bytes(loopback: str, maybe_http: bool, expected: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"\x00\x00\x00\x10\x00\x00\x00\x1e\x00\x00\x00\x1e\x00\x00\x00\x00\xff\xfe")
        await writer.drain()

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port, maybe_http=maybe_http).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    assert result.attempts[0].status == expected
    assert result.observations == ()


async def test_refused_port(loopback: str) -> None:
    async with tcp_server(router({}), loopback) as port:  # type: ignore[arg-type]
        pass  # closed again: the port now refuses
    result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    assert result.attempts[0].status is AttemptStatus.REFUSED


async def test_https_and_terminal_escapes_in_title(loopback: str) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("camera.invalid")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    body = b"<title>\x1b]0;owned\x07\x1b[31mRed</title>"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()

    server = await asyncio.start_server(handle, loopback, 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        # Not declared a TLS port: the plain attempt fails, the https retry succeeds.
        result = await probe_for(port).run(ProbeTarget(loopback, frozenset({port})), FAST)
    finally:
        server.close()
    assert result.attempts[0].status is AttemptStatus.OK
    assert result.attempts[0].reason.startswith("https 200")
    assert values(result, "http.title") == ["\\x1b]0;owned\\x07\\x1b[31mRed"]


async def test_nothing_to_do_is_skipped() -> None:
    result = await HttpProbe().run(ProbeTarget("127.0.0.1", frozenset({22})), FAST)
    assert result.attempts[0].status is AttemptStatus.SKIPPED


async def test_own_time_budget_returns_partial_results(loopback: str) -> None:
    """/ answers at once, every other path hangs: the probe stops by itself, keeping results."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if await read_request(reader) != "/":
            await asyncio.sleep(30)
        writer.write(b"HTTP/1.1 200 OK\r\nServer: quick\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    settings = ProbeSettings(
        timeout=0.4, connect_timeout=0.2, http_paths=tuple(f"/p{i}" for i in range(20))
    )
    # Each port takes ~1.2 s (favicon and two paths time out); the budget is 2.6 s. Four waves
    # of PORTS_AT_ONCE ports: the last wave starts after the budget is spent.
    async with contextlib.AsyncExitStack() as stack:
        ports = frozenset(
            [
                await stack.enter_async_context(tcp_server(handle, loopback))
                for _ in range(PORTS_AT_ONCE * 4)
            ]
        )
        result = await HttpProbe(ports=ports, tls_ports=frozenset()).run(
            ProbeTarget(loopback, ports), settings
        )
    statuses = [a.status for a in result.attempts]
    assert [a.port for a in result.attempts] == sorted(ports)  # port order, whatever came first
    assert statuses[:PORTS_AT_ONCE] == [AttemptStatus.OK] * PORTS_AT_ONCE
    assert AttemptStatus.SKIPPED in statuses
    assert any("budget" in a.reason for a in result.attempts)
    answered = statuses.count(AttemptStatus.OK)
    assert values(result, "http.server") == ["quick"] * answered  # one per port that answered


async def test_ports_of_one_host_are_visited_at_once_and_reported_in_port_order(
    loopback: str,
) -> None:
    """The lower port answers only once the higher port has been connected to, as a camera
    whose web port waits while its silent SDK port is tried: visited one after the other the
    lower port would time out first; visited together both answer, reported in port order."""
    higher_seen = asyncio.Event()
    ports: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        mine = writer.get_extra_info("sockname")[1]
        if mine == max(ports):
            higher_seen.set()
        else:
            await asyncio.wait_for(higher_seen.wait(), 5)
        path = await read_request(reader)
        page = b"<title>port %d</title>" % mine if path == "/" else b""
        status = b"200 OK" if path == "/" else b"404 Not Found"
        writer.write(b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s" % (status, len(page), page))
        await writer.drain()

    async with tcp_server(handle, loopback) as one, tcp_server(handle, loopback) as two:
        ports.extend((one, two))
        probe = HttpProbe(ports=frozenset(ports), tls_ports=frozenset(), maybe_http=frozenset())
        result = await probe.run(ProbeTarget(loopback, open_ports=frozenset(ports)), FAST)
    assert [(a.port, a.status) for a in result.attempts] == [
        (min(ports), AttemptStatus.OK),
        (max(ports), AttemptStatus.OK),
    ]
    assert values(result, "http.title") == [f"port {min(ports)}", f"port {max(ports)}"]


async def test_maybe_http_port_asks_both_schemes_at_once(loopback: str) -> None:
    """A port that is often no web port (Hikvision's SDK port 8000: silent, then it drops
    the connection) gets its plain GET and its TLS hello at the same time, so its silence
    is waited out once: both connections are open together."""
    open_now: list[int] = [0]
    most: list[int] = [0]
    first_bytes: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        open_now[0] += 1
        most[0] = max(most[0], open_now[0])
        try:
            first_bytes.append(await reader.read(1))
            await asyncio.sleep(0.3)  # silence, then the device drops the connection
        finally:
            open_now[0] -= 1

    async with tcp_server(handle, loopback) as port:
        result = await probe_for(port, maybe_http=True).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    assert most[0] == 2
    assert sorted(first_bytes) == [b"\x16", b"G"]  # a TLS handshake record and a GET
    assert result.attempts[0].status is AttemptStatus.SKIPPED
    assert result.attempts[0].reason.startswith(f"port {port} does not speak HTTP")
    assert result.observations == ()


@pytest.mark.parametrize("tls", [False, True])
async def test_maybe_http_port_that_is_a_web_port(loopback: str, tls: bool) -> None:
    """Either scheme's answer is kept on such a port; plain HTTP wins when both could."""
    ctx: ssl.SSLContext | None = None
    if tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        trustme.CA().issue_cert("nvr.invalid").configure_cert(ctx)
    page = b"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Length: 0\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(page)
        await writer.drain()

    server = await asyncio.start_server(handle, loopback, 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await probe_for(port, maybe_http=True).run(
            ProbeTarget(loopback, frozenset({port})), FAST
        )
    finally:
        server.close()
    assert result.attempts[0].status is AttemptStatus.OK
    assert result.attempts[0].reason.startswith("https 200" if tls else "http 200")
    assert values(result, "http.server") == ["App-webs/"]
