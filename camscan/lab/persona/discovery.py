"""Persona sections for the vendor and multicast discovery protocols: SADP, DHIP, SSDP, mDNS."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from camscan.lab.persona.base import Model


class SadpConfig(Model):
    """Hikvision SADP on UDP 37020: answers only ``inquiry`` probes."""

    fields: dict[str, str] = Field(
        description="ProbeMatch elements after Uuid and Types, in wire order "
        "(DeviceType, DeviceDescription, DeviceSN, CommandPort, HttpPort, MAC, ...)."
    )
    xml_declaration: str = Field(
        default='<?xml version="1.0" encoding="UTF-8" ?>', description="Declaration line."
    )
    line_ending: Literal["\n", "\r\n"] = Field(default="\n", description="Between elements.")


class DhipConfig(Model):
    """Dahua DHIP discovery on UDP 37810 (``DHDiscover.search`` → ``client.notifyDevInfo``)."""

    mac: str | None = Field(default=None, description="Top-level mac; None = the persona MAC.")
    device_info: dict[str, Any] = Field(
        description="params.deviceInfo, sent in this key order (DeviceType, SerialNo, Vendor...)."
    )


class SsdpConfig(Model):
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


class MdnsService(Model):
    """One DNS-SD service instance."""

    type: str = Field(description="Service type, e.g. _axis-video._tcp.local.")
    name: str = Field(description="Instance name, e.g. 'AXIS M3045-V - ACCC8E012345'.")
    port: int = Field(ge=0, le=65535, description="Service port.")
    txt: dict[str, str] = Field(default_factory=dict, description="TXT record key/values.")

    @field_validator("type")
    @classmethod
    def _fqdn(cls, v: str) -> str:
        return v if v.endswith(".") else v + "."


class MdnsConfig(Model):
    """mDNS/DNS-SD announcements (python-zeroconf bound to the device address only)."""

    hostname: str | None = Field(default=None, description="Host name; None = persona id.")
    services: tuple[MdnsService, ...] = Field(description="Services to register.")
