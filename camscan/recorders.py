"""Recorders and their channels: what each recorder says about the cameras it connects to.

Two different numbers, never mixed: the IP channels a recorder *has* (its capacity: SADP
``DigitalChannelNum`` / ``AnalogChannelNum`` (Hikvision), DHIP ``RemoteVideoInputChannels`` /
``VideoInputChannels`` (Dahua) — the same figure as the model's "8" in DS-7608NI / NVR4108),
and the channels *in use* (ONVIF Media ``GetVideoSources`` lists one video source per
configured channel; the channel API, ``recorder.ip_channels``, lists the configured channels).
SADP is link-local multicast (it does not cross a router), so a routed scan of a Hikvision
recorder has no capacity figure; the text then says why. Cameras enumerated through the API
are the document's devices whose :class:`~camscan.models.Behind` names the recorder.
:func:`with_channels` fills :attr:`Device.channels` for every recorder, so every report and the
JSON carry the counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from camscan.models import AttemptStatus, Channels, Device
from camscan.words import plural

# Capacity (what discovery says for free), and channels in use (configured channels).
_IP = ("sadp.DigitalChannelNum", "RemoteVideoInputChannels")
_ANALOG = ("sadp.AnalogChannelNum", "VideoInputChannels")
_IN_USE = ("recorder.ip_channels", "onvif.video_sources")
REFUSED = "login refused, cameras not enumerated"
NO_MAC = "not reported by recorder"  # a camera behind one whose channel API gives no MAC
# (ISAPI InputProxy/search or Dahua RemoteDevice ``Mac``) and no --infra ARP table of it does.
NO_CAPACITY = "capacity unknown: no SADP/DHIP reply; SADP does not cross routers"


def _count(device: Device, names: Sequence[str]) -> tuple[int | None, str]:
    """The first count any of ``names`` gives (a suffix matches nested DHIP fields)."""
    for name in names:
        for o in device.observations:
            signal = o.signal
            if signal == name or (signal.startswith("dhip.") and signal.rsplit(".", 1)[-1] == name):
                value = o.value.strip()
                if value.isdigit() and len(value) <= 5:
                    return int(value), signal.split(".", 1)[0]
    return None, ""


def channels(device: Device, enumerated: int = 0) -> Channels | None:
    """What ``device`` says about its channels, or None when it is not a recorder.

    A device is a recorder here when identification says so, when it reports two or more IP
    or analog channels (a camera reports one: itself), or when cameras were enumerated
    behind it.
    """
    ip, ip_src = _count(device, _IP)
    analog, analog_src = _count(device, _ANALOG)
    in_use, in_use_src = _count(device, _IN_USE)
    if device.behind is not None:
        return None
    is_recorder = (
        device.identification.device_type == "recorder"
        or enumerated > 0
        or (ip or 0) >= 2
        or (analog or 0) >= 2
        or any(o.signal == "recorder.ip_channels" for o in device.observations)
    )
    if not is_recorder:
        return None
    tried = any(a.probe == "recorder" and a.status is AttemptStatus.OK for a in device.attempts)
    if enumerated:
        note = plural(enumerated, "camera") + " enumerated"
    elif login_refused(device):
        note = REFUSED
    elif tried:
        note = "no cameras on its channels"
    else:
        note = "cameras not enumerated (give credentials)"
    source = ", ".join(dict.fromkeys(s for s in (ip_src, analog_src, in_use_src) if s))
    return Channels(
        ip=ip, analog=analog, in_use=in_use, enumerated=enumerated, source=source, note=note
    )


def login_refused(device: Device) -> bool:
    """Whether the recorder refused the login the user gave for its channel API."""
    return any(a.probe == "recorder" and a.status is AttemptStatus.DENIED for a in device.attempts)


def with_channels(devices: Sequence[Device]) -> list[Device]:
    """``devices`` with :attr:`Device.channels` set on every recorder (and cleared elsewhere)."""
    behind = Counter(d.behind.recorder for d in devices if d.behind is not None)
    out = []
    for d in devices:
        found = channels(d, behind.get(d.address, 0))
        out.append(d if found == d.channels else d.model_copy(update={"channels": found}))
    return out


def describe(channels: Channels) -> str:
    """'recorder with 8 IP channels (3 in use), 3 cameras enumerated'; without a capacity
    figure 'recorder with 3 IP channels in use (capacity unknown: …), …'."""
    parts = []
    if channels.ip is not None:
        parts.append(plural(channels.ip, "IP channel"))
    if channels.analog:
        parts.append(plural(channels.analog, "analog channel"))
    used = channels.in_use
    if parts:
        counted = " and ".join(parts) + (f" ({used} in use)" if used is not None else "")
    elif used is not None:
        counted = f"{plural(used, 'IP channel')} in use ({NO_CAPACITY})"
    else:
        counted = f"unknown channels ({NO_CAPACITY})"
    return f"recorder with {counted}, {channels.note}"


def behind_text(device: Device) -> str:
    """'behind 192.0.2.26 channel 3', or '' for a device camscan reached itself."""
    b = device.behind
    return f"behind {b.recorder} channel {b.channel}" if b is not None else ""


def recorder_lines(devices: Iterable[Device]) -> list[str]:
    """'192.0.2.26: recorder with 8 IP channels, …' for every recorder, by address order."""
    return [f"{d.address}: {describe(d.channels)}" for d in devices if d.channels is not None]
