"""The persona model: one YAML file describes everything a simulated device says on the wire.

A persona is data, not code: the lab responders (:mod:`camscan.lab.responders`) read it and
answer exactly as written, byte for byte where it matters (header order, header-name case,
XML prefixes), because camscan's signatures key on exactly those details.

Text values may contain placeholders that the responders fill at run time:
``{address}`` (the device's IPv4 address), ``{mac}`` (``aa:bb:cc:dd:ee:ff``), ``{MAC}``
(upper case), ``{mac_dash}`` (``aa-bb-cc-dd-ee-ff``), ``{MAC_DASH}``, ``{mac_hex}``
(``aabbccddeeff``), ``{MAC_HEX}``, ``{port}`` and, where a protocol has them, ``{length}``
(body length), ``{date}`` (an HTTP/RTSP date), ``{cseq}`` (RTSP CSeq) and ``{nonce}``
(a fresh 32-hex-digit nonce). Unknown ``{names}`` are left as they are, so hostile strings
containing braces are safe.
"""

from camscan.lab.persona.base import Body, Header, Model, expand, unicast_mac
from camscan.lab.persona.discovery import (
    DhipConfig,
    MdnsConfig,
    MdnsService,
    SadpConfig,
    SsdpConfig,
)
from camscan.lab.persona.model import Misbehave, Persona, PersonaError, load_persona
from camscan.lab.persona.onvif import KNOWN_TYPE_PREFIXES, OnvifConfig, OnvifService, WsdConfig
from camscan.lab.persona.recorder import ChannelPlan, RecorderConfig, RecorderPlan
from camscan.lab.persona.snmp import SnmpConfig, SnmpUser, SnmpValue
from camscan.lab.persona.web import (
    NAME_ATTRIBUTES,
    Banner,
    CertConfig,
    HttpConfig,
    HttpRoute,
    HttpsConfig,
    RtspConfig,
)

__all__ = [
    "KNOWN_TYPE_PREFIXES",
    "NAME_ATTRIBUTES",
    "Banner",
    "Body",
    "CertConfig",
    "ChannelPlan",
    "DhipConfig",
    "Header",
    "HttpConfig",
    "HttpRoute",
    "HttpsConfig",
    "MdnsConfig",
    "MdnsService",
    "Misbehave",
    "Model",
    "OnvifConfig",
    "OnvifService",
    "Persona",
    "PersonaError",
    "RecorderConfig",
    "RecorderPlan",
    "RtspConfig",
    "SadpConfig",
    "SnmpConfig",
    "SnmpUser",
    "SnmpValue",
    "SsdpConfig",
    "WsdConfig",
    "expand",
    "load_persona",
    "unicast_mac",
]
