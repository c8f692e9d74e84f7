"""The persona model: one YAML file describes everything a simulated device says on the wire.

A persona is data, not code: the lab responders (:mod:`camscan.lab.responders`) read it and
answer exactly as written, byte for byte where it matters (header order, header-name case,
XML prefixes), because camscan's signatures key on exactly those details.

Text values may contain placeholders that the responders fill at run time:
``{address}`` (the device's IPv4 address), ``{mac}`` (``aa:bb:cc:dd:ee:ff``), ``{MAC}``
(upper case), ``{mac_dash}`` (``aa-bb-cc-dd-ee-ff``), ``{MAC_DASH}``, ``{mac_hex}``
(``aabbccddeeff``), ``{MAC_HEX}``, ``{port}`` and, where a protocol has them, ``{length}``
(body length), ``{date}`` (an HTTP/RTSP date), ``{cseq}`` (RTSP CSeq) and ``{nonce}``
(a fresh 32-hex-digit nonce). Unknown ``{names}`` are left as they are, so hostile strings
containing braces are safe.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from camscan.oui import normalise_mac

_OUI_RE = re.compile(r"^[0-9a-fA-F]{2}([:-]?[0-9a-fA-F]{2}){2}$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def unicast_mac(value: str) -> str:
    """``AA-BB-CC-DD-EE-FF`` → ``aa:bb:cc:dd:ee:ff``; ValueError unless a host can use it."""
    mac = normalise_mac(value)
    if mac is None:
        raise ValueError(f"not a MAC address: {value!r}")
    if int(mac[:2], 16) & 1:
        raise ValueError(f"multicast MAC cannot be a host address: {value!r}")
    return mac


#: Namespaces real devices declare for the QName prefixes in WS-Discovery ``Types``.
KNOWN_TYPE_PREFIXES: dict[str, str] = {
    "dn": "http://www.onvif.org/ver10/network/wsdl",
    "tdn": "http://www.onvif.org/ver10/network/wsdl",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    # Windows "WSD" printers/scanners/PCs (Devices Profile for Web Services 2006/02 and
    # Microsoft's WDP print/scan/pub namespaces): they answer ONVIF probes' multicast too.
    "wsdp": "http://schemas.xmlsoap.org/ws/2006/02/devprof",
    "wprt": "http://schemas.microsoft.com/windows/2006/08/wdp/print",
    "wscn": "http://schemas.microsoft.com/windows/2006/08/wdp/scan",
    "pub": "http://schemas.microsoft.com/windows/pub/2005/07",
}


#: Certificate name attributes a persona may use (X.509 short names).
NAME_ATTRIBUTES = frozenset({"C", "ST", "L", "O", "OU", "CN", "emailAddress", "serialNumber", "DC"})


def expand(template: str, values: dict[str, str]) -> str:
    """Fill the ``{name}`` placeholders that ``values`` knows; leave every other brace alone."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Header(_Model):
    """One header line, sent with exactly this name case and in list order.

    In YAML write ``"Server: Hikvision-Webs"``, ``[Server, Hikvision-Webs]`` or
    ``{name: Server, value: Hikvision-Webs}``.
    """

    name: str = Field(description="Header name, case preserved on the wire (e.g. CONTENT-LENGTH).")
    value: str = Field(description="Header value; placeholders such as {length} are filled.")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            name, sep, value = data.partition(":")
            if not sep or not name.strip():
                raise ValueError(f"header {data!r} must look like 'Name: value'")
            return {"name": name.strip(), "value": value.strip()}
        if isinstance(data, list | tuple):
            if len(data) != 2:
                raise ValueError("a header pair must be [name, value]")
            return {"name": str(data[0]), "value": str(data[1])}
        return data

    @field_validator("name")
    @classmethod
    def _token(cls, v: str) -> str:
        if not v or any(c in v for c in " \t\r\n:"):
            raise ValueError(f"invalid header name {v!r}")
        return v


class Body(_Model):
    """Where a response body comes from (at most one of text, file, base64)."""

    text: str | None = Field(default=None, description="Body as text (UTF-8), placeholders filled.")
    file: Path | None = Field(
        default=None,
        description="Body bytes from a file, relative to the persona file (e.g. ../assets/x.ico).",
    )
    base64: str | None = Field(default=None, description="Body bytes, base64-encoded.")

    @model_validator(mode="after")
    def _one_source(self) -> Body:
        if sum(x is not None for x in (self.text, self.file, self.base64)) > 1:
            raise ValueError("give only one of text, file, base64")
        if self.base64 is not None:
            base64.b64decode(self.base64, validate=True)
        return self

    @field_validator("file")
    @classmethod
    def _resolve(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        if v is None:
            return None
        base = (info.context or {}).get("base_dir") if info.context else None
        path = v if v.is_absolute() or base is None else Path(base) / v
        if base is not None and not path.is_file():
            raise ValueError(f"body file {path} does not exist")
        return path

    def raw(self, values: dict[str, str]) -> bytes:
        """The body bytes (text placeholders filled)."""
        if self.text is not None:
            return expand(self.text, values).encode("utf-8")
        if self.file is not None:
            return self.file.read_bytes()
        if self.base64 is not None:
            return base64.b64decode(self.base64)
        return b""


class HttpRoute(_Model):
    """The answer to one path (any method); the status line and headers are sent verbatim."""

    path: str = Field(description="Request path to answer, exact match without the query string.")
    status: int = Field(default=200, ge=100, le=599, description="Status code.")
    reason: str | None = Field(default=None, description="Reason phrase; default the standard one.")
    version: str = Field(default="HTTP/1.1", description="Protocol in the status line (HTTP/1.0).")
    headers: tuple[Header, ...] | None = Field(
        default=None,
        description="Headers in wire order; None = the server's default_headers. A header "
        "whose value is {length} gets the body length; no Content-Length is added otherwise.",
    )
    body: Body = Field(default_factory=Body, description="Response body.")
    title: str | None = Field(
        default=None,
        description="Shortcut: when no body is given, serve a small HTML page with this title.",
    )
    redirect: str | None = Field(
        default=None,
        description="Location to redirect to (status defaults to 302 when this is set).",
    )

    @model_validator(mode="before")
    @classmethod
    def _redirect_status(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("redirect") and "status" not in data:
            return {**data, "status": 302}
        return data

    @field_validator("path")
    @classmethod
    def _abs(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError("path must start with '/'")
        return v


class HttpConfig(_Model):
    """A plain-HTTP web server (the device's web UI and vendor endpoints)."""

    port: int = Field(default=80, ge=1, le=65535, description="TCP port.")
    default_headers: tuple[Header, ...] = Field(
        default=(
            Header(name="Content-Type", value="text/html"),
            Header(name="Content-Length", value="{length}"),
            Header(name="Connection", value="close"),
        ),
        description="Headers for routes that do not list their own, in wire order.",
    )
    routes: tuple[HttpRoute, ...] = Field(default=(), description="Answers per path.")
    not_found: HttpRoute = Field(
        default=HttpRoute(path="/", status=404, body=Body(text="Not Found")),
        description="Answer for any path without a route (its path is ignored).",
    )


class CertConfig(_Model):
    """The self-signed certificate generated at start (attribute names: C ST L O OU CN ...)."""

    subject: dict[str, str] = Field(
        default_factory=lambda: {"CN": "{address}"},
        description="Subject attributes in certificate order, e.g. {C: CN, O: HIKVISION, CN: ..}.",
    )
    issuer: dict[str, str] | None = Field(
        default=None, description="Issuer attributes; None = same as subject."
    )
    days: int = Field(default=3650, ge=1, description="Validity in days from generation.")
    key: Literal["rsa2048", "ec256"] = Field(default="ec256", description="Key type.")

    @field_validator("subject", "issuer")
    @classmethod
    def _known_attrs(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        for k in v or {}:
            if k not in NAME_ATTRIBUTES:
                raise ValueError(f"unknown name attribute {k!r}; use {sorted(NAME_ATTRIBUTES)}")
        return v


class HttpsConfig(HttpConfig):
    """An HTTPS web server with a generated certificate; routes default to the HTTP ones."""

    port: int = Field(default=443, ge=1, le=65535, description="TCP port.")
    cert: CertConfig = Field(default_factory=CertConfig, description="Certificate fields.")
    routes: tuple[HttpRoute, ...] | None = Field(  # type: ignore[assignment]
        default=None, description="Answers per path; None = the same routes as http."
    )


class RtspConfig(_Model):
    """An RTSP server that answers OPTIONS and refuses DESCRIBE, as a locked camera does."""

    port: int = Field(default=554, ge=1, le=65535, description="TCP port.")
    options_headers: tuple[Header, ...] = Field(
        default=(
            Header(name="CSeq", value="{cseq}"),
            Header(name="Public", value="OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"),
        ),
        description="Headers of the 200 answer to OPTIONS, in wire order ({cseq} echoes CSeq; "
        "if no header uses {cseq}, CSeq is sent first).",
    )
    describe_status: int = Field(default=401, description="Status of the DESCRIBE answer.")
    describe_headers: tuple[Header, ...] = Field(
        default=(
            Header(name="CSeq", value="{cseq}"),
            Header(name="WWW-Authenticate", value='Digest realm="camera", nonce="{nonce}"'),
        ),
        description="Headers of the DESCRIBE answer, e.g. WWW-Authenticate, in wire order.",
    )
    other_status: int = Field(default=405, description="Status for any other method.")
    other_headers: tuple[Header, ...] = Field(
        default=(Header(name="CSeq", value="{cseq}"),),
        description="Headers for any other method.",
    )


class OnvifService(_Model):
    """One entry of GetServices/GetCapabilities; shorthand: a name such as ``media``."""

    name: str = Field(description="Short name: device, media, media2, events, imaging, ptz, ...")
    namespace: str | None = Field(default=None, description="Service namespace; None = by name.")
    xaddr: str = Field(
        default="http://{address}:{port}/onvif/{name}_service",
        description="Service URL template ({name} is this entry's name).",
    )
    version: str = Field(default="2.60", description="Major.minor version reported.")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data


class OnvifConfig(_Model):
    """The ONVIF device service (SOAP 1.2 over HTTP POST)."""

    port: int = Field(
        default=80,
        ge=1,
        le=65535,
        description="TCP port; when equal to http.port the web server also serves ONVIF.",
    )
    path: str = Field(default="/onvif/device_service", description="Device service path.")
    manufacturer: str = Field(description="GetDeviceInformation Manufacturer.")
    model: str = Field(description="GetDeviceInformation Model.")
    firmware_version: str = Field(default="", description="GetDeviceInformation FirmwareVersion.")
    serial_number: str = Field(default="", description="GetDeviceInformation SerialNumber.")
    hardware_id: str = Field(default="", description="GetDeviceInformation HardwareId.")
    device_info_requires_auth: bool = Field(
        default=True,
        description="Whether GetDeviceInformation needs a WS-UsernameToken PasswordDigest.",
    )
    auth_fault_status: Literal[400, 401, 500] = Field(
        default=400, description="HTTP status of the ter:NotAuthorized fault."
    )
    username: str = Field(default="admin", description="User for the digest check.")
    password: str = Field(default="admin12345", description="Password for the digest check.")
    services: tuple[OnvifService, ...] = Field(
        default=(OnvifService(name="device"), OnvifService(name="media")),
        description="Services listed by GetServices/GetCapabilities.",
    )
    soap_prefix: str = Field(
        default="SOAP-ENV",
        description="Envelope prefix: gSOAP devices use SOAP-ENV, Dahua uses s, others env.",
    )
    xml_declaration: str = Field(
        default='<?xml version="1.0" encoding="UTF-8"?>',
        description='Declaration line (Dahua: standalone="yes").',
    )
    clock_offset_seconds: int = Field(
        default=0, description="Device clock minus real time, reported by GetSystemDateAndTime."
    )


class WsdConfig(_Model):
    """WS-Discovery target service on UDP 3702."""

    endpoint: str = Field(
        description="EndpointReference Address, e.g. urn:uuid:cea94000-fb96-11b3-8260-{mac_hex}."
    )
    types: str | None = Field(
        default="dn:NetworkVideoTransmitter tds:Device",
        description="Types QNames with the device's prefixes (dn:, tdn:, tds:); None = no "
        "Types element (generic OEM style) and any probe matches.",
    )
    scopes: tuple[str, ...] = Field(default=(), description="Scope URIs, sent space-separated.")
    xaddrs: tuple[str, ...] = Field(
        default=("http://{address}/onvif/device_service",), description="XAddrs templates."
    )
    type_namespaces: dict[str, str] = Field(
        default_factory=dict,
        description="Extra prefix → namespace declarations for Types beyond the known ones "
        "(dn, tdn, tds, wsdp, wprt, wscn, pub).",
    )
    metadata_version: int = Field(default=1, description="MetadataVersion.")
    send_hello: bool = Field(default=True, description="Multicast a Hello on start.")
    style: Literal["gsoap", "dahua"] = Field(
        default="gsoap",
        description="Prefix style: gsoap = SOAP-ENV/wsa/wsdd (Hikvision, OEMs), dahua = s/a/d.",
    )

    @model_validator(mode="after")
    def _known_prefixes(self) -> WsdConfig:
        known = self.prefixes()
        for qname in (self.types or "").split():
            prefix, sep, _ = qname.partition(":")
            if sep and prefix not in known:
                raise ValueError(
                    f"unknown Types prefix {prefix!r}; use {sorted(known)} or declare it "
                    "in type_namespaces"
                )
        return self

    def prefixes(self) -> dict[str, str]:
        """Prefix → namespace for this device's Types (known ones plus declared ones)."""
        return {**KNOWN_TYPE_PREFIXES, **self.type_namespaces}


class SadpConfig(_Model):
    """Hikvision SADP on UDP 37020: answers only ``inquiry`` probes."""

    fields: dict[str, str] = Field(
        description="ProbeMatch elements after Uuid and Types, in wire order "
        "(DeviceType, DeviceDescription, DeviceSN, CommandPort, HttpPort, MAC, ...)."
    )
    xml_declaration: str = Field(
        default='<?xml version="1.0" encoding="UTF-8" ?>', description="Declaration line."
    )
    line_ending: Literal["\n", "\r\n"] = Field(default="\n", description="Between elements.")


class DhipConfig(_Model):
    """Dahua DHIP discovery on UDP 37810 (``DHDiscover.search`` → ``client.notifyDevInfo``)."""

    mac: str | None = Field(default=None, description="Top-level mac; None = the persona MAC.")
    device_info: dict[str, Any] = Field(
        description="params.deviceInfo, sent in this key order (DeviceType, SerialNo, Vendor...)."
    )


class SsdpConfig(_Model):
    """SSDP on UDP 1900 plus the UPnP description XML it points at."""

    server: str = Field(description="SERVER header, e.g. 'Linux/3.10, UPnP/1.0, Portable SDK ..'.")
    uuid: str = Field(description="Device UUID (without 'uuid:'), used for USN and UDN.")
    device_type: str = Field(
        default="urn:schemas-upnp-org:device:Basic:1", description="UPnP deviceType (an ST)."
    )
    location_path: str = Field(default="/rootDesc.xml", description="Description XML path.")
    location_port: int | None = Field(
        default=None,
        description="Port serving the description; None = http.port if http is set, else 49152.",
    )
    max_age: int = Field(default=1800, description="CACHE-CONTROL max-age.")
    friendly_name: str = Field(default="", description="friendlyName.")
    manufacturer: str = Field(default="", description="manufacturer.")
    manufacturer_url: str = Field(default="", description="manufacturerURL.")
    model_name: str = Field(default="", description="modelName.")
    model_number: str = Field(default="", description="modelNumber.")
    model_description: str = Field(default="", description="modelDescription.")
    serial_number: str = Field(default="", description="serialNumber.")


class MdnsService(_Model):
    """One DNS-SD service instance."""

    type: str = Field(description="Service type, e.g. _axis-video._tcp.local.")
    name: str = Field(description="Instance name, e.g. 'AXIS M3045-V - ACCC8E012345'.")
    port: int = Field(ge=0, le=65535, description="Service port.")
    txt: dict[str, str] = Field(default_factory=dict, description="TXT record key/values.")

    @field_validator("type")
    @classmethod
    def _fqdn(cls, v: str) -> str:
        return v if v.endswith(".") else v + "."


class MdnsConfig(_Model):
    """mDNS/DNS-SD announcements (python-zeroconf bound to the device address only)."""

    hostname: str | None = Field(default=None, description="Host name; None = persona id.")
    services: tuple[MdnsService, ...] = Field(description="Services to register.")


class SnmpValue(_Model):
    """A typed SNMP value; a bare string in YAML is an OCTET STRING, a bare int an INTEGER.

    ``hex`` is an OCTET STRING given as hex digits (a MAC address, a PortList); ``ipaddress``
    an IpAddress in dotted form.
    """

    type: Literal[
        "string", "hex", "integer", "oid", "timeticks", "counter32", "gauge32", "ipaddress", "null"
    ] = "string"
    value: str | int = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("booleans are not SNMP values")
        if isinstance(data, int):
            return {"type": "integer", "value": data}
        if isinstance(data, str):
            return {"type": "string", "value": data}
        return data


class SnmpUser(_Model):
    """An SNMPv3 USM user (lab data: these pass phrases are not secrets)."""

    user: str = Field(min_length=1, description="USM user name.")
    auth_protocol: Literal["md5", "sha", "sha224", "sha256", "sha384", "sha512"] = "sha"
    auth_password: str = Field(min_length=8, description="Authentication pass phrase (>= 8).")
    priv_protocol: Literal["des", "3des", "aes", "aes192", "aes256"] | None = Field(
        default="aes", description="Privacy protocol; None = authNoPriv."
    )
    priv_password: str = Field(default="", description="Privacy pass phrase (>= 8 with priv).")

    @model_validator(mode="after")
    def _priv(self) -> SnmpUser:
        if self.priv_protocol and len(self.priv_password) < 8:
            raise ValueError("priv_password needs at least 8 characters")
        return self


class SnmpConfig(_Model):
    """SNMP agent (pysnmp's agent side): v1/v2c with a community check, v3 USM users."""

    port: int = Field(default=161, ge=1, le=65535, description="UDP port.")
    community: str | None = Field(
        default="public", description="Read community (v1/v2c); others get no answer; None = off."
    )
    v3_users: tuple[SnmpUser, ...] = Field(default=(), description="SNMPv3 users (authPriv...).")
    sys_descr: str | None = Field(default=None, description="1.3.6.1.2.1.1.1.0; None = absent.")
    sys_object_id: str | None = Field(
        default=None, description="1.3.6.1.2.1.1.2.0 as dotted OID; None = absent (Hikvision)."
    )
    sys_name: str | None = Field(default=None, description="1.3.6.1.2.1.1.5.0; None = absent.")
    oids: dict[str, SnmpValue] = Field(
        default_factory=dict, description="Further OIDs (dotted, no leading dot) and values."
    )
    infra_tables: Literal["switch", "router"] | None = Field(
        default=None,
        description="Also answer the lab's own tables, written from the topology by "
        "camscan.lab.infra: 'switch' = FDB with VLAN, port names, LLDP; 'router' = ARP table "
        "and VLAN interfaces.",
    )


class Banner(_Model):
    """Bytes sent as soon as a client connects to a raw TCP port."""

    text: str | None = Field(default=None, description="Banner as text (escapes like \\r\\n ok).")
    hex: str | None = Field(default=None, description="Banner as hex digits (spaces allowed).")
    idle_close: float = Field(default=2.0, gt=0, description="Close after this idle time (s).")

    @model_validator(mode="after")
    def _one(self) -> Banner:
        if (self.text is None) == (self.hex is None):
            raise ValueError("give exactly one of text, hex")
        if self.hex is not None:
            bytes.fromhex(self.hex)
        return self

    def raw(self) -> bytes:
        """The banner bytes."""
        if self.hex is not None:
            return bytes.fromhex(self.hex)
        return (self.text or "").encode("utf-8")


class Misbehave(_Model):
    """Hostile or broken behaviours, to prove camscan survives real-world garbage."""

    xml_bomb: bool = Field(
        default=False, description="WS-Discovery and SADP ProbeMatches carry a billion-laughs DTD."
    )
    endless_http_body: bool = Field(
        default=False,
        description="Every HTTP(S) route streams a chunked body forever (until shutdown).",
    )
    silent_tcp_ports: tuple[int, ...] = Field(
        default=(),
        description="TCP ports that accept connections and never send a byte (replacing any "
        "other server on that port).",
    )
    udp_garbage: bool = Field(
        default=False,
        description="Discovery ports (3702, 37020, 37810, 1900) answer with random garbage.",
    )
    dhip_wrong_shape: bool = Field(
        default=False, description="DHIP reply JSON has a valid header but the wrong shape."
    )
    hostile_title: bool = Field(
        default=False,
        description="HTML titles are replaced by tags plus terminal escape sequences.",
    )


class Persona(_Model):
    """One simulated device: identity plus the optional protocol sections it answers."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Unique short id.")
    description: str = Field(default="", description="What real device this imitates and why.")
    device_type: str = Field(
        default="camera", description="camera, nvr, dvr, encoder, intercom, printer, pc, ..."
    )
    mac: str | None = Field(default=None, description="Explicit MAC (aa:bb:cc:dd:ee:ff).")
    oui: str | None = Field(
        default=None, description="Vendor prefix (aa:bb:cc); the rest is derived from the id."
    )
    locally_administered: bool = Field(
        default=False, description="Use a random-looking locally administered MAC (phones etc.)."
    )
    http: HttpConfig | None = Field(default=None, description="Web server.")
    https: HttpsConfig | None = Field(default=None, description="TLS web server.")
    rtsp: RtspConfig | None = Field(default=None, description="RTSP server.")
    onvif: OnvifConfig | None = Field(default=None, description="ONVIF device service.")
    wsd: WsdConfig | None = Field(default=None, description="WS-Discovery target service.")
    sadp: SadpConfig | None = Field(default=None, description="Hikvision SADP.")
    dhip: DhipConfig | None = Field(default=None, description="Dahua DHIP discovery.")
    ssdp: SsdpConfig | None = Field(default=None, description="SSDP + UPnP description.")
    mdns: MdnsConfig | None = Field(default=None, description="mDNS/DNS-SD services.")
    snmp: SnmpConfig | None = Field(default=None, description="SNMP agent (v1/v2c/v3).")
    banners: dict[int, Banner] = Field(
        default_factory=dict, description="Raw TCP banners by port (8000, 37777, 34567...)."
    )
    misbehave: Misbehave = Field(default_factory=Misbehave, description="Hostile behaviours.")

    @field_validator("mac")
    @classmethod
    def _mac(cls, v: str | None) -> str | None:
        return None if v is None else unicast_mac(v)

    @field_validator("oui")
    @classmethod
    def _oui(cls, v: str | None) -> str | None:
        if v is not None and not _OUI_RE.match(v):
            raise ValueError(f"OUI {v!r} must look like aa:bb:cc")
        if v is None:
            return v
        digits = re.sub(r"[:-]", "", v).lower()
        return ":".join(digits[i : i + 2] for i in range(0, 6, 2))

    @model_validator(mode="after")
    def _one_mac_source(self) -> Persona:
        if sum((self.mac is not None, self.oui is not None, self.locally_administered)) > 1:
            raise ValueError("give at most one of mac, oui, locally_administered")
        return self

    def check_tcp_ports(self) -> None:
        """Raise ValueError naming both servers when two would need the same TCP port.

        ONVIF and the UPnP description may share a web server's port (that is how they are
        served); ``silent_tcp_ports`` replace whatever else was on the port. Checked when a
        device starts, not at load, so a lab can still load such a file and watch it fail.
        """
        owners: dict[int, str] = {}

        def claim(port: int, what: str) -> None:
            if port in owners:
                raise ValueError(f"TCP port {port} used by both {owners[port]} and {what}")
            owners[port] = what

        web = {c.port for c in (self.http, self.https) if c is not None}
        for name in ("http", "https", "rtsp"):
            section = getattr(self, name)
            if section is not None:
                claim(section.port, name)
        if self.onvif is not None and self.onvif.port not in web:
            claim(self.onvif.port, "onvif")
        if self.ssdp is not None and self.ssdp.location_port not in web | {None}:
            assert self.ssdp.location_port is not None
            claim(self.ssdp.location_port, "ssdp description")
        for port in self.banners:
            claim(port, f"banner {port}")

    def resolved_mac(self, salt: str = "") -> str:
        """The device MAC: explicit, or the OUI plus 3 bytes derived from id+salt (stable).

        ``salt`` lets a lab run several copies of one persona with distinct MACs.
        """
        if self.mac is not None:
            return self.mac
        digest = hashlib.sha256(f"{self.id}/{salt}".encode()).digest()
        if self.oui is not None:
            return self.oui + ":" + ":".join(f"{b:02x}" for b in digest[:3])
        # Locally administered unicast: set bit 1, clear bit 0 of the first octet.
        first = (digest[3] | 0x02) & 0xFE
        return ":".join(f"{b:02x}" for b in (first, *digest[4:9]))


class PersonaError(ValueError):
    """A persona file could not be read or is invalid; the message names the file."""


def load_persona(path: str | Path) -> Persona:
    """Read and validate one persona YAML file (relative body files resolve against it)."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PersonaError(f"{p}: {exc}") from exc
    if not isinstance(data, dict):
        raise PersonaError(f"{p}: a persona must be a mapping")
    try:
        return Persona.model_validate(data, context={"base_dir": p.resolve().parent})
    except ValidationError as exc:
        raise PersonaError(f"{p}: {exc}") from exc
