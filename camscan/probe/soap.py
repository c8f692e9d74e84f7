"""SOAP 1.2 for ONVIF: envelopes, WS-Security UsernameToken, defused reply parsing, faults.

Requests are hand-written envelopes (protocols.md §6: no zeep). Replies are untrusted: parsed
with defusedxml (no DTDs, no entities) and matched on local element names so any namespace
prefix works. :func:`soap_call` posts one envelope through a capped
:func:`~camscan.probe.httpclient.fetch` and returns the parsed reply or the reason it is not
one; transport errors are raised for the caller to turn into an attempt status.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as DET
import httpx

from camscan.probe.base import ProbeSettings
from camscan.probe.httpclient import fetch, port_of
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
SOAP_CAP = 256 * 1024  # ONVIF replies are small; GetCapabilities is the largest (~10 KB)


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


def find(root: Any, name: str) -> Any:
    for el in root.iter():
        if local(el.tag) == name:
            return el
    return None


def text(el: Any) -> str:
    return device_text("".join(el.itertext())) if el is not None else ""


def parse_fault(root: Any) -> str | None:
    """The most specific fault code of a SOAP 1.2 (or 1.1) fault, e.g. ``ter:NotAuthorized``."""
    fault = find(root, "Fault")
    if fault is None:
        return None
    code = None
    for el in fault.iter():
        if local(el.tag) == "Value":  # Code/Value, then nested Subcode/Value: keep the deepest
            code = text(el) or code
        elif local(el.tag) == "faultcode" and code is None:  # SOAP 1.1
            code = text(el)
    if code is None:
        reason = find(fault, "Text")
        code = text(reason) if reason is not None else "fault"
    return code


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


def envelope(operation: str, inner: str = "", header: str = "", ns: str = TDS) -> bytes:
    """A SOAP 1.2 request for one operation of the service whose WSDL namespace is ``ns``."""
    head = f"<s:Header>{header}</s:Header>" if header else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xmlns:s="{SOAP12}">{head}<s:Body>'
        f'<{operation} xmlns="{ns}">{inner}</{operation}></s:Body></s:Envelope>'
    ).encode()


@dataclass(frozen=True)
class SoapReply:
    """An answered call: HTTP status and the parsed document (None when not XML)."""

    status: int
    root: Any
    error: str = ""


async def soap_call(
    client: httpx.AsyncClient,
    url: str,
    operation: str,
    settings: ProbeSettings,
    inner: str = "",
    header: str = "",
    ns: str = TDS,
) -> SoapReply:
    """POST one envelope and parse the capped reply. Raises httpx/timeout errors."""
    ctype = f'application/soap+xml; charset=utf-8; action="{ns}/{operation}"'
    page = await fetch(
        client,
        url,
        port_of(url),
        settings,
        cap=min(settings.max_bytes * 4, SOAP_CAP),
        method="POST",
        content=envelope(operation, inner, header, ns),
        headers={"Content-Type": ctype},
    )
    if page.truncated:
        return SoapReply(page.status, None, "reply larger than the byte cap")
    try:
        return SoapReply(page.status, parse_xml(page.body))
    except SoapError as exc:
        return SoapReply(page.status, None, f"HTTP {page.status}, not XML: {exc}")
