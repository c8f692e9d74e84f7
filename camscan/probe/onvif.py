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

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as DET
import httpx

from camscan.models import AttemptStatus, Observation, ProbeAttempt
from camscan.probe.base import ProbeResult, ProbeSettings, ProbeTarget
from camscan.probe.common import Budget, Timer, attempt, dedup, url_host
from camscan.probe.http import (
    HTTP_PORTS,
    MAYBE_HTTP_PORTS,
    fetch,
    httpx_status,
    make_client,
    same_host,
)
from camscan.sanitize import device_text

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
TDS = "http://www.onvif.org/ver10/device/wsdl"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_TOKEN_PROFILE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
)
_SOAP_MESSAGE_SECURITY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
)
DEVICE_PATH = "/onvif/device_service"
# Ports tried for the device service when WS-Discovery gave no XAddrs, in order: 80, then
# the alternates seen on cameras (TP-Link 2020 per tplink-wsd-probematch-TP-IPC.xml).
PREFERRED_PORTS = (80, 8080, 2020, 8899, 8000, 8081, 88, 81, 8888)
MAX_ENDPOINTS = 3
SOAP_CAP = 256 * 1024  # ONVIF replies are small; GetCapabilities is the largest (~10 KB)

# GetCapabilities lists categories, not namespaces: map each to its service's WSDL namespace
# (namespaces as published in the ONVIF WSDLs, https://www.onvif.org/profiles/specifications/).
CAPABILITY_NAMESPACES = {
    "Analytics": "http://www.onvif.org/ver20/analytics/wsdl",
    "AnalyticsDevice": "http://www.onvif.org/ver10/analyticsdevice/wsdl",
    "Device": "http://www.onvif.org/ver10/device/wsdl",
    "DeviceIO": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "Display": "http://www.onvif.org/ver10/display/wsdl",
    "Events": "http://www.onvif.org/ver10/events/wsdl",
    "Imaging": "http://www.onvif.org/ver20/imaging/wsdl",
    "Media": "http://www.onvif.org/ver10/media/wsdl",
    "PTZ": "http://www.onvif.org/ver20/ptz/wsdl",
    "Receiver": "http://www.onvif.org/ver10/receiver/wsdl",
    "Recording": "http://www.onvif.org/ver10/recording/wsdl",
    "Replay": "http://www.onvif.org/ver10/replay/wsdl",
    "Search": "http://www.onvif.org/ver10/search/wsdl",
}
DEVICE_FIELDS = {
    "Manufacturer": "onvif.manufacturer",
    "Model": "onvif.model",
    "FirmwareVersion": "onvif.firmware",
    "SerialNumber": "onvif.serial",
    "HardwareId": "onvif.hardware_id",
}


class SoapError(ValueError):
    """A reply that is not a parseable, safe XML document."""


def local(tag: Any) -> str:
    """The local part of an ElementTree tag (``{ns}Name`` → ``Name``)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_xml(data: bytes) -> Any:
    """Parse untrusted XML: defusedxml with DTDs forbidden (no entity/bomb tricks).

    Sloppy firmware puts raw control bytes in text, which XML 1.0 forbids; rather than lose
    the whole reply, such bytes are rewritten to the visible text ``\\xNN`` and parsed again.
    """
    try:
        return DET.fromstring(data, forbid_dtd=True)
    except DET.ParseError as exc:
        if not _RAW_CONTROL.search(data):
            raise SoapError(f"ParseError: {exc}") from None
        first = exc
    except Exception as exc:  # DTDForbidden, EntitiesForbidden, ...
        raise SoapError(f"{type(exc).__name__}: {exc}") from None
    visible = _RAW_CONTROL.sub(lambda m: b"\\x%02x" % m.group()[0], data)
    try:
        return DET.fromstring(visible, forbid_dtd=True)
    except Exception:
        raise SoapError(f"ParseError: {first}") from None


def _find(root: Any, name: str) -> Any:
    for el in root.iter():
        if local(el.tag) == name:
            return el
    return None


def _text(el: Any) -> str:
    return device_text("".join(el.itertext())) if el is not None else ""


def parse_fault(root: Any) -> str | None:
    """The most specific fault code of a SOAP 1.2 (or 1.1) fault, e.g. ``ter:NotAuthorized``."""
    fault = _find(root, "Fault")
    if fault is None:
        return None
    code = None
    for el in fault.iter():
        if local(el.tag) == "Value":  # Code/Value, then nested Subcode/Value: keep the deepest
            code = _text(el) or code
        elif local(el.tag) == "faultcode" and code is None:  # SOAP 1.1
            code = _text(el)
    if code is None:
        reason = _find(fault, "Text")
        code = _text(reason) if reason is not None else "fault"
    return code


def parse_device_information(root: Any) -> dict[str, str]:
    """Manufacturer/Model/FirmwareVersion/SerialNumber/HardwareId from the response element."""
    resp = _find(root, "GetDeviceInformationResponse")
    if resp is None:
        return {}
    out: dict[str, str] = {}
    for child in resp:
        name = local(child.tag)
        if name in DEVICE_FIELDS and name not in out:
            value = _text(child)
            if value:
                out[name] = value
    return out


def parse_utc_datetime(root: Any) -> datetime | None:
    """The device's UTCDateTime from GetSystemDateAndTimeResponse (None if absent/invalid)."""
    utc = _find(root, "UTCDateTime")
    if utc is None:
        return None
    parts: dict[str, int] = {}
    for el in utc.iter():
        name = local(el.tag)
        if name in ("Year", "Month", "Day", "Hour", "Minute", "Second"):
            try:
                parts[name] = int(_text(el))
            except ValueError:
                return None
    try:
        return datetime(
            parts["Year"],
            parts["Month"],
            parts["Day"],
            parts["Hour"],
            parts["Minute"],
            parts["Second"],
            tzinfo=UTC,
        )
    except (KeyError, ValueError, OverflowError):
        return None


def parse_services(root: Any) -> list[str]:
    """Namespaces listed by GetServicesResponse, in order, without duplicates."""
    resp = _find(root, "GetServicesResponse")
    if resp is None:
        return []
    found = [_text(el) for el in resp.iter() if local(el.tag) == "Namespace"]
    return list(dict.fromkeys(ns for ns in found if ns))


def parse_capabilities(root: Any) -> list[str]:
    """Service namespaces implied by GetCapabilitiesResponse.

    Standard categories that carry an XAddr map to their WSDL namespace; vendor extension
    elements (outside www.onvif.org) are reported by their own namespace, which can name the
    firmware family.
    """
    caps = _find(root, "Capabilities")
    if caps is None:
        return []
    out: list[str] = []
    containers = [caps, *[c for c in caps if local(c.tag) == "Extension"]]
    for container in containers:
        for child in container:
            name = local(child.tag)
            ns = namespace(child.tag)
            if name in CAPABILITY_NAMESPACES and any(local(x.tag) == "XAddr" for x in child.iter()):
                out.append(CAPABILITY_NAMESPACES[name])
            elif ns and "www.onvif.org" not in ns and name != "Extension":
                out.append(device_text(ns))
    return list(dict.fromkeys(out))


def created_timestamp(when: datetime) -> str:
    """``wsu:Created`` in the millisecond form devices send (agsh/onvif mockups)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """WSS UsernameToken profile 1.0: Base64(SHA-1(nonce + created + password))."""
    raw = nonce + created.encode("utf-8") + password.encode("utf-8")
    return base64.b64encode(hashlib.sha1(raw, usedforsecurity=False).digest()).decode("ascii")


def security_header(username: str, password: str, created: str, nonce: bytes) -> str:
    """A WS-Security header carrying a PasswordDigest UsernameToken."""
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}">'
        f"<wsse:UsernameToken><wsse:Username>{escape(username)}</wsse:Username>"
        f'<wsse:Password Type="{_TOKEN_PROFILE}#PasswordDigest">'
        f"{password_digest(nonce, created, password)}</wsse:Password>"
        f'<wsse:Nonce EncodingType="{_SOAP_MESSAGE_SECURITY}#Base64Binary">'
        f"{base64.b64encode(nonce).decode('ascii')}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


def envelope(operation: str, inner: str = "", header: str = "") -> bytes:
    """A SOAP 1.2 request for one device-service operation."""
    head = f"<s:Header>{header}</s:Header>" if header else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xmlns:s="{SOAP12}">{head}<s:Body>'
        f'<{operation} xmlns="{TDS}">{inner}</{operation}></s:Body></s:Envelope>'
    ).encode()


@dataclass(frozen=True)
class SoapReply:
    """An answered call: HTTP status and the parsed document (None when not XML)."""

    status: int
    root: Any
    error: str = ""


class OnvifProbe:
    """Query the ONVIF device service of one host."""

    name = "onvif"

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

    async def _call(
        self,
        client: httpx.AsyncClient,
        url: str,
        operation: str,
        settings: ProbeSettings,
        inner: str = "",
        header: str = "",
    ) -> SoapReply:
        ctype = f'application/soap+xml; charset=utf-8; action="{TDS}/{operation}"'
        page = await fetch(
            client,
            url,
            _port_of(url),
            settings,
            cap=min(settings.max_bytes * 4, SOAP_CAP),
            method="POST",
            content=envelope(operation, inner, header),
            headers={"Content-Type": ctype},
        )
        if page.truncated:
            return SoapReply(page.status, None, "reply larger than the byte cap")
        try:
            return SoapReply(page.status, parse_xml(page.body))
        except SoapError as exc:
            return SoapReply(page.status, None, f"HTTP {page.status}, not XML: {exc}")

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
                port = _port_of(url)
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
                    reply = await self._call(client, url, "GetSystemDateAndTime", settings)
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
                await self._device(client, url, port, settings, offset, obs, attempts)
                break
        return ProbeResult(observations=dedup(obs), attempts=tuple(attempts))

    def _obs(self, signal: str, value: str, port: int) -> Observation:
        return Observation(signal=signal, value=value, port=port, source=self.name)

    async def _device(
        self,
        client: httpx.AsyncClient,
        url: str,
        port: int,
        settings: ProbeSettings,
        offset: float,
        obs: list[Observation],
        attempts: list[ProbeAttempt],
    ) -> None:
        calls = (
            ("GetCapabilities", "<Category>All</Category>", parse_capabilities),
            ("GetServices", "<IncludeCapability>false</IncludeCapability>", parse_services),
        )
        for operation, inner, parser in calls:
            t = Timer()
            reply = await self._safe_call(client, url, operation, settings, inner)
            if isinstance(reply, ProbeAttempt):
                attempts.append(reply)
                continue
            services = parser(reply.root) if reply.root is not None else []
            obs.extend(self._obs("onvif.service", ns, port) for ns in services)
            attempts.append(self._answered(operation, reply, port, t, f"{len(services)} services"))

        t = Timer()
        reply = await self._safe_call(client, url, "GetDeviceInformation", settings)
        creds = settings.credentials
        if isinstance(reply, ProbeAttempt):
            attempts.append(reply)
            return
        info = parse_device_information(reply.root) if reply.root is not None else {}
        attempts.append(
            self._answered(
                "GetDeviceInformation", reply, port, t, f"{len(info)} fields, no credentials"
            )
        )
        if not info and creds.username is not None and creds.password is not None:
            t = Timer()
            when = datetime.now(UTC) + timedelta(seconds=offset)
            header = security_header(
                creds.username, creds.password, created_timestamp(when), os.urandom(16)
            )
            reply = await self._safe_call(
                client, url, "GetDeviceInformation", settings, header=header
            )
            if isinstance(reply, ProbeAttempt):
                attempts.append(reply)
                return
            info = parse_device_information(reply.root) if reply.root is not None else {}
            attempts.append(
                self._answered(
                    "GetDeviceInformation", reply, port, t, f"{len(info)} fields, with credentials"
                )
            )
        for name, signal in DEVICE_FIELDS.items():
            if name in info:
                obs.append(self._obs(signal, info[name], port))
        if not info and reply.root is not None:
            fault = parse_fault(reply.root)
            if fault:
                obs.append(self._obs("onvif.fault", fault, port))

    async def _safe_call(
        self,
        client: httpx.AsyncClient,
        url: str,
        operation: str,
        settings: ProbeSettings,
        inner: str = "",
        header: str = "",
    ) -> SoapReply | ProbeAttempt:
        t = Timer()
        try:
            return await self._call(client, url, operation, settings, inner, header)
        except Exception as exc:
            status, reason = httpx_status(exc)
            return attempt(self.name, _port_of(url), status, f"{operation}: {reason}", t)

    def _answered(
        self, operation: str, reply: SoapReply, port: int, t: Timer, ok_note: str
    ) -> ProbeAttempt:
        if reply.root is None:
            return attempt(
                self.name, port, AttemptStatus.MALFORMED, f"{operation}: {reply.error}", t
            )
        fault = parse_fault(reply.root)
        if fault:
            return attempt(
                self.name,
                port,
                AttemptStatus.OK,
                f"{operation}: HTTP {reply.status}, fault {fault}",
                t,
            )
        return attempt(self.name, port, AttemptStatus.OK, f"{operation}: {ok_note}", t)


def _port_of(url: str) -> int:
    try:
        parsed = httpx.URL(url)
    except Exception:
        return 80
    return parsed.port or (443 if parsed.scheme == "https" else 80)
