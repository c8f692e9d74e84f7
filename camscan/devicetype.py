"""Device type from what the device says about itself, when no rule stated one.

A recorder is a recorder: model prefixes (Hikvision ``DS-7``/``DS-8``/``DS-9``, ``iDS-7``/
``iDS-9``; any ``NVR``/``DVR``/``XVR``/``HCVR``/``NVS`` model), the SADP reply's channel counts
(a recorder has analog channels or more than one digital channel; research/protocols.md §3),
the DHIP reply's ``DeviceClass`` and ``RemoteVideoInputChannels`` (ibid.), and an ONVIF
Receiver service (a device that pulls streams from others). An OEM box whose only evidence is
device-level (its firmware or MAC prefix) of a video maker still gets ``camera-or-recorder``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from camscan.evidence import DEVICE_LEVEL
from camscan.models import Evidence, Observation
from camscan.signatures.schema import Family

CAMERA_OR_RECORDER = "camera-or-recorder"
VIDEO_TYPES = frozenset({"camera", "recorder", "encoder", "thermal", "ptz", CAMERA_OR_RECORDER})
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
    return None


def _video_family(family: Family) -> bool:
    types = [r.device_type for r in family.rules if r.device_type]
    video = sum(t in VIDEO_TYPES for t in types)
    return bool(types) and video * 2 > len(types)


def device_type(
    stated: str | None,
    model: str | None,
    observations: Sequence[Observation],
    evidence: Sequence[Evidence],
    family: Family | None,
) -> str:
    """The device type: a rule's, else a reply's or model's, else camera-or-recorder for
    firmware or a MAC prefix of a video maker, else ``unknown``."""
    replied = from_replies(observations)
    by_model = from_model(model)
    if stated in (None, "camera") and "recorder" in (replied, by_model):
        return "recorder"
    if stated:
        return stated
    if replied or by_model:
        return replied or by_model or "unknown"
    device_level = any(
        e.counted and e.kind in DEVICE_LEVEL and family and e.vendor == family.vendor
        for e in evidence
    )
    if family is not None and device_level and _video_family(family):
        return CAMERA_OR_RECORDER
    return "unknown"
