"""ONVIF device-service probe: clock, services, and (with credentials) device information.

Five hand-written SOAP 1.2 envelopes over httpx instead of zeep (protocols.md §6). The calls
the ONVIF Core spec allows before authentication come first (GetSystemDateAndTime,
GetCapabilities, GetServices); GetDeviceInformation is tried without credentials (some
devices answer) and, only when the user gave credentials, again with a WS-UsernameToken whose
``Created`` is shifted by the device's clock offset, since devices reject skewed tokens.

Replies are parsed with defusedxml (no DTDs, no entities), capped, and matched on local
element names so any namespace prefix works. Requests go only to the target's own address:
an XAddr that points elsewhere is ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from camscan.credentials import Login
from camscan.models import AttemptStatus, Observation, ProbeAttempt
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.common import Budget, Timer, attempt, dedup, url_host
from camscan.probe.httpclient import (
    HTTP_PORTS,
    MAYBE_HTTP_PORTS,
    host_of,
    httpx_status,
    make_client,
    port_of,
    same_host,
)
from camscan.probe.onvifdevice import (
    DEVICE_FIELDS,
    parse_capabilities,
    parse_device_information,
    parse_services,
    parse_utc_datetime,
)
from camscan.probe.onvifmedia import MEDIA_NS, RECORDER_SERVICES, count_items, media_xaddr
from camscan.probe.soap import (
    TDS,
    SoapReply,
    created_timestamp,
    local,
    parse_fault,
    security_header,
    soap_call,
)

DEVICE_PATH = "/onvif/device_service"
# Ports tried for the device service when WS-Discovery gave no XAddrs, in order: 80, then
# the alternates seen on cameras (TP-Link 2020 per tplink-wsd-probematch-TP-IPC.xml).
PREFERRED_PORTS = (80, 8080, 2020, 8899, 8000, 8081, 88, 81, 8888)
MAX_ENDPOINTS = 3


@dataclass
class _Session:
    """One answering device service: the client and settings, the port, the device's clock
    offset (for WS-UsernameToken ``Created``), the user's login, and the lists results go to."""

    client: httpx.AsyncClient
    settings: ProbeSettings
    port: int
    offset: float
    login: Login | None
    obs: list[Observation]
    attempts: list[ProbeAttempt]


class OnvifProbe:
    """Query the ONVIF device service of one host."""

    name = "onvif"
    uses_discovery = True  # WS-Discovery's XAddrs: starts once discovery has ended

    def __init__(self, ports: frozenset[int] = HTTP_PORTS) -> None:
        self.ports = ports

    def endpoints(self, target: ProbeTarget) -> list[str]:
        """Device-service URLs to try: the host's own XAddrs, else the usual path per port."""
        own = [x for x in target.onvif_xaddrs if same_host(x, target.address)]
        own = [x for x in own if x.lower().startswith(("http://", "https://"))]
        if own:
            return list(dict.fromkeys(own))[:MAX_ENDPOINTS]
        ports = target.open_ports & self.ports if target.open_ports else frozenset({80})
        ordered = [p for p in PREFERRED_PORTS if p in ports] + sorted(
            p for p in ports if p not in PREFERRED_PORTS
        )
        host = url_host(target.address)
        return [
            f"{'https' if p in (443, 8443) else 'http'}://{host}:{p}{DEVICE_PATH}"
            for p in ordered[:MAX_ENDPOINTS]
        ]

    async def run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        timer = Timer()
        try:
            return await self._run(target, settings)
        except Exception as exc:  # a probe never raises; record the bug as data
            status = AttemptStatus.ERROR
            return ProbeResult(
                attempts=(attempt(self.name, None, status, f"internal error: {exc!r}", timer),)
            )

    async def _run(self, target: ProbeTarget, settings: ProbeSettings) -> ProbeResult:
        obs, attempts = settings.lists()
        urls = self.endpoints(target)
        if not urls:
            t = Timer()
            return ProbeResult(
                attempts=(attempt(self.name, None, AttemptStatus.SKIPPED, "no open web port", t),)
            )
        async with make_client(settings) as client:
            budget = Budget(settings.timeout, settings.connect_timeout)
            for url in urls:
                port = port_of(url)
                t = Timer()
                if budget.spent():
                    attempts.append(
                        attempt(
                            self.name,
                            port,
                            AttemptStatus.SKIPPED,
                            f"{url}: probe time budget spent",
                            t,
                        )
                    )
                    continue
                try:
                    reply = await soap_call(client, url, "GetSystemDateAndTime", settings)
                    ours = datetime.now(UTC)
                except Exception as exc:
                    status, reason = httpx_status(exc)
                    if port in MAYBE_HTTP_PORTS and status is not AttemptStatus.REFUSED:
                        status = AttemptStatus.NO_ANSWER  # e.g. a silent binary SDK port
                    attempts.append(attempt(self.name, port, status, f"{url}: {reason}", t))
                    continue
                if reply.root is None or local(reply.root.tag) != "Envelope":
                    reason = reply.error or f"HTTP {reply.status}, not a SOAP envelope"
                    # A web server without a device service (404, a login page) is not
                    # broken, it just is not ONVIF; only a garbled 200 is malformed.
                    status = (
                        AttemptStatus.MALFORMED if reply.status == 200 else AttemptStatus.NO_ANSWER
                    )
                    attempts.append(attempt(self.name, port, status, f"{url}: {reason}", t))
                    continue
                device_time = parse_utc_datetime(reply.root)
                offset = (device_time - ours).total_seconds() if device_time else 0.0
                fault = parse_fault(reply.root)
                note = (
                    f"fault {fault}"
                    if fault
                    else (f"clock offset {round(offset):+d}s" if device_time else "no UTC time")
                )
                attempts.append(
                    attempt(self.name, port, AttemptStatus.OK, f"GetSystemDateAndTime: {note}", t)
                )
                if device_time:
                    obs.append(self._obs("onvif.clock_offset", str(round(offset)), port))
                login = settings.credentials.login_for(target.address)
                session = _Session(client, settings, port, offset, login, obs, attempts)
                await self._device(session, url)
                break
        return ProbeResult(observations=dedup(obs), attempts=tuple(attempts))

    def _obs(self, signal: str, value: str, port: int) -> Observation:
        return Observation(signal=signal, value=value, port=port, source=self.name)

    async def _device(self, c: _Session, url: str) -> None:
        calls = (
            ("GetCapabilities", "<Category>All</Category>", parse_capabilities),
            ("GetServices", "<IncludeCapability>false</IncludeCapability>", parse_services),
        )
        capabilities = None
        found: list[str] = []
        for operation, inner, parser in calls:
            t = Timer()
            reply = await self._safe_call(c, url, operation, inner)
            if isinstance(reply, ProbeAttempt):
                c.attempts.append(reply)
                continue
            if operation == "GetCapabilities":
                capabilities = reply.root
            services = parser(reply.root) if reply.root is not None else []
            found.extend(services)
            c.obs.extend(self._obs("onvif.service", ns, c.port) for ns in services)
            c.attempts.append(
                self._answered(operation, reply, c.port, t, f"{len(services)} services")
            )

        answer = await self._device_information(c, url, None)
        if answer is None:
            return
        info, reply = answer
        if not info and c.login is not None:
            answer = await self._device_information(c, url, c.login)
            if answer is None:
                return
            info, reply = answer
        for name, signal in DEVICE_FIELDS.items():
            if name in info:
                c.obs.append(self._obs(signal, info[name], c.port))
        if not info and reply.root is not None:
            fault = parse_fault(reply.root)
            if fault:
                c.obs.append(self._obs("onvif.fault", fault, c.port))

        if c.login is None and not RECORDER_SERVICES.intersection(found):
            return  # a plain camera: its channel count is itself, not worth two round trips
        media = media_xaddr(capabilities)
        media_url = media if media and same_host(media, host_of(url)) else url
        await self._media(c, media_url)

    async def _device_information(
        self, c: _Session, url: str, login: Login | None
    ) -> tuple[dict[str, str], SoapReply] | None:
        """GetDeviceInformation, anonymously or with ``login``'s WS-UsernameToken: the fields
        read and the reply, or None when the call failed (its attempt recorded either way)."""
        t = Timer()
        header = self._token(login, c.offset) if login is not None else ""
        reply = await self._safe_call(c, url, "GetDeviceInformation", header=header)
        if isinstance(reply, ProbeAttempt):
            c.attempts.append(reply)
            return None
        info = parse_device_information(reply.root) if reply.root is not None else {}
        how = "no credentials" if login is None else "with credentials"
        note = f"{len(info)} fields, {how}"
        sent_login = login is not None
        c.attempts.append(
            self._answered("GetDeviceInformation", reply, c.port, t, note, sent_login=sent_login)
        )
        return info, reply

    async def _media(self, c: _Session, url: str) -> None:
        """GetVideoSources and GetProfiles: a recorder's channel count, anonymously if the
        device allows it, else with the user's login (ONVIF Media ver10)."""
        calls = (
            ("GetVideoSources", "VideoSources", "onvif.video_sources"),
            ("GetProfiles", "Profiles", "onvif.profiles"),
        )
        for operation, item, signal in calls:
            t = Timer()
            count = None
            reply: SoapReply | ProbeAttempt | None = None
            for with_login in (False, True):
                if with_login and c.login is None:
                    break
                wsse = self._token(c.login, c.offset) if with_login and c.login else ""
                reply = await self._safe_call(c, url, operation, header=wsse, ns=MEDIA_NS)
                if isinstance(reply, ProbeAttempt) or reply.root is None:
                    break
                count = count_items(reply.root, operation + "Response", item)
                if count is not None:
                    break
            if isinstance(reply, ProbeAttempt):
                c.attempts.append(reply)
                continue
            if reply is None:
                continue
            if count is not None:
                c.obs.append(self._obs(signal, str(count), c.port))
            how = ", with credentials" if with_login else ""
            note = f"{count} {item}{how}" if count is not None else "no count"
            sent = with_login and c.login is not None
            c.attempts.append(self._answered(operation, reply, c.port, t, note, sent))

    @staticmethod
    def _token(login: Login, offset: float) -> str:
        when = datetime.now(UTC) + timedelta(seconds=offset)
        return security_header(
            login.username, login.password, created_timestamp(when), os.urandom(16)
        )

    async def _safe_call(
        self,
        c: _Session,
        url: str,
        operation: str,
        inner: str = "",
        header: str = "",
        ns: str = TDS,
    ) -> SoapReply | ProbeAttempt:
        t = Timer()
        try:
            return await soap_call(c.client, url, operation, c.settings, inner, header, ns)
        except Exception as exc:
            status, reason = httpx_status(exc)
            return attempt(self.name, port_of(url), status, f"{operation}: {reason}", t)

    def _answered(
        self,
        operation: str,
        reply: SoapReply,
        port: int,
        t: Timer,
        ok_note: str,
        sent_login: bool = False,
    ) -> ProbeAttempt:
        if reply.root is None:
            return attempt(
                self.name, port, AttemptStatus.MALFORMED, f"{operation}: {reply.error}", t
            )
        fault = parse_fault(reply.root)
        if fault:
            # A refusal of the user's login is ``denied``; without one it is the device's answer.
            refused = sent_login and (reply.status == 401 or "NotAuthorized" in fault)
            status = AttemptStatus.DENIED if refused else AttemptStatus.OK
            why = ", credentials refused" if refused else ""
            return attempt(
                self.name, port, status, f"{operation}: HTTP {reply.status}, fault {fault}{why}", t
            )
        return attempt(self.name, port, AttemptStatus.OK, f"{operation}: {ok_note}", t)
