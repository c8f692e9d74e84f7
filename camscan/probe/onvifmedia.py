"""ONVIF Media service: how many video sources and profiles a device (a recorder) has.

Two read-only calls of the Media service (ONVIF Media Service Specification, ver10,
``http://www.onvif.org/ver10/media/wsdl``): ``GetVideoSources`` (one ``VideoSources``
element per physical or proxied input — a recorder's channels) and ``GetProfiles`` (one
``Profiles`` element per stream profile). Sent anonymously, and with a WS-UsernameToken when
the user gave a login for the host; without one, only a device that lists a recording,
search, replay or receiver service (a recorder) is asked. The Media XAddr comes from
GetCapabilities and is used only when it points at the same host; otherwise the
device-service URL is asked.
"""

from __future__ import annotations

from typing import Any

from camscan.probe.soap import local, text

MEDIA_NS = "http://www.onvif.org/ver10/media/wsdl"
# Services of ONVIF Profile G (recording, search, replay) or a receiver: a device that offers
# one is worth asking for its channel count even without a login.
RECORDER_SERVICES = frozenset(
    {
        "http://www.onvif.org/ver10/recording/wsdl",
        "http://www.onvif.org/ver10/search/wsdl",
        "http://www.onvif.org/ver10/replay/wsdl",
        "http://www.onvif.org/ver10/receiver/wsdl",
    }
)
MAX_COUNT = 4096


def media_xaddr(capabilities: Any) -> str | None:
    """The Media service URL from a GetCapabilitiesResponse, or None."""
    if capabilities is None:
        return None
    for el in capabilities.iter():
        if local(el.tag) == "Media":
            for child in el:
                if local(child.tag) == "XAddr" and (value := text(child)):
                    return value
    return None


def count_items(root: Any, response: str, item: str) -> int | None:
    """How many ``item`` children the ``response`` element has; None when it is absent."""
    for el in root.iter():
        if local(el.tag) == response:
            return min(sum(1 for c in el if local(c.tag) == item), MAX_COUNT)
    return None
