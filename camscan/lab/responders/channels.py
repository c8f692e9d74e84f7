"""What a lab recorder knows about the cameras on its channels: learned from the cameras.

A real NVR connects to each camera it was given and reads the camera's identity; the lab's
recorder does the same over ONVIF (the lab does not speak the vendors' private SDKs): for
every channel of its :class:`~camscan.lab.persona.RecorderPlan` it sends the camera, on the
recorder's private PoE side, ``GetDeviceInformation`` (Manufacturer, Model, FirmwareVersion,
SerialNumber) and ``GetNetworkInterfaces`` (HwAddress) with a WS-UsernameToken
PasswordDigest (ONVIF Core Specification §5.12; OASIS WSS UsernameToken Profile 1.0). A
camera that does not answer stays offline, as on the recorder's channel status page. After
that it keeps touching each camera (:meth:`ChannelBook.keep_streaming`), as its streams would.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import os
from dataclasses import dataclass
from xml.sax.saxutils import escape

import httpx
from defusedxml import ElementTree as SafeET

from camscan.lab.persona import ChannelPlan, RecorderPlan
from camscan.lab.responders.onvif import NS_TDS, SOAP_ENV, digest

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_WSS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss"
_PROFILE = f"{_WSS}-username-token-profile-1.0"
_BASE64 = f"{_WSS}-soap-message-security-1.0#Base64Binary"
ASK_TIMEOUT = 2.0
#: s between touches of each camera: a Linux neighbour entry goes stale after about 30 s
#: without traffic (base_reachable_time), and a real NVR's streams never pause that long.
STREAM_EVERY = 10.0
MAX_REPLY = 64 * 1024


@dataclass(frozen=True)
class CameraFacts:
    """A camera's identity as the recorder read it (empty strings where it said nothing)."""

    manufacturer: str = ""
    model: str = ""
    firmware: str = ""
    serial: str = ""
    mac: str = ""


def _request(operation: str, username: str, password: str) -> bytes:
    """A SOAP 1.2 request to the device service with a PasswordDigest UsernameToken."""
    nonce = os.urandom(16)
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    token = (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>{escape(username)}</wsse:Username>"
        f'<wsse:Password Type="{_PROFILE}#PasswordDigest">{digest(nonce, created, password)}'
        f'</wsse:Password><wsse:Nonce EncodingType="{_BASE64}">'
        f"{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP_ENV}">'
        f'<s:Header>{token}</s:Header><s:Body><{operation} xmlns="{NS_TDS}"/></s:Body>'
        "</s:Envelope>"
    ).encode()


def _fields(body: bytes, names: tuple[str, ...]) -> dict[str, str]:
    """First text of each local element name in ``names`` found in a SOAP reply."""
    root = SafeET.fromstring(body[:MAX_REPLY], forbid_dtd=True)
    found: dict[str, str] = {}
    for el in root.iter():
        name = el.tag.rsplit("}", 1)[-1]
        if name in names and name not in found and el.text:
            found[name] = el.text.strip()
    return found


async def ask_camera(client: httpx.AsyncClient, channel: ChannelPlan) -> CameraFacts | None:
    """The camera's facts over ONVIF, or None when it does not answer with them."""
    url = f"http://{channel.address}:{channel.onvif_port}{channel.onvif_path}"
    headers = {"Content-Type": "application/soap+xml; charset=utf-8"}
    try:
        info = await client.post(
            url, content=_request("GetDeviceInformation", channel.username, channel.password),
            headers=headers,
        )  # fmt: skip
        if info.status_code != 200:
            return None
        names = ("Manufacturer", "Model", "FirmwareVersion", "SerialNumber")
        facts = _fields(info.content, names)
        nics = await client.post(
            url, content=_request("GetNetworkInterfaces", channel.username, channel.password),
            headers=headers,
        )  # fmt: skip
        mac = ""
        if nics.status_code == 200:  # a camera without it still has its identity
            mac = _fields(nics.content, ("HwAddress",)).get("HwAddress", "")
    except (httpx.HTTPError, SafeET.ParseError, ValueError):
        return None
    return CameraFacts(
        manufacturer=facts.get("Manufacturer", ""),
        model=facts.get("Model", ""),
        firmware=facts.get("FirmwareVersion", ""),
        serial=facts.get("SerialNumber", ""),
        mac=mac,
    )


class ChannelBook:
    """The recorder's channels and what it learned from each camera."""

    def __init__(self, plan: RecorderPlan) -> None:
        self.plan = plan
        self.facts: dict[int, CameraFacts] = {}

    @property
    def channels(self) -> tuple[ChannelPlan, ...]:
        """Configured channels, in channel order."""
        return tuple(sorted(self.plan.channels, key=lambda c: c.channel))

    async def learn(self, within: float) -> None:
        """Ask every camera not yet known, in rounds, until all answered or ``within`` s passed.

        The cameras start at the same time as the recorder, so early rounds may find some
        not listening yet; each round waits briefly before asking the missing ones again.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        timeout = httpx.Timeout(ASK_TIMEOUT)
        async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
            while True:
                missing = [c for c in self.plan.channels if c.channel not in self.facts]
                if not missing:
                    return
                answers = await asyncio.gather(*(ask_camera(client, c) for c in missing))
                for channel, facts in zip(missing, answers, strict=True):
                    if facts is not None:
                        self.facts[channel.channel] = facts
                if loop.time() + 0.3 > deadline:
                    return
                if len(self.facts) < len(self.plan.channels):
                    await asyncio.sleep(0.3)

    async def keep_streaming(self, every: float = STREAM_EVERY) -> None:
        """Touch every channel's camera every ``every`` s until cancelled, as a real NVR's
        continuous streams keep its link to each camera busy: the recorder's neighbour (ARP)
        entries, which its ISAPI camera search reports, stay those of cameras it reaches."""
        while True:
            await asyncio.sleep(every)
            await asyncio.gather(*(_touch(c) for c in self.plan.channels))


async def _touch(channel: ChannelPlan) -> None:
    """One TCP connection to the camera's ONVIF port, closed at once; silence is fine."""
    with contextlib.suppress(OSError, TimeoutError):
        connecting = asyncio.open_connection(channel.address, channel.onvif_port)
        _, writer = await asyncio.wait_for(connecting, ASK_TIMEOUT)
        writer.close()
        await writer.wait_closed()
