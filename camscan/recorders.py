"""Recorders and their channels: what each recorder says about the cameras it connects to.

Counts come from what a recorder says for free — SADP ``DigitalChannelNum`` /
``AnalogChannelNum`` (Hikvision), DHIP ``RemoteVideoInputChannels`` / ``VideoInputChannels``
(Dahua), ONVIF Media ``GetVideoSources`` — and, with a login, from its channel API
(``recorder.ip_channels``). Cameras enumerated through the API are the document's devices
whose :class:`~camscan.models.Behind` names the recorder. :func:`with_channels` fills
:attr:`Device.channels` for every recorder, so every report and the JSON carry the counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from camscan.models import AttemptStatus, Channels, Device

# Capacity first (what discovery says), then what the channel API listed.
_IP = ("sadp.DigitalChannelNum", "RemoteVideoInputChannels", "onvif.video_sources",
       "recorder.ip_channels")  # fmt: skip
_ANALOG = ("sadp.AnalogChannelNum", "VideoInputChannels")


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
    if device.behind is not None:
        return None
    is_recorder = (
        device.identification.device_type == "recorder"
        or enumerated > 0
        or (ip or 0) >= 2
        or (analog or 0) >= 2
    )
    if not is_recorder:
        return None
    denied = any(
        a.probe == "recorder" and a.status is AttemptStatus.DENIED for a in device.attempts
    )
    tried = any(a.probe == "recorder" and a.status is AttemptStatus.OK for a in device.attempts)
    if enumerated:
        note = f"{enumerated} cameras enumerated"
    elif denied:
        note = "cameras not enumerated (credentials refused)"
    elif tried:
        note = "no cameras on its channels"
    else:
        note = "cameras not enumerated (give credentials)"
    source = ", ".join(dict.fromkeys(s for s in (ip_src, analog_src) if s))
    return Channels(ip=ip, analog=analog, enumerated=enumerated, source=source, note=note)


def with_channels(devices: Sequence[Device]) -> list[Device]:
    """``devices`` with :attr:`Device.channels` set on every recorder (and cleared elsewhere)."""
    behind = Counter(d.behind.recorder for d in devices if d.behind is not None)
    out = []
    for d in devices:
        found = channels(d, behind.get(d.address, 0))
        out.append(d if found == d.channels else d.model_copy(update={"channels": found}))
    return out


def describe(channels: Channels) -> str:
    """'recorder with 8 IP channels, cameras not enumerated (give credentials)'."""
    parts = []
    if channels.ip is not None:
        parts.append(f"{channels.ip} IP channel" + ("" if channels.ip == 1 else "s"))
    if channels.analog:
        parts.append(f"{channels.analog} analog channel" + ("" if channels.analog == 1 else "s"))
    counted = " and ".join(parts) if parts else "unknown channels"
    return f"recorder with {counted}, {channels.note}"


def behind_text(device: Device) -> str:
    """'behind 192.0.2.26 channel 3', or '' for a device camscan reached itself."""
    b = device.behind
    return f"behind {b.recorder} channel {b.channel}" if b is not None else ""


def recorder_lines(devices: Iterable[Device]) -> list[str]:
    """'192.0.2.26: recorder with 8 IP channels, …' for every recorder, by address order."""
    return [f"{d.address}: {describe(d.channels)}" for d in devices if d.channels is not None]
