"""Device type from what the device says about itself, when no rule stated one.

A recorder is a recorder: model prefixes (Hikvision ``DS-7``/``DS-8``/``DS-9``, ``iDS-7``/
``iDS-9``; any ``NVR``/``DVR``/``XVR``/``HCVR``/``NVS`` model), the SADP reply's channel counts
(a recorder has analog channels or more than one digital channel; research/protocols.md §3),
the DHIP reply's ``DeviceClass`` and ``RemoteVideoInputChannels`` (ibid.), an ONVIF
Receiver service (a device that pulls streams from others), the ONVIF discovery scope
``type/Network_Video_Storage``, and an answer of a recorder's channel API
(``recorder.ip_channels``). An OEM box whose only evidence is
its firmware, of a video maker, still gets ``camera-or-recorder``. A MAC prefix says only who
made the network interface: a device known by its maker's MAC prefix alone gets
``camera-or-recorder`` only when the maker makes nothing else, i.e. every device type its
family's rules name is a camera or recorder type (Hikvision also makes intercoms, access
control and switches, so its MAC alone says ``unknown``).

A model name also refines a maker-wide ``camera`` or ``camera-or-recorder`` rule where the
maker's naming says the class (:data:`_MAKER_MODELS`, :data:`_INTERCOM_MODEL`: encoders,
intercoms, access points, switches).

With no rule, reply or model type, the protocols a device speaks still say what it is
(:func:`from_protocols`): an RTSP server that is not known streaming-server or AirPlay software,
an ONVIF device service, ONVIF WS-Discovery scopes, or an RTSP port next to a video maker's SDK
port make a ``camera-or-recorder``; a UPnP device type names its class.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from camscan.devicetype_protocols import CAMERA_OR_RECORDER as CAMERA_OR_RECORDER
from camscan.devicetype_protocols import from_protocols, snmp_type
from camscan.models import Evidence, EvidenceKind, Observation
from camscan.signatures.schema import Family

# A coarse but true type: routing/switching gear whose role the evidence does not settle
# (LibreNMS's OS type ``network``: Cisco IOS, Huawei VRP). A device that names itself a router
# or switch (a generic rule) refines it.
ROUTER_OR_SWITCH = "router-or-switch"
VIDEO_TYPES = frozenset({"camera", "recorder", "encoder", "thermal", "ptz", CAMERA_OR_RECORDER})
# Types for which camera-or-recorder is a true (if coarse) statement.
_CAMERA_OR_RECORDER_TYPES = frozenset({"camera", "recorder", "thermal", "ptz"})
_RECORDER_MODEL = re.compile(
    r"^(?:DS|iDS)-[789]\d|(?<![A-Z])(?:NVR|DVR|XVR|HCVR|NVS|HVR)(?![a-z])", re.IGNORECASE
)
_CAMERA_MODEL = re.compile(
    r"^(?:DS|iDS)-2(?:CD|DE|DF|CE|DC|DY|XM|XS|XE|CV|TD)|^(?:DH-)?(?:IPC|SD)-?[A-Z]{0,4}\d",
    re.IGNORECASE,
)
# Hikvision video intercom stations: DS-KH indoor, DS-KD/DS-KV door and villa stations, DS-KIS
# kits (protocol-samples/hikvision-sadp-probe-and-probematch-DS-KH6210-L.xml is an indoor
# station; Hikvision's own catalogue, hikvision.com "Video Intercom"). Dahua VTO door and VTH
# indoor stations (the DHIP DeviceClass names above, research/protocols.md §3).
_INTERCOM_MODEL = re.compile(r"^(?:DS-K(?:H|D|V|IS)\d|(?:DHI?-)?VT[OH]\d)", re.IGNORECASE)
# Makers whose model letters say the class, from their own product catalogues:
# - Axis (axis.com product families): M/P/Q 1xxx-6xxx and 8xxx-9xxx are cameras (box, bullet,
#   dome, PTZ, thermal), M/P/Q 7xxx video encoders (M7104, P7214, Q7411), F/FA modular cameras,
#   S recorders (S30 and S22 recorder series, S11 servers), I intercoms (I8016-LVE).
# - Hanwha Vision (hanwhavision.com product catalogue; Samsung Techwin naming before 2015):
#   X/Q/P/A/T/L-series cameras are ``?N`` + V (dome), D (indoor dome), O (bullet), B (box),
#   P (PTZ), F (fisheye), M (multi-sensor): XNV-, QND-, PNM-, SNB- (Samsung); recorders are
#   XRN-, QRN-, ARN-, PRN-, HRX-, SRN-, SRD-.
_MAKER_MODELS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "Axis": (
        (re.compile(r"^(?:AXIS )?[MPQ]7\d{3}", re.IGNORECASE), "encoder"),
        (re.compile(r"^(?:AXIS )?(?:[MPQ][1-689]\d{3}|FA?\d{2,4})", re.IGNORECASE), "camera"),
        (re.compile(r"^(?:AXIS )?S[123]\d{3}", re.IGNORECASE), "recorder"),
        (re.compile(r"^(?:AXIS )?I8\d{3}", re.IGNORECASE), "intercom"),
    ),
    # Ubiquiti (rapid7/recog xml/snmp_sysdescr.xml:7390-7442 @14fa1a72, hw.device): UniFi
    # UAP- models are access points, US-/USW- and EdgeSwitch models switches.
    "Ubiquiti": (
        (re.compile(r"^UAP-"), "access-point"),
        (re.compile(r"^(?:USW?-|USW |EdgeSwitch )"), "switch"),
    ),
    # Vivotek (vivotek.com product lines): ND network video recorders; IB bullet, IP box, FD
    # fixed dome, FE fisheye, MD mobile dome, SD speed dome, PT pan/tilt, CC cube, TB thermal
    # bullet and MS multi-sensor cameras (recog's Vivotek examples: FD8169A, IP7131).
    "Vivotek": (
        (re.compile(r"^ND\d{3,4}", re.IGNORECASE), "recorder"),
        (re.compile(r"^(?:IB|IP|FD|FE|MD|SD|PT|CC|TB|MS)\d{3,4}", re.IGNORECASE), "camera"),
    ),
    # Bosch (boschsecurity.com product families): DIVAR recorders, VIP X and VIDEOJET encoders,
    # FLEXIDOME, DINION, AUTODOME and MIC IP cameras.
    "Bosch": (
        (re.compile(r"\bDIVAR\b", re.IGNORECASE), "recorder"),
        (re.compile(r"\b(?:VIP[- ]?X|VIDEOJET)", re.IGNORECASE), "encoder"),
        (re.compile(r"\b(?:FLEXIDOME|DINION|AUTODOME|MIC IP)\b", re.IGNORECASE), "camera"),
    ),
    # Milesight (milesight.com): MS-N network video recorders, MS-C cameras.
    "Milesight": (
        (re.compile(r"^MS-N\d", re.IGNORECASE), "recorder"),
        (re.compile(r"^MS-C\d", re.IGNORECASE), "camera"),
    ),
    # Reolink (reolink.com): RLN network video recorders, RLC cameras.
    "Reolink": (
        (re.compile(r"^RLN\d", re.IGNORECASE), "recorder"),
        (re.compile(r"^RLC-\d", re.IGNORECASE), "camera"),
    ),
    # Dahua-made labels (lorex.com, amcrest.com model lists): Lorex LNR network and LHV HD
    # video recorders, LNB/LNE/LNZ cameras; Amcrest NV recorders, IP<n>M- cameras.
    "Dahua": (
        (re.compile(r"^(?:LNR|LHV)\d|^NV\d{4}", re.IGNORECASE), "recorder"),
        (re.compile(r"^LN[BEZ]\d|^IP\d{1,2}M-", re.IGNORECASE), "camera"),
    ),
    "Hanwha Vision": (
        (re.compile(r"^(?:[XQPAH]R[NX]|SR[ND])-\d", re.IGNORECASE), "recorder"),
        (re.compile(r"^(?:[XQPATL]N|S[NC])[VDOBPFM]-\d", re.IGNORECASE), "camera"),
    ),
}
_DHIP_CLASS = {
    "nvr": "recorder",
    "dvr": "recorder",
    "xvr": "recorder",
    "hcvr": "recorder",
    "ipc": "camera",
    "sd": "camera",
    "vto": "intercom",
    "vth": "intercom",
}
_RECEIVER = "ver10/receiver/wsdl"
# ONVIF Core Specification, device discovery scopes: ``type/Network_Video_Storage`` is a
# storage device (NVR); ``type/video_encoder``/``Network_Video_Transmitter`` a video source.
_STORAGE_SCOPE = re.compile(r"^onvif://www\.onvif\.org/type/Network_?Video_?Storage$", re.I)


def _number(value: str) -> int:
    return int(value) if value.strip().isdigit() else 0


def from_model(model: str | None, vendor: str | None = None) -> str | None:
    """A type from a model name (see :data:`_MAKER_MODELS` for the makers whose naming is
    read), or None when the name says nothing."""
    if not model:
        return None
    if _RECORDER_MODEL.search(model):
        return "recorder"
    for pattern, kind in _MAKER_MODELS.get(vendor or "", ()):
        if pattern.search(model):
            return kind
    if _INTERCOM_MODEL.search(model):
        return "intercom"
    if _CAMERA_MODEL.search(model):
        return "camera"
    return None


def from_replies(observations: Sequence[Observation]) -> str | None:
    """A type stated by a discovery reply or ONVIF service list."""
    values = {o.signal: o.value.strip() for o in reversed(observations)}
    if "sadp.AnalogChannelNum" in values or "sadp.DigitalChannelNum" in values:
        analog = _number(values.get("sadp.AnalogChannelNum", "0"))
        digital = _number(values.get("sadp.DigitalChannelNum", "0"))
        if analog > 0 or digital > 1:
            return "recorder"
    if found := _DHIP_CLASS.get(values.get("dhip.DeviceClass", "").casefold()):
        return found
    if _number(values.get("dhip.RemoteVideoInputChannels", "0")) > 0:
        return "recorder"
    if any(o.signal == "onvif.service" and _RECEIVER in o.value for o in observations):
        return "recorder"
    if any(o.signal == "wsd.scope" and _STORAGE_SCOPE.match(o.value) for o in observations):
        return "recorder"
    if "recorder.ip_channels" in values:
        return "recorder"  # a recorder's channel API (ISAPI InputProxy, Dahua) answered
    if any(o.signal.startswith("channel.") for o in observations):
        return "camera"  # a recorder lists it as the video source on one of its channels
    return None


def _video_family(family: Family) -> bool:
    types = [r.device_type for r in family.rules if r.device_type]
    video = sum(t in VIDEO_TYPES for t in types)
    return bool(types) and video * 2 > len(types)


def makes_only_cameras_or_recorders(family: Family) -> bool:
    """Whether every device type the family's rules name is a camera or recorder type."""
    types = {r.device_type for r in family.rules if r.device_type}
    return bool(types) and types <= _CAMERA_OR_RECORDER_TYPES


def device_type(
    stated: str | None,
    model: str | None,
    observations: Sequence[Observation],
    evidence: Sequence[Evidence],
    family: Family | None,
) -> str:
    """The device type: a rule's, else a reply's or model's, else what the protocols it speaks
    say (:func:`from_protocols`), else camera-or-recorder for firmware of a video maker or the
    MAC prefix of a maker of nothing else, else ``unknown``."""
    if stated == ROUTER_OR_SWITCH:
        named = [e.device_type for e in evidence if e.counted and e.vendor is None]
        stated = next((n for n in named if n in ("router", "switch")), stated)
        if stated == ROUTER_OR_SWITCH and snmp_type(observations) == "switch":
            stated = "switch"  # sysServices: layer 2 only
    replied = from_replies(observations)
    by_model = from_model(model, family.vendor if family else None)
    if stated in (None, "camera", CAMERA_OR_RECORDER) and "recorder" in (replied, by_model):
        return "recorder"
    if stated in (None, "camera", CAMERA_OR_RECORDER) and by_model in ("encoder", "intercom"):
        return by_model  # a maker-wide "camera" rule, refined by what the model name says
    if stated == CAMERA_OR_RECORDER and "camera" in (replied, by_model):
        return "camera"
    if stated:
        return stated
    if replied or by_model:
        return replied or by_model or "unknown"
    spoken = from_protocols(observations)
    if spoken is not None:
        return spoken or "unknown"  # "": the protocols say "not a camera" and nothing more
    if family is None:
        return "unknown"
    kinds = {e.kind for e in evidence if e.counted and e.vendor == family.vendor}
    if EvidenceKind.FIRMWARE in kinds and _video_family(family):
        return CAMERA_OR_RECORDER
    if EvidenceKind.OUI in kinds and makes_only_cameras_or_recorders(family):
        return CAMERA_OR_RECORDER
    return "unknown"
