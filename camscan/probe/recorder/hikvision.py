"""Hikvision NVR channels over ISAPI: the IP cameras an NVR proxies, as it describes them.

Two read-only GETs (Hikvision "ISAPI Core Protocol" / ISAPI developer guide, Content
Management → InputProxy; digest authentication as the guide requires):

* ``GET /ISAPI/ContentMgmt/InputProxy/channels`` → ``InputProxyChannelList`` of
  ``InputProxyChannel`` (``id``, ``name``, ``sourceInputPortDescriptor`` with
  ``proxyProtocol`` — ``adminProtocol`` in older firmware —, ``addressingFormatType``,
  ``ipAddress``, ``managePortNo``, ``srcInputPort``);
* ``GET /ISAPI/ContentMgmt/InputProxy/channels/status`` → ``InputProxyChannelStatusList`` of
  ``InputProxyChannelStatus`` (``id``, the same descriptor, where the firmware has them also
  ``model``, ``serialNumber``, ``firmwareVersion``, and ``online``, ``chanDetectResult``).

A third GET gives the cameras' MACs, which InputProxy does not carry (Hikvision "Intelligent
Security API (General Application) Developer Guide" §15.2.18, read-only):

* ``GET /ISAPI/ContentMgmt/InputProxy/search`` — "search for network cameras in the LAN that
  can be connected" → ``XML_VideoSourceList`` (the guide's §15.2.18 names the resource and
  its response type; the NVR's LAN includes its PoE side): a ``VideoSourceList`` of
  ``VideoSourceDescriptor``, each read for ``ipAddress`` and ``macAddress`` only (the
  guide's element names for an address and a MAC elsewhere; the block's own definition was
  not in the text we could read, so anything else in it, a camera login included, is never
  read). A camera's MAC is the one listed for its channel's ``ipAddress`` on the same
  recorder.

The descriptor also carries ``userName`` (and on some firmware ``password``) of the camera:
only the fields named above are read, so those never leave the parser. Elements are matched
on local names (the ``http://www.hikvision.com/ver20/XMLSchema`` namespace is optional).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from camscan.oui import normalise_mac
from camscan.probe.recorder import NotOffered
from camscan.probe.soap import local, parse_xml
from camscan.sanitize import device_text

CHANNELS_PATH = "/ISAPI/ContentMgmt/InputProxy/channels"
STATUS_PATH = "/ISAPI/ContentMgmt/InputProxy/channels/status"
SEARCH_PATH = "/ISAPI/ContentMgmt/InputProxy/search"
MAX_CHANNELS = 512  # the largest NVRs have 256 IP channels

# Descriptor field → the key camscan keeps (everything else, credentials included, is dropped).
_DESCRIPTOR = {
    "proxyProtocol": "protocol",
    "adminProtocol": "protocol",
    "ipAddress": "address",
    "hostName": "host_name",
    "managePortNo": "port",
    "model": "model",
    "serialNumber": "serial",
    "firmwareVersion": "firmware",
}
_STATUS = {"online": "online", "chanDetectResult": "detect", "name": "name"}
_SEARCH = frozenset({"ipAddress", "macAddress"})


def _child_text(el: Any) -> str:
    return device_text("".join(el.itertext()), 200)


def parse_channels(data: bytes) -> dict[int, dict[str, str]]:
    """Channel id → kept fields, from an ``InputProxyChannelList`` or ``...StatusList`` reply.

    Raises :class:`NotOffered` for an ISAPI ``ResponseStatus`` (the device has no proxied
    channels), :class:`~camscan.probe.soap.SoapError` for what is not XML, and ``ValueError``
    for other XML that is not a channel list; all three are ``ValueError``.
    """
    root = parse_xml(data)
    if local(root.tag) == "ResponseStatus":
        said = " ".join(
            _child_text(c) for c in root if local(c.tag) in ("statusString", "subStatusCode")
        )
        raise NotOffered(f"ResponseStatus {said}".strip())
    if local(root.tag) not in ("InputProxyChannelList", "InputProxyChannelStatusList"):
        raise ValueError(f"not a channel list: <{device_text(local(root.tag), 60)}>")
    out: dict[int, dict[str, str]] = {}
    for item in root:
        if local(item.tag) not in ("InputProxyChannel", "InputProxyChannelStatus"):
            continue
        fields: dict[str, str] = {}
        number: int | None = None
        for child in item:
            name = local(child.tag)
            if name == "id":
                text = _child_text(child)
                number = int(text) if text.isdigit() and len(text) < 6 else None
            elif name in _STATUS:
                fields[_STATUS[name]] = _child_text(child)
            elif name == "sourceInputPortDescriptor":
                for field in child:
                    key = _DESCRIPTOR.get(local(field.tag))
                    if key and key not in fields and (value := _child_text(field)):
                        fields[key] = value
        if number is not None and number not in out:
            out[number] = fields
        if len(out) >= MAX_CHANNELS:
            break
    return out


def parse_search(data: bytes) -> dict[str, str]:
    """IPv4 address → MAC (``aa:bb:cc:dd:ee:ff``) from a ``VideoSourceList`` reply.

    Entries without a valid address or MAC are skipped; the first MAC for an address wins.
    Raises :class:`NotOffered` for an ISAPI ``ResponseStatus`` and ``ValueError`` (a
    :class:`~camscan.probe.soap.SoapError` for non-XML) for anything else that is not the list.
    """
    root = parse_xml(data)
    if local(root.tag) == "ResponseStatus":
        raise NotOffered("ResponseStatus: no camera search")
    if local(root.tag) != "VideoSourceList":
        raise ValueError(f"not a video source list: <{device_text(local(root.tag), 60)}>")
    out: dict[str, str] = {}
    for item in root:
        if local(item.tag) != "VideoSourceDescriptor":
            continue
        fields = {local(c.tag): _child_text(c) for c in item if local(c.tag) in _SEARCH}
        address, mac = fields.get("ipAddress", ""), normalise_mac(fields.get("macAddress"))
        if mac and _is_ipv4(address):
            out.setdefault(address, mac)
        if len(out) >= MAX_CHANNELS:
            break
    return out


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True
