"""Persona sections for ONVIF: the device service (SOAP) and WS-Discovery."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from camscan.lab.persona.base import Model

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


class OnvifService(Model):
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


class OnvifConfig(Model):
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


class WsdConfig(Model):
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
