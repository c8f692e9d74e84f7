"""Device type from the protocols a device speaks, when nothing it says names its type.

Used by :mod:`camscan.devicetype` after a rule's stated type, the discovery replies and the
model name, before the firmware and MAC-prefix fallbacks. Each inference is a documented fact:

- **RTSP** (RFC 2326). A device that answers RTSP with a ``Server`` line, an authentication
  challenge or a ``Public`` method list serves live media. On a building's network that is a
  camera, recorder or encoder, except for software that rapid7/recog xml/rtsp_servers.xml
  (@14fa1a7) and nmap/nmap nmap-service-probes (@db4aefd, ``match rtsp`` lines) name.
  Streaming-server software gives ``server``: Wowza, Flussonic, Windows Media Services,
  Helix / RealServer, Darwin / QuickTime Streaming Server, Cisco MediaSense, Microsoft
  Application Virtualization (lines 11552-11562, 11571, 12303-12316, 12344-12347, 12384).
  AirPlay receivers (``Server: AirTunes/...`` or ``Digest realm="airplay"``: Apple TV, Sonos
  speakers, Airfoil, whiteboards; 12319-12337, 12368, 12379, 12383, 14716), set-top boxes
  (Freebox ``fbxrtspd``, SiliconDust ``HDHomeRun``, ``Amino streamer``; 11564-11565, 11573,
  12355), media players (VLC; 12321, 12338) and the GStreamer library (used by anything;
  recog) say only "not a camera". The training corpus agrees: of its ten RTSP servers the six
  cameras' are not named software, the four servers' are.
- **ONVIF device service.** An answer to GetDeviceInformation, GetServices or the Media service
  (``onvif.*``) is an ONVIF device; ONVIF's video profiles S, T and G are cameras, encoders and
  recorders. An access-control device (Profile A/C: ``accesscontrol``/``doorcontrol`` services
  and no media service) is not.
- **ONVIF WS-Discovery.** A ProbeMatch carrying ``onvif://www.onvif.org/`` scopes, or the
  ``tds:Device`` type, is an ONVIF device (research/protocols.md §1; ONVIF Core Specification,
  device discovery); the same access-control exception holds for ``Profile/A``/``Profile/C``
  scopes without a video profile.
- **Ports.** An open RTSP port (554/8554) next to a video maker's private SDK port (Hikvision's
  CommandPort 8000 in SADP replies, Dahua's DHIP ``Port`` 37777; research/protocols.md §3) is a
  camera or recorder. Either port alone is not: 8000 is a common alternate HTTP port
  (nmap-services ``http-alt``), and RTSP servers run on servers too.
- **SNMP MIB facts** (read by the SNMP probe as ``snmp.oid``): sysServices (RFC 1213 /
  RFC 3418) says which OSI layers a node serves; a node serving layer 2 and nothing above is a
  bridge (a switch), one serving layer 3 but no end-to-end or application layer routes (a
  router, or a layer-3 switch: ``router-or-switch``); RFC 1213's own examples: 4 for a router,
  72 for an application host. Any Printer MIB answer (RFC 3805 prtGeneralPrinterName) is a
  printer.
- **UPnP device type** (``ssdp.st`` of a NOTIFY or search reply): the UPnP Forum's standard
  device types ``InternetGatewayDevice`` (a router), ``WLANAccessPointDevice``, ``Printer`` and
  ``DigitalSecurityCamera`` name the device class.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from camscan.models import Observation

CAMERA_OR_RECORDER = "camera-or-recorder"
NOT_A_CAMERA = ""  # the protocols rule a camera out but name no type

_STREAMING_SERVER = re.compile(
    r"^(?:Wowza (?:Media Server|Streaming Engine)|Flussonic\b|WMServer/|Helix\b|"
    r"Real(?:Server|Media) |DSS/|QTSS/|Cisco MediaSense Media Server|"
    r"Microsoft Application Virtualization Server)",
    re.IGNORECASE,
)
_NOT_VIDEO_RTSP = re.compile(
    r"^(?:AirTunes/|fbxrtspd/|HDHomeRun/|Amino streamer|VLC[/ ]|GStreamer RTSP server)",
    re.IGNORECASE,
)
_AIRPLAY_REALM = re.compile(r'\brealm="(?:airplay|raop)"', re.IGNORECASE)
_RTSP_SIGNALS = ("rtsp.server", "rtsp.www_authenticate", "rtsp.public")
_ONVIF_DEVICE = re.compile(
    r"^onvif\.(?:manufacturer|model|firmware|serial|hardware_id|service|video_sources|profiles"
    r"|clock_offset)$"
)
_ONVIF_SCOPE = "onvif://www.onvif.org/"
# ONVIF's device type (tds: is the device-service namespace prefix ONVIF documents use) and
# NetworkVideoTransmitter under any prefix; Windows' generic ``wsdp:Device`` is not ONVIF.
_ONVIF_TYPES = re.compile(r"(?:^|\s)tds:Device(?:\s|$)|(?:^|[\s:])NetworkVideoTransmitter(?:\s|$)")
_ACCESS_SCOPE = re.compile(r"^onvif://www\.onvif\.org/Profile/[AC]$", re.IGNORECASE)
_VIDEO_SCOPE = re.compile(r"^onvif://www\.onvif\.org/Profile/(?:Streaming|[STGM])$", re.I)
_ACCESS_SERVICE = re.compile(r"/(?:accesscontrol|doorcontrol)/wsdl$", re.IGNORECASE)
_MEDIA_SERVICE = re.compile(r"/ver[12]0/(?:media|media2|imaging|ptz|recording)/wsdl$", re.I)
_RTSP_PORTS = frozenset({"554", "8554"})
_VIDEO_SDK_PORTS = frozenset({"8000", "37777"})
_UPNP_DEVICE = re.compile(r"^urn:schemas-upnp-org:device:([A-Za-z]+):\d+$")
_UPNP_TYPES = {
    "InternetGatewayDevice": "router",
    "WLANAccessPointDevice": "access-point",
    "Printer": "printer",
    "DigitalSecurityCamera": "camera",
}


_SYS_SERVICES = "1.3.6.1.2.1.1.7.0 = "
_PRINTER_NAME = "1.3.6.1.2.1.43.5.1.1.16.1 = "


def _values(observations: Sequence[Observation], *signals: str) -> list[str]:
    return [o.value.strip() for o in observations if o.signal in signals]


def rtsp_type(observations: Sequence[Observation]) -> str | None:
    """``server``, NOT_A_CAMERA, CAMERA_OR_RECORDER or None (no RTSP answer)."""
    servers = _values(observations, "rtsp.server")
    if any(_STREAMING_SERVER.match(s) for s in servers):
        return "server"
    challenges = _values(observations, "rtsp.www_authenticate")
    if any(_NOT_VIDEO_RTSP.match(s) for s in servers) or any(
        _AIRPLAY_REALM.search(c) for c in challenges
    ):
        return NOT_A_CAMERA
    return CAMERA_OR_RECORDER if _values(observations, *_RTSP_SIGNALS) else None


def onvif_type(observations: Sequence[Observation]) -> str | None:
    """NOT_A_CAMERA (access control), CAMERA_OR_RECORDER or None (no ONVIF answer)."""
    services = _values(observations, "onvif.service")
    scopes = _values(observations, "wsd.scope")
    types = " ".join(_values(observations, "wsd.types"))
    access = any(_ACCESS_SERVICE.search(s) for s in services) or any(
        _ACCESS_SCOPE.match(s) for s in scopes
    )
    video = any(_MEDIA_SERVICE.search(s) for s in services) or any(
        _VIDEO_SCOPE.match(s) for s in scopes
    )
    if access and not video:
        return NOT_A_CAMERA
    onvif = (
        any(_ONVIF_DEVICE.match(o.signal) for o in observations)
        or any(s.lower().startswith(_ONVIF_SCOPE) for s in scopes)
        or bool(_ONVIF_TYPES.search(types))
    )
    return CAMERA_OR_RECORDER if onvif else None


def port_type(observations: Sequence[Observation]) -> str | None:
    """CAMERA_OR_RECORDER for an RTSP port next to a video SDK port, else None."""
    ports = set(_values(observations, "tcp.open"))
    return CAMERA_OR_RECORDER if ports & _RTSP_PORTS and ports & _VIDEO_SDK_PORTS else None


def snmp_type(observations: Sequence[Observation]) -> str | None:
    """``printer``, ``switch``, ``router-or-switch`` from standard MIB answers, else None."""
    oids = _values(observations, "snmp.oid")
    if any(v.startswith(_PRINTER_NAME) and v[len(_PRINTER_NAME) :].strip() for v in oids):
        return "printer"
    for value in oids:
        digits = value[len(_SYS_SERVICES) :].strip() if value.startswith(_SYS_SERVICES) else ""
        if digits.isdigit() and len(digits) <= 3:  # sysServices is 0..127
            layers = int(digits)
            if layers & 0b1111000 or not layers & 0b110:
                return None  # end-to-end/application layers: a host; or no layer 2/3 at all
            return "router-or-switch" if layers & 0b100 else "switch"
    return None


def upnp_type(observations: Sequence[Observation]) -> str | None:
    """The class a standard UPnP device type names, else None."""
    for value in _values(observations, "ssdp.st"):
        found = _UPNP_DEVICE.match(value)
        if found and found.group(1) in _UPNP_TYPES:
            return _UPNP_TYPES[found.group(1)]
    return None


def from_protocols(observations: Sequence[Observation]) -> str | None:
    """A type from the protocols spoken: a type name, NOT_A_CAMERA ("": rules a camera out and
    names nothing), or None when the protocols say nothing. A named class (UPnP device type,
    streaming-server software) wins, then a "not a camera", then camera-or-recorder."""
    inferences = (snmp_type, upnp_type, rtsp_type, onvif_type, port_type)
    found = [infer(observations) for infer in inferences]
    named = [f for f in found if f not in (None, NOT_A_CAMERA, CAMERA_OR_RECORDER)]
    if named:
        return named[0]
    if NOT_A_CAMERA in found:
        return NOT_A_CAMERA
    return CAMERA_OR_RECORDER if CAMERA_OR_RECORDER in found else None
