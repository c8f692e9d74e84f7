"""The persona itself: identity, MAC source, the protocol sections and misbehaviour."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from camscan.lab.persona.base import Model, unicast_mac
from camscan.lab.persona.discovery import DhipConfig, MdnsConfig, SadpConfig, SsdpConfig
from camscan.lab.persona.onvif import OnvifConfig, WsdConfig
from camscan.lab.persona.recorder import RecorderConfig
from camscan.lab.persona.snmp import SnmpConfig
from camscan.lab.persona.web import Banner, HttpConfig, HttpsConfig, RtspConfig

_OUI_RE = re.compile(r"^[0-9a-fA-F]{2}([:-]?[0-9a-fA-F]{2}){2}$")


class Misbehave(Model):
    """Hostile or broken behaviours, to prove camscan survives real-world garbage."""

    xml_bomb: bool = Field(
        default=False, description="WS-Discovery and SADP ProbeMatches carry a billion-laughs DTD."
    )
    endless_http_body: bool = Field(
        default=False,
        description="Every HTTP(S) route streams a chunked body forever (until shutdown).",
    )
    silent_tcp_ports: tuple[int, ...] = Field(
        default=(),
        description="TCP ports that accept connections and never send a byte (replacing any "
        "other server on that port).",
    )
    udp_garbage: bool = Field(
        default=False,
        description="Discovery ports (3702, 37020, 37810, 1900) answer with random garbage.",
    )
    dhip_wrong_shape: bool = Field(
        default=False, description="DHIP reply JSON has a valid header but the wrong shape."
    )
    hostile_title: bool = Field(
        default=False,
        description="HTML titles are replaced by tags plus terminal escape sequences.",
    )


class Persona(Model):
    """One simulated device: identity plus the optional protocol sections it answers."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Unique short id.")
    description: str = Field(default="", description="What real device this imitates and why.")
    device_type: str = Field(
        default="camera", description="camera, nvr, dvr, encoder, intercom, printer, pc, ..."
    )
    mac: str | None = Field(default=None, description="Explicit MAC (aa:bb:cc:dd:ee:ff).")
    oui: str | None = Field(
        default=None, description="Vendor prefix (aa:bb:cc); the rest is derived from the id."
    )
    locally_administered: bool = Field(
        default=False, description="Use a random-looking locally administered MAC (phones etc.)."
    )
    http: HttpConfig | None = Field(default=None, description="Web server.")
    https: HttpsConfig | None = Field(default=None, description="TLS web server.")
    rtsp: RtspConfig | None = Field(default=None, description="RTSP server.")
    onvif: OnvifConfig | None = Field(default=None, description="ONVIF device service.")
    wsd: WsdConfig | None = Field(default=None, description="WS-Discovery target service.")
    sadp: SadpConfig | None = Field(default=None, description="Hikvision SADP.")
    dhip: DhipConfig | None = Field(default=None, description="Dahua DHIP discovery.")
    ssdp: SsdpConfig | None = Field(default=None, description="SSDP + UPnP description.")
    mdns: MdnsConfig | None = Field(default=None, description="mDNS/DNS-SD services.")
    snmp: SnmpConfig | None = Field(default=None, description="SNMP agent (v1/v2c/v3).")
    recorder: RecorderConfig | None = Field(
        default=None, description="NVR channel API (ISAPI or Dahua CGI) behind digest auth."
    )
    banners: dict[int, Banner] = Field(
        default_factory=dict, description="Raw TCP banners by port (8000, 37777, 34567...)."
    )
    misbehave: Misbehave = Field(default_factory=Misbehave, description="Hostile behaviours.")

    @field_validator("mac")
    @classmethod
    def _mac(cls, v: str | None) -> str | None:
        return None if v is None else unicast_mac(v)

    @field_validator("oui")
    @classmethod
    def _oui(cls, v: str | None) -> str | None:
        if v is not None and not _OUI_RE.match(v):
            raise ValueError(f"OUI {v!r} must look like aa:bb:cc")
        if v is None:
            return v
        digits = re.sub(r"[:-]", "", v).lower()
        return ":".join(digits[i : i + 2] for i in range(0, 6, 2))

    @model_validator(mode="after")
    def _one_mac_source(self) -> Persona:
        if sum((self.mac is not None, self.oui is not None, self.locally_administered)) > 1:
            raise ValueError("give at most one of mac, oui, locally_administered")
        return self

    def check_tcp_ports(self) -> None:
        """Raise ValueError naming both servers when two would need the same TCP port.

        ONVIF and the UPnP description may share a web server's port (that is how they are
        served); ``silent_tcp_ports`` replace whatever else was on the port. Checked when a
        device starts, not at load, so a lab can still load such a file and watch it fail.
        """
        owners: dict[int, str] = {}

        def claim(port: int, what: str) -> None:
            if port in owners:
                raise ValueError(f"TCP port {port} used by both {owners[port]} and {what}")
            owners[port] = what

        web = {c.port for c in (self.http, self.https) if c is not None}
        for name in ("http", "https", "rtsp"):
            section = getattr(self, name)
            if section is not None:
                claim(section.port, name)
        if self.onvif is not None and self.onvif.port not in web:
            claim(self.onvif.port, "onvif")
        if self.ssdp is not None and self.ssdp.location_port not in web | {None}:
            assert self.ssdp.location_port is not None
            claim(self.ssdp.location_port, "ssdp description")
        for port in self.banners:
            claim(port, f"banner {port}")

    def resolved_mac(self, salt: str = "") -> str:
        """The device MAC: explicit, or the OUI plus 3 bytes derived from id+salt (stable).

        ``salt`` lets a lab run several copies of one persona with distinct MACs.
        """
        if self.mac is not None:
            return self.mac
        digest = hashlib.sha256(f"{self.id}/{salt}".encode()).digest()
        if self.oui is not None:
            return self.oui + ":" + ":".join(f"{b:02x}" for b in digest[:3])
        # Locally administered unicast: set bit 1, clear bit 0 of the first octet.
        first = (digest[3] | 0x02) & 0xFE
        return ":".join(f"{b:02x}" for b in (first, *digest[4:9]))


class PersonaError(ValueError):
    """A persona file could not be read or is invalid; the message names the file."""


def load_persona(path: str | Path) -> Persona:
    """Read and validate one persona YAML file (relative body files resolve against it)."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PersonaError(f"{p}: {exc}") from exc
    if not isinstance(data, dict):
        raise PersonaError(f"{p}: a persona must be a mapping")
    try:
        return Persona.model_validate(data, context={"base_dir": p.resolve().parent})
    except ValidationError as exc:
        raise PersonaError(f"{p}: {exc}") from exc
