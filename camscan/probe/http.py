"""HTTP(S) probe: the web UI's headers, title, body, favicon hashes and vendor paths.

Read-only GETs, no credentials, one request at a time per host, every body read through a
byte cap (streamed, never ``.read()``), a wall-clock deadline per request (httpx's read
timeout is per chunk, so a slow drip would otherwise never end), and redirects followed by
hand, at most three, only to the same host.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
import mmh3

from camscan.models import AttemptStatus, Observation
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.common import (
    USER_AGENT,
    Budget,
    PortProbe,
    Timer,
    attempt,
    classify,
    decode_lenient,
    dedup,
    permissive_tls_context,
    redact_challenge,
    url_host,
)
from camscan.sanitize import device_text

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
DEFAULT_PORTS = (80, 443)  # tried when discovery reported no open ports at all
MAX_REDIRECTS = 3
TITLE_CHARS = 200
BODY_CHARS = 512
# Headers worth keeping as "Name: value" (value cleaned). Amcrest/Dahua send
# `P3P: CP=CAO PSA OUR` (nmap-service-probes:10444); Hikvision UIs send X-Frame-Options and
# friends (nmap-service-probes:10643-10645).
CHOSEN_HEADERS = (
    "P3P",
    "Cache-Control",
    "X-Frame-Options",
    "X-Powered-By",
    "X-XSS-Protection",
    "X-Content-Type-Options",
    "Content-Type",
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TITLE = re.compile(rb"<title\b[^>]*>(.*?)(?:</title\s*>|<|$)", re.IGNORECASE | re.DOTALL)
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
        lname = name.lower()
        return [v for k, v in self.headers if k.lower() == lname]

    def charset(self) -> str | None:
        for ctype in self.header("content-type"):
            m = re.search(r"charset\s*=\s*([^;\s]+)", ctype, re.IGNORECASE)
            if m:
                return m.group(1)
        m2 = _META_CHARSET.search(self.body[:4096])
        return m2.group(1).decode("ascii", "replace") if m2 else None

    def text(self) -> str:
        return decode_lenient(self.body, self.charset())


@dataclass
class _PortReport:
    observations: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def extract_title(body: bytes, charset: str | None = None) -> str | None:
    """The <title> text of capped, possibly broken HTML; None when there is no title tag."""
    m = _TITLE.search(body)
    if not m:
        return None
    raw = m.group(1)[: TITLE_CHARS * 4]
    return device_text(html.unescape(decode_lenient(raw, charset)), TITLE_CHARS)


def body_snippet(text: str) -> str:
    """The first ~512 characters of a body, whitespace collapsed, control bytes visible."""
    return device_text(text, BODY_CHARS)


def favicon_hashes(data: bytes) -> tuple[str, str]:
    """(MD5 hex, Shodan mmh3) of favicon bytes.

    Shodan hashes the base64 text *with* its newline every 76 characters
    (``base64.encodebytes``) as a signed 32-bit MurmurHash3 (the `http.favicon.hash` filter;
    same recipe as nuclei's ``mmh3(base64_py(body))``).
    """
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return md5, str(mmh3.hash(base64.encodebytes(data)))


def header_observations(page: Fetched) -> list[Observation]:
    """Server, auth challenges, chosen headers and the header-name style of one response."""
    out: list[Observation] = []

    def add(signal: str, value: str) -> None:
        value = device_text(value)
        if value:
            out.append(Observation(signal=signal, value=value, port=page.port, source="http"))

    for server in page.header("server")[:2]:
        add("http.server", server)
    for challenge in page.header("www-authenticate")[:4]:
        add("http.www_authenticate", redact_challenge(challenge))
    chosen = {h.lower() for h in CHOSEN_HEADERS}
    upper_lines = 0
    for raw_name, value in page.headers[:64]:  # h11 caps the header block at 16 KiB anyway
        lname = raw_name.lower()
        if lname == "set-cookie":
            cname = value.split("=", 1)[0].strip()
            if cname:  # names only: values are session secrets
                add("http.header", f"{raw_name}: {cname}")
        elif lname in chosen:
            add("http.header", f"{raw_name}: {value}")
        elif (
            _is_upper(raw_name) and lname not in ("server", "www-authenticate") and upper_lines < 8
        ):
            # Header-name case survives in httpx's `headers.raw`: Dahua-platform servers send
            # CONNECTION:/CONTENT-LENGTH: (nmap-service-probes:10444, Plum-Island#204), so
            # upper-case lines are kept verbatim, name as sent.
            upper_lines += 1
            add("http.header", f"{raw_name}: {value}")
    names = [k for k, _ in page.headers]
    if any(_is_upper(n) for n in names):
        add("http.header", "Header-Case: upper")
    if names:
        add("http.header", "Header-Order: " + ", ".join(dict.fromkeys(names))[:300])
    return out


def _is_upper(name: str) -> bool:
    return name.isupper() and sum(c.isalpha() for c in name) >= 4


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


def make_client(settings: ProbeSettings) -> httpx.AsyncClient:
    """One client per host: no proxies/netrc from the environment, no auth, no redirects."""
    agent = settings.user_agent if "/" in settings.user_agent else USER_AGENT
    return httpx.AsyncClient(
        verify=permissive_tls_context(),
        trust_env=False,
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


class HttpProbe(PortProbe):
    """GET /, /favicon.ico and the signature files' vendor paths on every open web port."""

    name = "http"
    kind = "web"

    def __init__(
        self,
        ports: frozenset[int] = HTTP_PORTS,
        tls_ports: frozenset[int] = HTTPS_PORTS,
        maybe_http: frozenset[int] = MAYBE_HTTP_PORTS,
        default_ports: tuple[int, ...] = DEFAULT_PORTS,
    ) -> None:
        super().__init__(ports, default_ports)
        self.tls_ports = tls_ports
        self.maybe_http = maybe_http

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        observations, attempts = settings.lists()
        ports = self.ports_for(target)
        if not ports:
            return self.skipped(target)
        budget = Budget(settings.timeout, settings.connect_timeout)
        for port in ports:
            timer = Timer()
            if budget.spent():
                attempts.append(
                    attempt(
                        self.name,
                        port,
                        AttemptStatus.SKIPPED,
                        "probe time budget spent on earlier ports",
                        timer,
                    )
                )
                continue
            try:
                async with make_client(settings) as client:
                    status, reason, obs = await self._port(
                        client, target.address, port, settings, budget
                    )
            except Exception as exc:  # a probe never raises; record the bug as data
                status, reason, obs = AttemptStatus.ERROR, f"internal error: {exc!r}", []
            observations.extend(obs)
            attempts.append(attempt(self.name, port, status, reason, timer))
        return ProbeResult(observations=dedup(observations), attempts=tuple(attempts))

    async def _port(
        self,
        client: httpx.AsyncClient,
        address: str,
        port: int,
        settings: ProbeSettings,
        budget: Budget,
    ) -> tuple[AttemptStatus, str, list[Observation]]:
        schemes = ["https", "http"] if port in self.tls_ports else ["http", "https"]
        first_error: tuple[AttemptStatus, str] | None = None
        for scheme in schemes:
            base = f"{scheme}://{url_host(address)}:{port}"
            try:
                page = await fetch(client, base + "/", port, settings)
            except Exception as exc:
                err = httpx_status(exc)
                first_error = first_error or err
                # Only a garbled answer suggests the other scheme (TLS bytes to a plain GET,
                # or a plain server refusing a handshake); timeouts/refusals do not.
                if err[0] not in (AttemptStatus.MALFORMED, AttemptStatus.ERROR):
                    break
                continue
            report = await self._site(client, address, port, base, page, settings, budget)
            note = "; ".join([f"{scheme} {page.status}", *report.notes])
            return AttemptStatus.OK, note, report.observations
        assert first_error is not None
        not_http = first_error[0] in (
            AttemptStatus.MALFORMED,
            AttemptStatus.ERROR,
            AttemptStatus.TIMEOUT,
        )
        if port in self.maybe_http and not_http:
            # Hikvision's SDK port waits silently for a binary login: silence there is an
            # answer ("not HTTP"), not an incomplete probe.
            return AttemptStatus.SKIPPED, f"port {port} does not speak HTTP ({first_error[1]})", []
        return first_error[0], first_error[1], []

    async def _site(
        self,
        client: httpx.AsyncClient,
        address: str,
        port: int,
        base: str,
        page: Fetched,
        settings: ProbeSettings,
        budget: Budget,
    ) -> _PortReport:
        report = _PortReport()
        obs = report.observations
        obs.extend(header_observations(page))
        hops = 0
        while page.status in _REDIRECTS and page.header("location"):
            location = page.header("location")[0]
            nxt = redirect_target(page.url, location)
            if nxt is None:
                report.notes.append("redirect to an invalid URL not followed")
                break
            if not same_host(nxt, address):
                report.notes.append("off-host redirect not followed")
                break
            obs.append(
                Observation(
                    signal="http.redirect", value=device_text(location), port=port, source=self.name
                )
            )
            if hops >= MAX_REDIRECTS:
                report.notes.append(f"stopped after {MAX_REDIRECTS} redirects")
                break
            hops += 1
            try:
                page = await fetch(client, nxt, port, settings)
            except Exception as exc:
                report.notes.append(f"redirect target: {httpx_status(exc)[1]}")
                break
            obs.extend(header_observations(page))
        if page.truncated:
            report.notes.append(f"body capped at {settings.max_bytes} bytes")
        title = extract_title(page.body, page.charset())
        if title:
            obs.append(Observation(signal="http.title", value=title, port=port, source=self.name))
        snippet = body_snippet(page.text())
        if snippet:
            obs.append(Observation(signal="http.body", value=snippet, port=port, source=self.name))
        if budget.spent():
            report.notes.append("time budget spent: favicon and vendor paths not fetched")
            return report
        await self._favicon(client, port, base, settings, report)
        await self._paths(client, address, port, base, settings, report, budget)
        return report

    async def _favicon(
        self,
        client: httpx.AsyncClient,
        port: int,
        base: str,
        settings: ProbeSettings,
        report: _PortReport,
    ) -> None:
        try:
            icon = await fetch(client, base + "/favicon.ico", port, settings)
        except Exception as exc:
            report.notes.append(f"favicon: {httpx_status(exc)[1]}")
            return
        if icon.status != 200 or not icon.body:
            report.notes.append(f"favicon {icon.status}")
        elif icon.truncated:
            report.notes.append("favicon larger than the byte cap, not hashed")
        elif icon.body.lstrip()[:1] == b"<":
            report.notes.append("favicon is HTML, not hashed")
        else:
            md5, murmur = favicon_hashes(icon.body)
            report.observations.append(
                Observation(signal="http.favicon_md5", value=md5, port=port, source=self.name)
            )
            report.observations.append(
                Observation(signal="http.favicon_mmh3", value=murmur, port=port, source=self.name)
            )

    async def _paths(
        self,
        client: httpx.AsyncClient,
        address: str,
        port: int,
        base: str,
        settings: ProbeSettings,
        report: _PortReport,
        budget: Budget,
    ) -> None:
        answered = failures = 0
        paths = [p for p in settings.http_paths if p.startswith("/") and not p.startswith("//")]
        for path in paths:
            if failures >= 2:  # a host that stopped answering: do not wait out every path
                report.notes.append(f"paths: gave up after {failures} failures")
                break
            if budget.spent():
                report.notes.append("time budget spent before all vendor paths")
                break
            if not same_host(base + path, address):  # defence in depth: never another host
                continue
            try:
                page = await fetch(client, base + path, port, settings)
            except Exception as exc:
                failures += 1
                status, _ = httpx_status(exc)
                if status is AttemptStatus.REFUSED:
                    break
                continue
            failures = 0
            if page.status == 404:
                continue
            answered += 1
            report.observations.extend(header_observations(page))
            report.observations.append(
                Observation(
                    signal="http.path",
                    value=device_text(f"{path} {page.status}"),
                    port=port,
                    source=self.name,
                )
            )
            snippet = body_snippet(page.text())
            if snippet:
                report.observations.append(
                    Observation(signal="http.body", value=snippet, port=port, source=self.name)
                )
        if paths:
            report.notes.append(f"{answered}/{len(paths)} vendor paths answered")
