"""Device type from what the device says about itself, when no rule stated one.

A recorder is a recorder: model prefixes (Hikvision ``DS-7``/``DS-8``/``DS-9``, ``iDS-7``/
``iDS-9``; any ``NVR``/``DVR``/``XVR``/``HCVR``/``NVS`` model), the SADP reply's channel counts
(a recorder has analog channels or more than one digital channel; research/protocols.md §3),
the DHIP reply's ``DeviceClass`` and ``RemoteVideoInputChannels`` (ibid.), and an ONVIF
Receiver service (a device that pulls streams from others). An OEM box whose only evidence is
its firmware, of a video maker, still gets ``camera-or-recorder``. A MAC prefix says only who
made the network interface: a device known by its maker's MAC prefix alone gets
``camera-or-recorder`` only when the maker makes nothing else, i.e. every device type its
family's rules name is a camera or recorder type (Hikvision also makes intercoms, access
control and switches, so its MAC alone says ``unknown``).

With no rule, reply or model type, the protocols a device speaks still say what it is
(:func:`from_protocols`): an RTSP server that is not known streaming-server or AirPlay software,
an ONVIF device service, ONVIF WS-Discovery scopes, or an RTSP port next to a video maker's SDK
port make a ``camera-or-recorder``; a UPnP device type names its class.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from camscan.devicetype_protocols import CAMERA_OR_RECORDER as CAMERA_OR_RECORDER
from camscan.devicetype_protocols import from_protocols
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
    r"^(?:DS|iDS)-2(?:CD|DE|DF|CE|DC|DY|XM|XS|CV)|^(?:DH-)?(?:IPC|SD)-?[A-Z]{0,4}\d", re.IGNORECASE
)
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


def from_model(model: str | None) -> str | None:
    """camera or recorder from a model name, or None when the name says neither."""
    if not model:
        return None
    if _RECORDER_MODEL.search(model):
        return "recorder"
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
    replied = from_replies(observations)
    by_model = from_model(model)
    if stated in (None, "camera") and "recorder" in (replied, by_model):
        return "recorder"
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
