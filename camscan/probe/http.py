"""HTTP(S) probe: the web UI's headers, title, body, favicon hashes and vendor paths.

Read-only GETs, no credentials, a few ports of a host at once (one request at a time on
each), through the capped fetches of :mod:`camscan.probe.httpclient`; redirects followed by
hand, at most three, only to the same host. What each page says is turned into observations by
:mod:`camscan.probe.httpevidence`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx

from camscan.models import AttemptStatus, Observation, ProbeAttempt
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.common import Budget, PortProbe, Timer, attempt, url_host
from camscan.probe.httpclient import (
    HTTP_PORTS,
    HTTPS_PORTS,
    MAYBE_HTTP_PORTS,
    Fetched,
    fetch,
    httpx_status,
    make_client,
    redirect_target,
    same_host,
)
from camscan.probe.httpevidence import (
    body_snippet,
    extract_title,
    favicon_hashes,
    header_observations,
)
from camscan.sanitize import device_text

DEFAULT_PORTS = (80, 443)  # tried when discovery reported no open ports at all
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass
class _PortReport:
    observations: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
        ports = self.ports_for(target)
        if not ports:
            return self.skipped(target)
        budget = Budget(settings.timeout, settings.connect_timeout)

        async def visit(
            port: int, observations: list[Observation], attempts: list[ProbeAttempt]
        ) -> None:
            timer = Timer()
            if budget.spent():
                reason = "probe time budget spent on other ports"
                attempts.append(attempt(self.name, port, AttemptStatus.SKIPPED, reason, timer))
                return
            try:
                async with make_client(settings) as client:
                    status, reason, obs = await self._port(
                        client, target.address, port, settings, budget
                    )
            except Exception as exc:  # a probe never raises; record the bug as data
                status, reason, obs = AttemptStatus.ERROR, f"internal error: {exc!r}", []
            observations.extend(obs)
            attempts.append(attempt(self.name, port, status, reason, timer))

        return await self.visit_ports(ports, settings, visit)

    async def _port(
        self,
        client: httpx.AsyncClient,
        address: str,
        port: int,
        settings: ProbeSettings,
        budget: Budget,
    ) -> tuple[AttemptStatus, str, list[Observation]]:
        schemes = ("https", "http") if port in self.tls_ports else ("http", "https")
        if port in self.maybe_http:
            async with make_client(settings) as other:
                return await self._both(client, other, address, port, schemes, settings, budget)
        first_error: tuple[AttemptStatus, str] | None = None
        for scheme in schemes:
            page = await self._front(client, address, port, scheme, settings)
            if isinstance(page, Fetched):
                return await self._answered(client, address, port, scheme, page, settings, budget)
            first_error = first_error or page
            # Only a garbled answer suggests the other scheme (TLS bytes to a plain GET,
            # or a plain server refusing a handshake); timeouts/refusals do not.
            if page[0] not in (AttemptStatus.MALFORMED, AttemptStatus.ERROR):
                break
        assert first_error is not None
        return first_error[0], first_error[1], []

    async def _both(
        self,
        client: httpx.AsyncClient,
        other: httpx.AsyncClient,
        address: str,
        port: int,
        schemes: tuple[str, str],
        settings: ProbeSettings,
        budget: Budget,
    ) -> tuple[AttemptStatus, str, list[Observation]]:
        """Both schemes at once on a port that is often no web port at all (Hikvision's SDK
        port waits silently, then drops a plain GET, and ignores a TLS hello): one wait
        there, not one per scheme. The first scheme's answer wins, else the second's."""
        fronts = [
            asyncio.ensure_future(self._front(c, address, port, scheme, settings))
            for c, scheme in zip((client, other), schemes, strict=True)
        ]
        try:
            for front, c, scheme in zip(fronts, (client, other), schemes, strict=True):
                page = await front
                if isinstance(page, Fetched):
                    fronts[1].cancel()
                    return await self._answered(c, address, port, scheme, page, settings, budget)
        finally:
            for front in fronts:
                front.cancel()
            await asyncio.gather(*fronts, return_exceptions=True)
        first = fronts[0].result()
        assert not isinstance(first, Fetched)
        if first[0] in (AttemptStatus.MALFORMED, AttemptStatus.ERROR, AttemptStatus.TIMEOUT):
            # Silence or garble there is an answer ("not HTTP"), not an incomplete probe.
            return AttemptStatus.SKIPPED, f"port {port} does not speak HTTP ({first[1]})", []
        return first[0], first[1], []

    async def _front(
        self,
        client: httpx.AsyncClient,
        address: str,
        port: int,
        scheme: str,
        settings: ProbeSettings,
    ) -> Fetched | tuple[AttemptStatus, str]:
        """GET / with ``scheme``: the page, or the failure's status and reason."""
        try:
            return await fetch(client, f"{scheme}://{url_host(address)}:{port}/", port, settings)
        except Exception as exc:
            return httpx_status(exc)

    async def _answered(
        self,
        client: httpx.AsyncClient,
        address: str,
        port: int,
        scheme: str,
        page: Fetched,
        settings: ProbeSettings,
        budget: Budget,
    ) -> tuple[AttemptStatus, str, list[Observation]]:
        base = f"{scheme}://{url_host(address)}:{port}"
        report = await self._site(client, address, port, base, page, settings, budget)
        note = "; ".join([f"{scheme} {page.status}", *report.notes])
        return AttemptStatus.OK, note, report.observations

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
