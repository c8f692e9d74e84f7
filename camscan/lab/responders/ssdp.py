"""SSDP on UDP 1900 (M-SEARCH answered unicast) and the UPnP description XML it points at.

M-SEARCH goes to 239.255.255.250:1900 and devices answer unicast to the sender
(julienblitte/UniversalScanner doc/protocols.html); on start the device multicasts one
``NOTIFY … ssdp:alive`` per target (layout as UniversalScanner SSDP.selftest). The answer
carries SERVER, LOCATION, ST and USN, and the description at LOCATION names manufacturer,
modelName, modelNumber, serialNumber (UPnP Device Architecture 1.0). The description is
served by the web server when it shares its port, otherwise by a small one of its own.
"""

from __future__ import annotations

from email.utils import formatdate
from xml.sax.saxutils import escape

from camscan.lab.persona import HttpConfig, SsdpConfig, expand
from camscan.lab.responders.common import DeviceContext, Running, start_udp
from camscan.lab.responders.http import (
    Dynamic,
    Request,
    Response,
    simple_response,
    start_http,
)

PORT = 1900
GROUP = "239.255.255.250"
FALLBACK_DESCRIPTION_PORT = 49152


def description_port(ctx: DeviceContext, cfg: SsdpConfig) -> int:
    """Where LOCATION points: the explicit port, else the web server's, else 49152."""
    if cfg.location_port is not None:
        return cfg.location_port
    return ctx.persona.http.port if ctx.persona.http else FALLBACK_DESCRIPTION_PORT


def parse_msearch(data: bytes) -> str | None:
    """The ST of an ``ssdp:discover`` M-SEARCH; None for anything else."""
    if len(data) > 8192:
        return None
    lines = data.decode("latin-1").split("\r\n")
    if not lines[0].upper().startswith("M-SEARCH * HTTP/1."):
        return None
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().upper()] = value.strip()
    if headers.get("MAN", "").strip('"') != "ssdp:discover":
        return None
    return headers.get("ST")


def search_targets(ctx: DeviceContext, cfg: SsdpConfig, st: str) -> list[tuple[str, str]]:
    """(ST, USN) pairs answering one search target."""
    udn = "uuid:" + expand(cfg.uuid, ctx.values())
    every = [
        ("upnp:rootdevice", f"{udn}::upnp:rootdevice"),
        (udn, udn),
        (cfg.device_type, f"{udn}::{cfg.device_type}"),
    ]
    if st == "ssdp:all":
        return every
    return [pair for pair in every if pair[0] == st]


def search_response(ctx: DeviceContext, cfg: SsdpConfig, st: str, usn: str) -> bytes:
    """One unicast answer to an M-SEARCH."""
    location = f"http://{ctx.address}:{description_port(ctx, cfg)}{cfg.location_path}"
    lines = [
        "HTTP/1.1 200 OK",
        f"CACHE-CONTROL: max-age={cfg.max_age}",
        f"DATE: {formatdate(usegmt=True)}",
        "EXT:",
        f"LOCATION: {location}",
        f"SERVER: {expand(cfg.server, ctx.values())}",
        f"ST: {st}",
        f"USN: {usn}",
        "",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8", "surrogateescape")


def notify_alive(ctx: DeviceContext, cfg: SsdpConfig, nt: str, usn: str) -> bytes:
    """One ``ssdp:alive`` announcement (multicast when the device comes up)."""
    location = f"http://{ctx.address}:{description_port(ctx, cfg)}{cfg.location_path}"
    lines = [
        "NOTIFY * HTTP/1.1",
        f"HOST: {GROUP}:{PORT}",
        f"CACHE-CONTROL: max-age={cfg.max_age}",
        f"LOCATION: {location}",
        f"SERVER: {expand(cfg.server, ctx.values())}",
        f"NT: {nt}",
        f"USN: {usn}",
        "NTS: ssdp:alive",
        "",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8", "surrogateescape")


def description_xml(ctx: DeviceContext, cfg: SsdpConfig) -> bytes:
    """The UPnP root device description."""
    values = ctx.values()
    fields = [
        ("deviceType", cfg.device_type),
        ("friendlyName", cfg.friendly_name),
        ("manufacturer", cfg.manufacturer),
        ("manufacturerURL", cfg.manufacturer_url),
        ("modelDescription", cfg.model_description),
        ("modelName", cfg.model_name),
        ("modelNumber", cfg.model_number),
        ("serialNumber", cfg.serial_number),
        ("UDN", "uuid:" + cfg.uuid),
    ]
    inner = "".join(f"<{k}>{escape(expand(v, values))}</{k}>" for k, v in fields if v)
    return (
        '<?xml version="1.0"?>\n<root xmlns="urn:schemas-upnp-org:device-1-0">'
        "<specVersion><major>1</major><minor>0</minor></specVersion>"
        f"<device>{inner}</device></root>\n"
    ).encode()


def description_dynamic(ctx: DeviceContext, cfg: SsdpConfig) -> Dynamic:
    """A web-server plug-in serving the description at ``cfg.location_path``."""

    def handler(request: Request) -> Response | None:
        if request.path != cfg.location_path or request.method not in ("GET", "HEAD"):
            return None
        body = description_xml(ctx, cfg)
        headers = [("Content-Type", 'text/xml; charset="utf-8"'), ("Connection", "close")]
        response = simple_response(200, headers, body)
        return (
            response
            if request.method == "GET"
            else Response(response.status_line, response.headers)
        )

    return handler


async def start_ssdp(ctx: DeviceContext, cfg: SsdpConfig, *, own_description: bool) -> Running:
    """Answer M-SEARCH; serve the description on its own port when ``own_description``."""

    def handle(data: bytes, addr: tuple[str, int]) -> list[bytes]:
        if ctx.persona.misbehave.udp_garbage:
            return [ctx.garbage("ssdp")]
        st = parse_msearch(data)
        if st is None:
            return []
        return [search_response(ctx, cfg, t, usn) for t, usn in search_targets(ctx, cfg, st)]

    running, transport = await start_udp(ctx, "ssdp", PORT, handle, group=GROUP)
    if ctx.multicast:
        for nt, usn in search_targets(ctx, cfg, "ssdp:all"):
            transport.sendto(notify_alive(ctx, cfg, nt, usn), (GROUP, PORT))
    if own_description:
        try:
            web = await start_http(
                ctx,
                HttpConfig(port=description_port(ctx, cfg)),
                dynamic=(description_dynamic(ctx, cfg),),
                name="upnp",
            )
        except BaseException:
            await running.aclose()
            raise
        running.closers.extend(web.closers)
        running.endpoints.extend(web.endpoints)
    return running
