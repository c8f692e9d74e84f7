"""HTTP(S) web server on raw asyncio streams, so every byte of the answer is the persona's.

``http.server`` and friends normalise header-name case and add their own headers; real
cameras do not (Dahua's ``CONNECTION:``/``CONTENT-LENGTH:``, Hikvision's ``HTTP/1.0 302
Redirect``), and camscan's signatures key on exactly that. Other responders (the ONVIF
device service, the UPnP description) plug in as :data:`Dynamic` handlers that share the port.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus

from camscan.lab.persona import Header, HttpConfig, HttpRoute, expand
from camscan.lab.responders.common import DeviceContext, Running, tcp_server

MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024
IDLE_TIMEOUT = 10.0
CHUNK = b"A" * 8192

#: What the ``hostile_title`` misbehaviour puts in every <title>: markup that must not be
#: rendered and terminal escapes (set window title, clear screen) that must not reach a tty.
HOSTILE_TITLE = (
    '<b onmouseover="alert(1)">pwned</b><script>alert("camscan")</script>'
    "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x1b[0m"
)
_TITLE_RE = re.compile(rb"<title>.*?</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Request:
    """One parsed request (headers keyed by lower-case name; ``target`` as sent, with query)."""

    method: str
    path: str
    version: str
    headers: dict[str, str]
    body: bytes
    target: str = ""


@dataclass(frozen=True)
class Response:
    """An answer ready for the wire; ``endless`` streams a chunked body until closed."""

    status_line: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    endless: bool = False
    close: bool = field(default=True)

    def head_bytes(self) -> bytes:
        """Status line and headers, exactly as given."""
        lines = [self.status_line, *(f"{n}: {v}" for n, v in self.headers), "", ""]
        return "\r\n".join(lines).encode("utf-8", "surrogateescape")


#: A handler another protocol plugs into the web server; returns None when not its path.
Dynamic = Callable[[Request], Response | None]


def status_line(version: str, status: int, reason: str | None = None) -> str:
    """``HTTP/1.1 200 OK`` with the standard phrase unless the persona gives its own."""
    if reason is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
    return f"{version} {status} {reason}"


def simple_response(
    status: int, headers: Sequence[tuple[str, str]], body: bytes, version: str = "HTTP/1.1"
) -> Response:
    """A response with a Content-Length computed here (for the built-in handlers)."""
    return Response(
        status_line(version, status), (*headers, ("Content-Length", str(len(body)))), body
    )


def render_route(
    ctx: DeviceContext,
    route: HttpRoute,
    default_headers: Sequence[Header],
    port: int,
    method: str,
) -> Response:
    """Turn a persona route into wire bytes, filling placeholders."""
    values = ctx.values(port=str(port))
    body = route.body.raw(values)
    if not body and route.title is not None:
        title = escape(expand(route.title, values))
        body = f"<html><head><title>{title}</title></head><body></body></html>".encode()
    if ctx.persona.misbehave.hostile_title and _TITLE_RE.search(body):
        hostile = f"<title>{HOSTILE_TITLE}</title>".encode()
        body = _TITLE_RE.sub(lambda _: hostile, body)
    headers = tuple(route.headers if route.headers is not None else default_headers)
    if route.redirect and not any(h.name.lower() == "location" for h in headers):
        headers = (*headers, Header(name="Location", value=route.redirect))
    values["length"] = str(len(body))
    endless = ctx.persona.misbehave.endless_http_body
    wire: list[tuple[str, str]] = []
    for h in headers:
        # An endless body is sent chunked once: a persona's own length or chunked header would
        # make a second, conflicting framing header that clients refuse before any body.
        if endless and (
            h.name.lower() in ("content-length", "transfer-encoding") or "{length}" in h.value
        ):
            continue
        wire.append((h.name, expand(h.value, values)))
    if endless:
        wire.append(("Transfer-Encoding", "chunked"))
    close = route.version == "HTTP/1.0" or any(
        n.lower() == "connection" and v.lower() == "close" for n, v in wire
    )
    return Response(
        status_line(route.version, route.status, route.reason),
        tuple(wire),
        b"" if method == "HEAD" else body,
        endless=endless and method != "HEAD",
        close=close,
    )


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """Read one request; None at a clean end of the connection."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT)
    except (asyncio.IncompleteReadError, TimeoutError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise ValueError("malformed request line")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or "0")
    if not 0 <= length <= MAX_BODY:
        raise ValueError("request body too large")
    body = await asyncio.wait_for(reader.readexactly(length), IDLE_TIMEOUT) if length else b""
    path = target.split("?", 1)[0].split("#", 1)[0]
    if path.startswith(("http://", "https://")):  # absolute-form target
        path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
    return Request(method.upper(), path, version, headers, body, target)


async def write_response(writer: asyncio.StreamWriter, response: Response) -> None:
    """Send a response; an endless one keeps streaming chunks until the peer or we close."""
    writer.write(response.head_bytes())
    if not response.endless:
        writer.write(response.body)
        await writer.drain()
        return
    if response.body:
        writer.write(b"%x\r\n%s\r\n" % (len(response.body), response.body))
    while True:
        writer.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
        await writer.drain()
        await asyncio.sleep(0.005)  # bounded by the responder's lifetime, not a busy loop


async def start_http(
    ctx: DeviceContext,
    config: HttpConfig,
    *,
    routes: Sequence[HttpRoute] | None = None,
    dynamic: Sequence[Dynamic] = (),
    tls: ssl.SSLContext | None = None,
    name: str = "http",
) -> Running:
    """Serve the persona's routes (and ``dynamic`` handlers first) on ``config.port``."""
    table = {r.path: r for r in (config.routes if routes is None else routes)}

    def answer(request: Request) -> Response:
        for handler in dynamic:
            response = handler(request)
            if response is not None:
                return response
        route = table.get(request.path, config.not_found)
        return render_route(ctx, route, config.default_headers, config.port, request.method)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            request = await read_request(reader)
            if request is None:
                return
            response = answer(request)
            await write_response(writer, response)
            if (
                response.close
                or request.version == "HTTP/1.0"
                or request.headers.get("connection", "").lower() == "close"
            ):
                return

    kwargs: dict[str, object] = {"limit": MAX_HEAD}
    if tls is not None:
        kwargs.update(ssl=tls, ssl_handshake_timeout=IDLE_TIMEOUT)
    return await tcp_server(ctx, config.port, handle, name, **kwargs)
