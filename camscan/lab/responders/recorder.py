"""A recorder's read-only channel API behind HTTP digest auth: Hikvision ISAPI or Dahua CGI.

Both list the IP cameras the recorder connects to, as it learned them (:mod:`.channels`):

* Hikvision ISAPI (Hikvision "ISAPI Developer Guide", Content Management → InputProxy):
  ``GET /ISAPI/ContentMgmt/InputProxy/channels`` → ``InputProxyChannelList`` of
  ``InputProxyChannel`` (``id``, ``name``, ``sourceInputPortDescriptor`` with
  ``proxyProtocol``, ``addressingFormatType``, ``ipAddress``, ``managePortNo``,
  ``srcInputPort``, ``userName``, ``streamType``), and ``.../channels/status`` →
  ``InputProxyChannelStatusList`` of ``InputProxyChannelStatus`` (``id``, the descriptor with
  the camera's ``model``, ``serialNumber``, ``firmwareVersion`` where the recorder read them,
  ``online``, ``streamingProxyChannelIdList``, ``chanDetectResult``). Namespace
  ``http://www.hikvision.com/ver20/XMLSchema``, ``version="2.0"`` on every element that
  carries it in the guide's examples.
* Hikvision ISAPI camera search (Hikvision "Intelligent Security API (General Application)
  Developer Guide" §15.2.18): ``GET /ISAPI/ContentMgmt/InputProxy/search`` →
  ``VideoSourceList`` of ``VideoSourceDescriptor`` (``ipAddress``, ``managePortNo``,
  ``macAddress``: element names as in :mod:`camscan.probe.recorder.hikvision`, which says
  what the guide does and does not give), one per camera on the recorder's LAN that answers.
  The MAC is not persona data: it is the camera's real one, read from the recorder's own
  neighbour table (``/proc/net/arp`` in its namespace, filled when it asked the cameras who
  they are and kept fresh by its touches), as a real NVR's search learns it from the wire; a
  camera it never reached is not listed.
* Dahua ("Dahua HTTP API for IPC & NVR", configManager ``getConfig``, config ``RemoteDevice``):
  ``GET /cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice`` → ``key=value``
  lines ``table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_<n>.<Key>=<value>`` (``n`` =
  channel - 1) with ``Address``, ``DeviceType``, ``Enable``, ``HttpPort``, ``Mac``, ``Name``,
  ``Port``, ``ProtocolType``, ``SerialNo``, ``UserName``, ``Vendor``, ``Version``,
  ``VideoInputChannels``; unused slots are ``Enable=false`` with address ``0.0.0.0``. Other
  actions or names get the CGI's ``Error`` / ``Bad Request!`` answer.

Without a valid digest login every path of the API answers 401 with the persona's challenge;
camera passwords are never part of an answer.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from camscan.discover.arp import PROC_ARP, parse_proc_arp
from camscan.lab.persona import ChannelPlan, RecorderConfig, expand
from camscan.lab.responders.channels import CameraFacts, ChannelBook
from camscan.lab.responders.common import DeviceContext
from camscan.lab.responders.digestauth import DigestGate
from camscan.lab.responders.http import Dynamic, Request, Response, simple_response

ISAPI_CHANNELS = "/ISAPI/ContentMgmt/InputProxy/channels"
ISAPI_STATUS = "/ISAPI/ContentMgmt/InputProxy/channels/status"
ISAPI_SEARCH = "/ISAPI/ContentMgmt/InputProxy/search"
DAHUA_CONFIG = "/cgi-bin/configManager.cgi"
HIK_NS = "http://www.hikvision.com/ver20/XMLSchema"


def _descriptor(channel: ChannelPlan, facts: CameraFacts | None) -> str:
    """``sourceInputPortDescriptor``; the camera's identity only in the status form."""
    fields = [
        ("proxyProtocol", channel.protocol),
        ("addressingFormatType", "ipaddress"),
        ("ipAddress", channel.address),
        ("managePortNo", str(channel.port)),
        ("srcInputPort", "1"),
        ("userName", channel.username),
        ("streamType", "auto"),
    ]
    if facts is not None:
        fields += [
            ("model", facts.model),
            ("serialNumber", facts.serial),
            ("firmwareVersion", facts.firmware),
        ]
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields if v)
    return f"<sourceInputPortDescriptor>{inner}</sourceInputPortDescriptor>"


def _channel_name(channel: ChannelPlan) -> str:
    return channel.name or f"IPCamera {channel.channel:02d}"


def isapi_channels(book: ChannelBook) -> bytes:
    """The ``InputProxyChannelList`` document."""
    items = "".join(
        f'<InputProxyChannel version="2.0" xmlns="{HIK_NS}"><id>{c.channel}</id>'
        f"<name>{escape(_channel_name(c))}</name>{_descriptor(c, None)}"
        "<enableAnr>false</enableAnr><enableTiming>true</enableTiming></InputProxyChannel>"
        for c in book.channels
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<InputProxyChannelList version="2.0" xmlns="{HIK_NS}">{items}</InputProxyChannelList>\n'
    ).encode()


def isapi_status(book: ChannelBook) -> bytes:
    """The ``InputProxyChannelStatusList`` document (online = the recorder reached it)."""
    items = []
    for c in book.channels:
        facts = book.facts.get(c.channel)
        online = facts is not None
        detect = "<chanDetectResult>connect</chanDetectResult>" if online else ""
        items.append(
            f'<InputProxyChannelStatus version="2.0" xmlns="{HIK_NS}"><id>{c.channel}</id>'
            f"{_descriptor(c, facts)}<online>{str(online).lower()}</online>"
            "<streamingProxyChannelIdList><streamingProxyChannelId>"
            f"{c.channel}01</streamingProxyChannelId></streamingProxyChannelIdList>{detect}"
            "</InputProxyChannelStatus>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<InputProxyChannelStatusList version="2.0" xmlns="{HIK_NS}">{"".join(items)}'
        "</InputProxyChannelStatusList>\n"
    ).encode()


def neighbour_macs(path: Path = PROC_ARP) -> dict[str, str]:
    """Address → MAC of this namespace's complete neighbour (ARP) entries; {} if unreadable."""
    try:
        return parse_proc_arp(path.read_text(encoding="ascii", errors="replace"))
    except OSError:
        return {}


def isapi_search(book: ChannelBook, macs: Mapping[str, str]) -> bytes:
    """The ``VideoSourceList`` document: each channel's camera whose MAC ``macs`` knows."""
    items = "".join(
        f'<VideoSourceDescriptor version="2.0" xmlns="{HIK_NS}">'
        f"<ipAddress>{escape(c.address)}</ipAddress><managePortNo>{c.port}</managePortNo>"
        f"<macAddress>{macs[c.address]}</macAddress></VideoSourceDescriptor>"
        for c in book.channels
        if c.address in macs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<VideoSourceList version="2.0" xmlns="{HIK_NS}">{items}</VideoSourceList>\n'
    ).encode()


def dahua_remote_devices(book: ChannelBook, slots: int) -> bytes:
    """The ``RemoteDevice`` config as ``table.RemoteDevice...`` lines (keys sorted, as sent)."""
    lines: list[str] = []
    by_number = {c.channel: c for c in book.channels}
    for number in range(1, max([slots, *by_number]) + 1):
        c = by_number.get(number)
        facts = book.facts.get(number) if c is not None else None
        if c is None:
            fields = {"Address": "0.0.0.0", "Enable": "false", "ProtocolType": "Private"}
        else:
            fields = {
                "Address": c.address,
                "DeviceType": facts.model if facts else "",
                "Enable": "true",
                "HttpPort": str(c.onvif_port),
                "Mac": facts.mac if facts else "",
                "Name": c.name or f"IPC{number}",
                "Port": str(c.port),
                "ProtocolType": c.protocol,
                "SerialNo": facts.serial if facts else "",
                "UserName": c.username,
                "Vendor": facts.manufacturer if facts else "",
                "Version": facts.firmware if facts else "",
                "VideoInputChannels": "1",
            }
        entry = f"table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_{number - 1}"
        lines += [f"{entry}.{key}={value}" for key, value in sorted(fields.items())]
    return ("\r\n".join(lines) + "\r\n").encode()


class RecorderApi:
    """Answers the persona's channel API paths; every other path is left to the web server."""

    def __init__(self, ctx: DeviceContext, cfg: RecorderConfig, book: ChannelBook) -> None:
        self.ctx, self.cfg, self.book = ctx, cfg, book
        self.gate = DigestGate(cfg.realm, cfg.username, cfg.password)

    def _headers(self, content_type: str) -> list[tuple[str, str]]:
        if self.cfg.api == "dahua":  # Dahua's web server sends upper-case names (nmap 8941)
            return [("CONNECTION", "close"), ("CONTENT-TYPE", content_type)]
        date = email.utils.formatdate(usegmt=True)
        server = [("Server", self.cfg.server)] if self.cfg.server else []
        return [("Date", date), *server, ("Connection", "close"), ("Content-Type", content_type)]

    def unauthorized(self) -> Response:
        """401 with a fresh digest challenge in the persona's own wording."""
        values = self.ctx.values()
        opaque = values["nonce"]  # a second fresh random value
        values.update(realm=self.cfg.realm, nonce=self.gate.new_nonce(), opaque=opaque)
        challenge = expand(self.cfg.challenge, values)
        headers = [*self._headers("text/html"), ("WWW-Authenticate", challenge)]
        return simple_response(401, headers, b"")

    def handle(self, request: Request) -> Response | None:
        """The API answer for ``request``, or None when the path is not the API's."""
        if self.cfg.api == "isapi":
            if request.path not in (ISAPI_CHANNELS, ISAPI_STATUS, ISAPI_SEARCH):
                return None
            if not self.gate.allows(request):
                return self.unauthorized()
            if request.path == ISAPI_SEARCH:
                body = isapi_search(self.book, neighbour_macs())
            elif request.path == ISAPI_STATUS:
                body = isapi_status(self.book)
            else:
                body = isapi_channels(self.book)
            xml = 'application/xml; charset="UTF-8"'
            return simple_response(200, self._headers(xml), body)
        if request.path != DAHUA_CONFIG:
            return None
        if not self.gate.allows(request):
            return self.unauthorized()
        query = dict(parse_qsl(urlsplit(request.target).query))
        if query.get("action") != "getConfig" or query.get("name") != "RemoteDevice":
            return simple_response(400, self._headers("text/plain"), b"Error\r\nBad Request!\r\n")
        body = dahua_remote_devices(self.book, self.cfg.slots)
        return simple_response(200, self._headers("text/plain;charset=utf-8"), body)


def recorder_dynamic(ctx: DeviceContext, cfg: RecorderConfig, book: ChannelBook) -> Dynamic:
    """A web-server plug-in serving the channel API (GET only, as the documents specify)."""
    return RecorderApi(ctx, cfg, book).handle
