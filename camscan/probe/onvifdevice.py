"""ONVIF device-service replies → data: device information, clock, services, capabilities.

Pure functions over an already defused, capped element tree (camscan.probe.soap.soap_call);
element names are matched locally so any namespace prefix works. Field names and namespaces
as published in the ONVIF Core specification and WSDLs
(https://www.onvif.org/profiles/specifications/).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from camscan.probe.soap import find, local, namespace, text
from camscan.sanitize import device_text

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


def parse_device_information(root: Any) -> dict[str, str]:
    """Manufacturer/Model/FirmwareVersion/SerialNumber/HardwareId from the response element."""
    resp = find(root, "GetDeviceInformationResponse")
    if resp is None:
        return {}
    out: dict[str, str] = {}
    for child in resp:
        name = local(child.tag)
        if name in DEVICE_FIELDS and name not in out:
            value = text(child)
            if value:
                out[name] = value
    return out


def parse_utc_datetime(root: Any) -> datetime | None:
    """The device's UTCDateTime from GetSystemDateAndTimeResponse (None if absent/invalid)."""
    utc = find(root, "UTCDateTime")
    if utc is None:
        return None
    parts: dict[str, int] = {}
    for el in utc.iter():
        name = local(el.tag)
        if name in ("Year", "Month", "Day", "Hour", "Minute", "Second"):
            try:
                parts[name] = int(text(el))
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
    resp = find(root, "GetServicesResponse")
    if resp is None:
        return []
    found = [text(el) for el in resp.iter() if local(el.tag) == "Namespace"]
    return list(dict.fromkeys(ns for ns in found if ns))


def parse_capabilities(root: Any) -> list[str]:
    """Service namespaces implied by GetCapabilitiesResponse.

    Standard categories that carry an XAddr map to their WSDL namespace; vendor extension
    elements (outside www.onvif.org) are reported by their own namespace, which can name the
    firmware family.
    """
    caps = find(root, "Capabilities")
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
