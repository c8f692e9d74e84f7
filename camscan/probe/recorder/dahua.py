"""Dahua NVR/XVR channels over the HTTP API: the remote devices (IP cameras) it connects to.

One read-only GET (Dahua "HTTP API for IPC & NVR", configManager ``getConfig``, config name
``RemoteDevice``; digest authentication as that document requires):
``GET /cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice``. The reply is
``key=value`` lines, one field each::

    table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.Address=192.0.2.101
    table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.DeviceType=IPC-HFW2431S-S-S2
    table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_0.Enable=true

The entry name ends with the 0-based channel index (``…_INFO_0`` is channel 1). Only the
fields named in ``_FIELDS`` are kept: entries also hold the camera's ``UserName`` and
``Password``, which never leave this parser. Disabled entries are unused channel slots.
"""

from __future__ import annotations

import re

from camscan.probe.common import decode_lenient
from camscan.probe.recorder import NotOffered
from camscan.sanitize import device_text

REMOTE_DEVICE_PATH = "/cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice"
MAX_CHANNELS = 512
MAX_LINES = 50_000

_LINE = re.compile(
    r"^table\.RemoteDevice\.(?P<uid>[^=\s]{1,120})\.(?P<key>[A-Za-z]{1,40})=(?P<value>.*)$"
)
_INDEX = re.compile(r"(\d{1,4})$")
_FIELDS = {
    "Address": "address",
    "Port": "port",
    "HttpPort": "http_port",
    "DeviceType": "model",
    "Name": "name",
    "SerialNo": "serial",
    "Version": "firmware",
    "Vendor": "manufacturer",
    "ProtocolType": "protocol",
    "Mac": "mac",
    "Enable": "enable",
}
_UNSET = frozenset({"", "0.0.0.0", "none"})


def parse_remote_devices(data: bytes) -> dict[int, dict[str, str]]:
    """Channel number (1-based) → kept fields of each enabled remote device.

    Raises :class:`NotOffered` for the CGI's ``Error`` answer (a device without the table)
    and ``ValueError`` when no line is a ``table.RemoteDevice`` field (garbage).
    """
    entries: dict[str, dict[str, str]] = {}
    seen_any = False
    for line in decode_lenient(data).splitlines()[:MAX_LINES]:
        m = _LINE.match(line.strip())
        if m is None:
            continue
        seen_any = True
        key = _FIELDS.get(m["key"])
        if key is None:
            continue
        if m["uid"] not in entries and len(entries) >= MAX_CHANNELS:
            continue
        entries.setdefault(m["uid"], {}).setdefault(key, device_text(m["value"], 200))
    if not seen_any:
        if decode_lenient(data[:64]).lstrip().startswith("Error"):
            raise NotOffered("the CGI answered Error: no RemoteDevice table")
        raise ValueError("no table.RemoteDevice lines")
    out: dict[int, dict[str, str]] = {}
    for order, (uid, fields) in enumerate(entries.items()):
        if fields.get("enable", "true").lower() == "false":
            continue
        if fields.get("address", "").lower() in _UNSET and not fields.get("serial"):
            continue
        index = _INDEX.search(uid)
        number = int(index.group(1)) + 1 if index else order + 1
        fields.pop("enable", None)
        out.setdefault(number, fields)
    return out
