"""The HTTP probe against real sockets on 127.x: a Dahua-style server and hostile servers."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable

import pytest
import trustme

from camscan.models import AttemptStatus
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
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
    async with (
        tcp_server(handle, loopback) as p1,
        tcp_server(handle, loopback) as p2,
        tcp_server(handle, loopback) as p3,
        tcp_server(handle, loopback) as p4,
    ):
        ports = frozenset({p1, p2, p3, p4})
        result = await HttpProbe(ports=ports, tls_ports=frozenset()).run(
            ProbeTarget(loopback, ports), settings
        )
    statuses = [a.status for a in result.attempts]
    assert statuses[0] is AttemptStatus.OK
    assert statuses[-1] is AttemptStatus.SKIPPED
    assert any("budget" in a.reason for a in result.attempts[:-1])
    assert values(result, "http.server") == ["quick"] * 3  # one per port that answered
