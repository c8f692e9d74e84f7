"""ONVIF device service: SOAP 1.2 over HTTP POST, with WS-UsernameToken digest checks.

GetSystemDateAndTime, GetCapabilities and GetServices answer without credentials (the Core
spec's PRE_AUTH class); GetDeviceInformation and GetNetworkInterfaces are open or need a
PasswordDigest, as the persona says — the WSS UsernameToken profile digest is
Base64(SHA1(nonce + created + password)) and a Created more than 5 minutes from the device
clock is refused, as cameras do. Refusals are the ``ter:NotAuthorized`` fault seen from real
devices (``env:Sender/ter:NotAuthorized``). A device listing the Media service answers its
GetVideoSources and GetProfiles (ONVIF Media Service Specification ver10) at the announced
XAddr: a camera one ``trt:VideoSources`` and ``trt:Profiles`` (with a token when its identity
needs one), a recorder (``channels`` > 0) one per channel and always only with a valid token.
Requests are parsed with defusedxml (no DTDs, no entities).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET

from camscan.lab.persona import HttpConfig, OnvifConfig, OnvifService, expand
from camscan.lab.responders.common import DeviceContext, Running
from camscan.lab.responders.http import Dynamic, Request, Response, simple_response, start_http

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
NS_TT = "http://www.onvif.org/ver10/schema"
NS_TDS = "http://www.onvif.org/ver10/device/wsdl"
NS_TER = "http://www.onvif.org/ver10/error"
NS_TRT = "http://www.onvif.org/ver10/media/wsdl"
MAX_SKEW = dt.timedelta(minutes=5)

#: Service namespaces by short name (ONVIF WSDL namespaces).
SERVICE_NAMESPACES: dict[str, str] = {
    "device": NS_TDS,
    "media": "http://www.onvif.org/ver10/media/wsdl",
    "media2": "http://www.onvif.org/ver20/media/wsdl",
    "events": "http://www.onvif.org/ver10/events/wsdl",
    "imaging": "http://www.onvif.org/ver20/imaging/wsdl",
    "ptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "deviceio": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "analytics": "http://www.onvif.org/ver20/analytics/wsdl",
    "recording": "http://www.onvif.org/ver10/recording/wsdl",
    "search": "http://www.onvif.org/ver10/search/wsdl",
    "replay": "http://www.onvif.org/ver10/replay/wsdl",
}
# GetCapabilities element per service; the last four sit under <tt:Extension>.
_CAPABILITY = {"device": "Device", "events": "Events", "media": "Media", "ptz": "PTZ",
               "imaging": "Imaging", "analytics": "Analytics"}  # fmt: skip
_EXTENSION = {"deviceio": "DeviceIO", "recording": "Recording", "search": "Search",
              "replay": "Replay"}  # fmt: skip


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: Element | None, name: str) -> Element | None:
    if parent is None:
        return None
    return next((c for c in parent if _local(c.tag) == name), None)


def digest(nonce: bytes, created: str, password: str) -> str:
    """The WS-UsernameToken PasswordDigest: Base64(SHA1(nonce + created + password))."""
    return base64.b64encode(
        hashlib.sha1(nonce + created.encode() + password.encode()).digest()
    ).decode()


def check_username_token(envelope: Element, cfg: OnvifConfig, now: dt.datetime) -> tuple[bool, str]:
    """Whether the envelope carries a valid digest token for the persona's user, and why not."""
    token = next((e for e in envelope.iter() if _local(e.tag) == "UsernameToken"), None)
    if token is None:
        return False, "no UsernameToken"
    fields = {_local(c.tag): c for c in token}
    username = (fields["Username"].text or "") if "Username" in fields else ""
    password = fields.get("Password")
    nonce_el, created_el = fields.get("Nonce"), fields.get("Created")
    if password is None or nonce_el is None or created_el is None:
        return False, "incomplete UsernameToken"
    if not password.get("Type", "").endswith("#PasswordDigest"):
        return False, "only PasswordDigest is accepted"
    created = (created_el.text or "").strip()
    try:
        nonce = base64.b64decode((nonce_el.text or "").strip(), validate=True)
        when = dt.datetime.fromisoformat(created)
    except (binascii.Error, ValueError):
        return False, "bad Nonce or Created"
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if abs(when - now) > MAX_SKEW:
        return False, "Created too far from the device clock"
    expected = digest(nonce, created, cfg.password)
    ok = hmac.compare_digest(username, cfg.username) and hmac.compare_digest(
        (password.text or "").strip(), expected
    )
    return ok, "" if ok else "wrong username or digest"


class OnvifDevice:
    """Builds the device service's answers for one persona on one port."""

    def __init__(self, ctx: DeviceContext, cfg: OnvifConfig, port: int, channels: int = 0) -> None:
        self.ctx, self.cfg, self.port, self.channels = ctx, cfg, port, channels
        http = ctx.persona.http
        server = [h for h in (http.default_headers if http else ()) if h.name.lower() == "server"]
        self._server = [(h.name, h.value) for h in server] if http and http.port == port else []

    def now(self) -> dt.datetime:
        """The device clock (real time plus the persona's offset)."""
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.cfg.clock_offset_seconds)

    def _envelope(self, body: str) -> bytes:
        p = self.cfg.soap_prefix
        return (
            f"{self.cfg.xml_declaration}\n"
            f'<{p}:Envelope xmlns:{p}="{SOAP_ENV}" xmlns:tt="{NS_TT}" xmlns:tds="{NS_TDS}" '
            f'xmlns:ter="{NS_TER}" xmlns:trt="{NS_TRT}"><{p}:Body>{body}</{p}:Body></{p}:Envelope>'
        ).encode()

    def _response(self, status: int, body: str) -> Response:
        headers = [
            *self._server,
            ("Content-Type", "application/soap+xml; charset=utf-8"),
            ("Connection", "close"),
        ]
        return simple_response(status, headers, self._envelope(body))

    def fault(self, status: int, code: str, subcode: str, reason: str) -> Response:
        """A SOAP 1.2 fault such as env:Sender / ter:NotAuthorized."""
        p = self.cfg.soap_prefix
        return self._response(
            status,
            f"<{p}:Fault><{p}:Code><{p}:Value>{p}:{code}</{p}:Value><{p}:Subcode>"
            f"<{p}:Value>{subcode}</{p}:Value></{p}:Subcode></{p}:Code><{p}:Reason>"
            f'<{p}:Text xml:lang="en">{escape(reason)}</{p}:Text></{p}:Reason></{p}:Fault>',
        )

    def xaddr(self, service: OnvifService) -> str:
        """The service's URL as this device announces it."""
        values = self.ctx.values(port=str(self.port), name=service.name)
        if service.name == "device" and "{name}" in service.xaddr:
            return f"http://{self.ctx.address}:{self.port}{self.cfg.path}"
        return expand(service.xaddr, values)

    def _services(self) -> list[OnvifService]:
        services = list(self.cfg.services)
        if not any(s.name == "device" for s in services):
            services.insert(0, OnvifService(name="device"))
        return services

    def system_date_and_time(self) -> str:
        n = self.now()
        return (
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
            "<tt:TimeZone><tt:TZ>GMT+00:00</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time>"
            f"<tt:Hour>{n.hour}</tt:Hour><tt:Minute>{n.minute}</tt:Minute>"
            f"<tt:Second>{n.second}</tt:Second></tt:Time><tt:Date><tt:Year>{n.year}</tt:Year>"
            f"<tt:Month>{n.month}</tt:Month><tt:Day>{n.day}</tt:Day></tt:Date></tt:UTCDateTime>"
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    def capabilities(self) -> str:
        main, ext = [], []
        for s in self._services():
            xaddr = f"<tt:XAddr>{escape(self.xaddr(s))}</tt:XAddr>"
            if s.name in _CAPABILITY:
                main.append(f"<tt:{_CAPABILITY[s.name]}>{xaddr}</tt:{_CAPABILITY[s.name]}>")
            elif s.name in _EXTENSION:
                ext.append(f"<tt:{_EXTENSION[s.name]}>{xaddr}</tt:{_EXTENSION[s.name]}>")
        extension = f"<tt:Extension>{''.join(ext)}</tt:Extension>" if ext else ""
        return (
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"{''.join(main)}{extension}</tds:Capabilities></tds:GetCapabilitiesResponse>"
        )

    def services(self) -> str:
        items = []
        for s in self._services():
            namespace = s.namespace or SERVICE_NAMESPACES.get(s.name, f"urn:camscan-lab:{s.name}")
            major, _, minor = s.version.partition(".")
            items.append(
                f"<tds:Service><tds:Namespace>{escape(namespace)}</tds:Namespace>"
                f"<tds:XAddr>{escape(self.xaddr(s))}</tds:XAddr><tds:Version>"
                f"<tt:Major>{escape(major)}</tt:Major><tt:Minor>{escape(minor or '0')}</tt:Minor>"
                "</tds:Version></tds:Service>"
            )
        return f"<tds:GetServicesResponse>{''.join(items)}</tds:GetServicesResponse>"

    def device_information(self) -> str:
        values = self.ctx.values()
        c = self.cfg
        fields = [
            ("Manufacturer", c.manufacturer),
            ("Model", c.model),
            ("FirmwareVersion", c.firmware_version),
            ("SerialNumber", c.serial_number),
            ("HardwareId", c.hardware_id),
        ]
        inner = "".join(f"<tds:{k}>{escape(expand(v, values))}</tds:{k}>" for k, v in fields)
        return f"<tds:GetDeviceInformationResponse>{inner}</tds:GetDeviceInformationResponse>"

    def network_interfaces(self) -> str:
        """One enabled interface with the device's MAC (tt:NetworkInterfaceInfo HwAddress)."""
        return (
            '<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0">'
            "<tt:Enabled>true</tt:Enabled><tt:Info><tt:Name>eth0</tt:Name>"
            f"<tt:HwAddress>{escape(self.ctx.mac.lower())}</tt:HwAddress><tt:MTU>1500</tt:MTU>"
            "</tt:Info></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>"
        )

    @property
    def serves_media(self) -> bool:
        """Whether the device lists the Media service (then it answers it)."""
        return any(s.name == "media" for s in self._services())

    def media(self, operation: str) -> str:
        """GetVideoSources (one source per channel; a camera has one) or GetProfiles (the
        main stream of each) response body."""
        if operation == "GetVideoSources":
            item = (
                '<trt:VideoSources token="VideoSource_{n}"><tt:Framerate>25</tt:Framerate>'
                "<tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height>"
                "</tt:Resolution></trt:VideoSources>"
            )
        else:
            item = (
                '<trt:Profiles token="Profile_{n}01" fixed="true"><tt:Name>Channel{n}_MainStream'
                '</tt:Name><tt:VideoSourceConfiguration token="VideoSourceConfig_{n}">'
                "<tt:Name>VideoSourceConfig_{n}</tt:Name><tt:UseCount>1</tt:UseCount>"
                "<tt:SourceToken>VideoSource_{n}</tt:SourceToken>"
                '<tt:Bounds x="0" y="0" width="1920" height="1080"/>'
                "</tt:VideoSourceConfiguration></trt:Profiles>"
            )
        count = max(self.channels, 1)
        items = "".join(item.replace("{n}", str(n)) for n in range(1, count + 1))
        return f"<trt:{operation}Response>{items}</trt:{operation}Response>"

    def _refused(self) -> Response:
        return self.fault(
            self.cfg.auth_fault_status, "Sender", "ter:NotAuthorized", "Sender not Authorized"
        )

    def handle(self, body: bytes) -> Response:
        """Answer one SOAP request body."""
        try:
            envelope = SafeET.fromstring(body, forbid_dtd=True)
        except Exception:  # defusedxml raises several unrelated types
            return self.fault(400, "Sender", "ter:InvalidArgVal", "the xml format error")
        operation = next(iter(_child(envelope, "Body") or []), None)
        name = _local(operation.tag) if operation is not None else ""
        if name == "GetSystemDateAndTime":
            return self._response(200, self.system_date_and_time())
        if name == "GetCapabilities":
            return self._response(200, self.capabilities())
        if name == "GetServices":
            return self._response(200, self.services())
        identity = {
            "GetDeviceInformation": self.device_information,
            "GetNetworkInterfaces": self.network_interfaces,
        }
        if name in identity:
            if self.cfg.device_info_requires_auth:
                ok, _why = check_username_token(envelope, self.cfg, self.now())
                if not ok:
                    return self._refused()
            return self._response(200, identity[name]())
        if name in ("GetVideoSources", "GetProfiles") and self.serves_media:
            # A recorder always wants a login for its channels; a camera as for its identity.
            if self.channels or self.cfg.device_info_requires_auth:
                ok, _why = check_username_token(envelope, self.cfg, self.now())
                if not ok:
                    return self._refused()
            return self._response(200, self.media(name))
        return self.fault(500, "Receiver", "ter:ActionNotSupported", "Action Not Implemented")


def onvif_dynamic(ctx: DeviceContext, cfg: OnvifConfig, port: int, channels: int = 0) -> Dynamic:
    """A web-server plug-in answering POSTs to the device service (and a recorder's media)."""
    device = OnvifDevice(ctx, cfg, port, channels)
    # The Media service answers where GetCapabilities/GetServices point.
    paths = {cfg.path, *(urlsplit(device.xaddr(s)).path for s in cfg.services if s.name == "media")}

    def handler(request: Request) -> Response | None:
        if request.path not in paths:
            return None
        if request.method != "POST":
            return simple_response(405, [("Allow", "POST"), ("Connection", "close")], b"")
        return device.handle(request.body)

    return handler


async def start_onvif(ctx: DeviceContext, cfg: OnvifConfig, channels: int = 0) -> Running:
    """The device service on its own port (when it does not share the web server's)."""
    dynamic = (onvif_dynamic(ctx, cfg, cfg.port, channels),)
    return await start_http(ctx, HttpConfig(port=cfg.port), dynamic=dynamic, name="onvif")
