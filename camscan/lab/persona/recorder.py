"""Persona section for a recorder's channel API, and the channel plan the lab gives it.

A recorder persona (``recorder:``) says which read-only channel API it serves behind HTTP
digest authentication — Hikvision ISAPI InputProxy or Dahua configManager RemoteDevice —
and how its 401 challenge looks. Which cameras sit on its channels is not persona data: the
lab writes a :class:`RecorderPlan` from the topology (the cameras on the recorder's PoE side,
their ONVIF ports and logins, the recorder's own login) and the device reads it at start.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from camscan.lab.persona.base import Model


class RecorderConfig(Model):
    """The channel API of an NVR, answered only with a valid HTTP digest login (RFC 7616)."""

    api: Literal["isapi", "dahua"] = Field(
        description="isapi = Hikvision GET /ISAPI/ContentMgmt/InputProxy/channels[/status]; "
        "dahua = GET /cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice."
    )
    realm: str = Field(description="Digest realm of the 401 challenge.")
    challenge: str = Field(
        description="WWW-Authenticate value of the 401, in the device's own order; {realm} "
        "and {nonce} (and {opaque}) are filled.",
    )
    username: str = Field(default="admin", description="Login unless the lab plan gives one.")
    password: str = Field(default="admin12345", description="Password unless the plan gives one.")
    slots: int = Field(
        default=0,
        ge=0,
        le=512,
        description="IP channel slots (Dahua lists every slot; unused ones disabled). Keep it "
        "equal to the channel counts the persona announces (SADP, DHIP).",
    )
    server: str | None = Field(
        default=None, description="Server header of the API answers; None = no Server header."
    )


class ChannelPlan(Model):
    """One IP channel of a recorder: the camera the installer added, and how."""

    channel: int = Field(ge=1, le=512, description="Channel number on the recorder (1-based).")
    address: str = Field(description="The camera's IPv4 address on the recorder's PoE side.")
    name: str = Field(default="", description="Channel name shown by the recorder.")
    protocol: str = Field(
        description="How the recorder talks to the camera, in the API's own words "
        "(ISAPI proxyProtocol HIKVISION/ONVIF; Dahua ProtocolType Private/Onvif)."
    )
    port: int = Field(ge=1, le=65535, description="Management port of that protocol.")
    username: str = Field(default="admin", description="The camera's login on the recorder.")
    password: str = Field(default="", description="The camera's password (lab data).")
    onvif_port: int = Field(default=80, ge=1, le=65535, description="The camera's ONVIF port.")
    onvif_path: str = Field(default="/onvif/device_service", description="Device service path.")


class RecorderPlan(Model):
    """What the lab tells a recorder device at start (JSON, ``--recorder FILE``)."""

    username: str = Field(min_length=1, description="The recorder's login (the topology's).")
    password: str = Field(min_length=1, description="Its password (lab data, also in a file).")
    channels: tuple[ChannelPlan, ...] = Field(default=(), description="Channels in order.")
