"""Signature examples as devices send them: protocol payloads through camscan's own parsers.

A rule sees what the shipped parser makes of a reply, not what a capture shows. So an example
that is a whole payload (a WS-Discovery ProbeMatch, a SADP or DHIP reply, a UPnP description,
an SSDP message, an ONVIF GetDeviceInformation response, an HTTP response, a telnet banner)
is parsed here into observations before the rule is tried, and a single ``wsd.scope`` value is
decoded the way the WS-Discovery parser decodes it (``name/LOREX%20LNB4321`` reaches the rule
as ``name/LOREX LNB4321``) and made one inert line like every observation value (a banner's
CR/LF reaches the rule as one space). The same functions let the corpus and benchmarks feed
capture text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from camscan.discover import dhip, sadp, ssdp, wsd
from camscan.models import Observation
from camscan.probe import onvifdevice
from camscan.probe.banner import banner_observations
from camscan.probe.common import redact_challenge
from camscan.probe.httpclient import Fetched
from camscan.probe.httpevidence import body_snippet, extract_title, header_observations
from camscan.probe.soap import parse_xml
from camscan.sanitize import device_text, neutralise

MAX_PAYLOAD = 64 * 1024
_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")


class PayloadFormat(StrEnum):
    """Which shipped parser reads an example payload (see docs/signature-format.md)."""

    WSD = "wsd"  # ProbeMatch/Hello XML → wsd.endpoint, wsd.types, wsd.scope, wsd.xaddrs
    SADP = "sadp"  # SADP ProbeMatch XML → sadp.<Field>
    DHIP = "dhip"  # DHIP reply (JSON, 32-byte header optional) → dhip.<Field>
    UPNP = "upnp"  # UPnP device description XML → upnp.manufacturer, upnp.model, ...
    SSDP = "ssdp"  # SSDP search response or NOTIFY → ssdp.server, ssdp.st
    ONVIF = "onvif"  # GetDeviceInformation response envelope → onvif.manufacturer, ...
    HTTP = "http"  # HTTP/1.x response (status line, headers, body) → http.server, title, body...
    BANNER = "banner"  # first bytes of a TCP service (\xNN escapes) → telnet/ssh/tcp.banner


def to_bytes(text: str) -> bytes:
    """Payload text as bytes: UTF-8, with ``\\xNN`` escapes for raw bytes."""
    out = bytearray()
    last = 0
    for m in _ESCAPE.finditer(text):
        out += text[last : m.start()].encode("utf-8")
        out.append(int(m.group(1), 16))
        last = m.end()
    out += text[last:].encode("utf-8")
    return bytes(out[:MAX_PAYLOAD])


def _wsd(data: bytes, port: int | None) -> list[Observation]:
    return [o for m in wsd.parse_wsd(data) for o in wsd.observations(m)]


def _sadp(data: bytes, port: int | None) -> list[Observation]:
    reply = sadp.parse_sadp(data)
    return sadp.observations(reply) if reply else []


def _dhip(data: bytes, port: int | None) -> list[Observation]:
    reply = dhip.parse_dhip(data)
    return dhip.observations(reply) if reply else []


def _upnp(data: bytes, port: int | None) -> list[Observation]:
    return ssdp.parse_description(data)


def _ssdp(data: bytes, port: int | None) -> list[Observation]:
    message = ssdp.parse_ssdp(data)
    return ssdp.observations(message) if message else []


def _onvif(data: bytes, port: int | None) -> list[Observation]:
    try:
        root = parse_xml(data)
    except ValueError:
        return []
    info = onvifdevice.parse_device_information(root) if root is not None else {}
    return [
        Observation(signal=onvifdevice.DEVICE_FIELDS[k], value=v, port=port, source="onvif")
        for k, v in info.items()
    ]


def _http(data: bytes, port: int | None) -> list[Observation]:
    """Split a raw response into status, headers and body like the HTTP probe's fetch."""
    head, _, body = data.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = head.decode("latin-1").split("\n")
    status_line = lines[0].split()
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/"):
        return []
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    page = Fetched("http://example.invalid/", port or 80, int(status_line[1]), tuple(headers), body)
    out = header_observations(page)
    if title := extract_title(page.body, page.charset()):
        out.append(Observation(signal="http.title", value=title, port=page.port, source="http"))
    if snippet := body_snippet(page.text()):
        out.append(Observation(signal="http.body", value=snippet, port=page.port, source="http"))
    return out


def _banner(data: bytes, port: int | None) -> list[Observation]:
    return banner_observations(data, port or 23)


_PARSERS: dict[PayloadFormat, Callable[[bytes, int | None], list[Observation]]] = {
    PayloadFormat.WSD: _wsd,
    PayloadFormat.SADP: _sadp,
    PayloadFormat.DHIP: _dhip,
    PayloadFormat.UPNP: _upnp,
    PayloadFormat.SSDP: _ssdp,
    PayloadFormat.ONVIF: _onvif,
    PayloadFormat.HTTP: _http,
    PayloadFormat.BANNER: _banner,
}


def parse_payload(fmt: PayloadFormat, text: str, port: int | None = None) -> list[Observation]:
    """The observations camscan's parser for ``fmt`` makes of ``text`` (empty on garbage)."""
    return _PARSERS[fmt](to_bytes(text), port)


# Signals whose single values are decoded by their parser before any rule sees them.
# Per-signal decoding the probes apply before a value becomes an observation: WS-Discovery
# scopes are %-decoded; auth challenges have their per-request nonce/opaque blanked.
_WIRE: dict[str, Callable[[str], str]] = {
    "wsd.scope": wsd.decode_scope,
    "http.www_authenticate": redact_challenge,
    "rtsp.www_authenticate": redact_challenge,
}
# Signals kept byte-exact as ``\xNN`` text (camscan.sanitize.escape_bytes): only neutralised.
_BYTE_EXACT = frozenset({"tcp.banner"})


def as_parsed(signal: str, value: str) -> str:
    """A single value written as sent on the wire, as the parser hands it to the rules: decoded
    where its parser decodes (``wsd.scope``; auth challenges get their nonces blanked), then
    made one inert line like every observation value (:func:`camscan.sanitize.device_text`:
    whitespace runs, CR/LF included, become one space; control characters become ``\\xNN``)."""
    if signal in _BYTE_EXACT:
        return neutralise(value)
    decode = _WIRE.get(signal)
    return device_text(decode(value) if decode else value)


def signal_applies(rule_signal: str, signal: str) -> bool:
    """Whether a rule on ``rule_signal`` (maybe a ``family.*``) sees observations of ``signal``."""
    if rule_signal.endswith(".*"):
        return signal.startswith(rule_signal[:-1])
    return rule_signal == signal
