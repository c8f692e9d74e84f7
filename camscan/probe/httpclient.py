"""Shared HTTP plumbing for the web probes: one client per host, capped fetches, statuses.

Every body is read through a byte cap (streamed, never ``.read()``) within one wall-clock
deadline per request (httpx's read timeout is per chunk, so a slow drip would otherwise
never end). Redirects are never followed by httpx; callers follow them by hand with
:func:`redirect_target` and :func:`same_host`, so a request never leaves the target.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from camscan.models import AttemptStatus
from camscan.probe.base import ProbeSettings
from camscan.probe.common import (
    USER_AGENT,
    classify,
    decode_lenient,
    header_values,
    permissive_tls_context,
)

# Web ports seen on CCTV gear: 80-85/88/8000/8001/8080/8081/8085/8086/8088/8090/8181 are the
# defaults of jorhelp/Ingram (Ingram's port list); 2020 is TP-Link's ONVIF/HTTP port (WSD
# XAddrs in tplink-wsd-probematch-TP-IPC.xml); 8888/8899 are common alternates.
HTTP_PORTS = frozenset(
    {
        80,
        81,
        82,
        83,
        84,
        85,
        88,
        443,
        2020,
        8000,
        8001,
        8080,
        8081,
        8085,
        8086,
        8088,
        8090,
        8181,
        8443,
        8888,
        8899,
    }
)
HTTPS_PORTS = frozenset({443, 8443})
# Ports that are often something else (8000 is Hikvision's binary SDK port, nmap
# nmap-service-probes:1821): a non-HTTP answer there is "skipped", not "malformed".
MAYBE_HTTP_PORTS = frozenset({8000, 8001})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Fetched:
    """One capped HTTP response: raw header names (case preserved) and at most cap bytes."""

    url: str
    port: int
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool = False

    def header(self, name: str) -> list[str]:
        return header_values(self.headers, name)

    def charset(self) -> str | None:
        for ctype in self.header("content-type"):
            m = re.search(r"charset\s*=\s*([^;\s]+)", ctype, re.IGNORECASE)
            if m:
                return m.group(1)
        m2 = _META_CHARSET.search(self.body[:4096])
        return m2.group(1).decode("ascii", "replace") if m2 else None

    def text(self) -> str:
        return decode_lenient(self.body, self.charset())


def _decompress(data: bytes, encoding: str, cap: int) -> bytes:
    """Undo gzip/deflate (we ask for identity, some servers ignore it) without a bomb."""
    wbits = {"gzip": 47, "x-gzip": 47, "deflate": 15}.get(encoding.strip().lower())
    if wbits is None:
        return data
    try:
        return zlib.decompressobj(wbits).decompress(data, cap)
    except zlib.error:
        try:  # raw deflate, as some servers send it
            return zlib.decompressobj(-15).decompress(data, cap)
        except zlib.error:
            return data


def redirect_target(base: str, location: str) -> str | None:
    """The absolute URL a ``Location`` header names, or None when it is not a valid URL."""
    try:
        target = urljoin(base, location.strip())
        urlsplit(target).port  # noqa: B018 - raises ValueError for a bad host or port
    except ValueError:  # e.g. "p://[": Invalid IPv6 URL
        return None
    return target


def same_host(url: str, address: str) -> bool:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return host is not None and host.lower() == address.lower().strip("[]")


def httpx_status(exc: BaseException) -> tuple[AttemptStatus, str]:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return AttemptStatus.TIMEOUT, "timed out"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
        return AttemptStatus.MALFORMED, f"not valid HTTP: {exc}"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
            return AttemptStatus.REFUSED, "connection refused"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.HTTPError):
        return AttemptStatus.ERROR, f"{type(exc).__name__}: {exc}"
    return classify(exc)


def make_client(settings: ProbeSettings, auth: httpx.Auth | None = None) -> httpx.AsyncClient:
    """One client per host: no proxies/netrc from the environment, no redirects, and no
    authentication unless the caller passes the user's (:mod:`camscan.probe.httpauth`)."""
    agent = settings.user_agent if "/" in settings.user_agent else USER_AGENT
    return httpx.AsyncClient(
        verify=permissive_tls_context(),
        trust_env=False,
        auth=auth,
        follow_redirects=False,
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=0),
        headers={"User-Agent": agent, "Accept": "*/*", "Accept-Encoding": "identity"},
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    port: int,
    settings: ProbeSettings,
    cap: int | None = None,
    *,
    method: str = "GET",
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """Request ``url`` reading at most ``cap`` bytes within one wall-clock deadline. Raises."""
    cap = settings.max_bytes if cap is None else cap
    async with asyncio.timeout(settings.timeout + settings.connect_timeout):
        async with client.stream(method, url, content=content, headers=headers) as resp:
            buf = bytearray()
            truncated = False
            async for chunk in resp.aiter_raw():
                buf += chunk
                if len(buf) >= cap:
                    truncated = True
                    del buf[cap:]
                    break
            raw = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw)
            body = bytes(buf)
            for enc in reversed(resp.headers.get("content-encoding", "").split(",")):
                if enc.strip():
                    body = _decompress(body, enc, cap)
            return Fetched(url, port, resp.status_code, raw, body, truncated)


def port_of(url: str) -> int:
    """The TCP port a URL names (its scheme's default when none is written)."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        return 80
    return parsed.port or (443 if parsed.scheme == "https" else 80)


def host_of(url: str) -> str:
    """The host a URL names ('' when it names none or is not a valid URL)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""
