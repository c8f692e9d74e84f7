"""The project's protocol fixtures say what the real captures say (an extra where they exist).

Every parser test runs on tests/fixtures/protocol, which camscan's developers wrote from public
facts. Where this workspace also has ``../shared/protocol-samples`` (real captures from public
projects, not ours to commit), each fixture and its capture go through the same shipped parser
and must give the same facts: kind of message, types, model, firmware, field names, vendor MAC
prefix. Identifiers that only need to be unique, and addresses, are our own in the fixtures and
are not compared. Without ``../shared`` tests/conftest.py leaves these checks out and the
summary says so; the parser tests themselves never depend on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from zeroconf import DNSIncoming

from camscan.discover import dhip, sadp, ssdp, wsd
from camscan.probe.onvifdevice import (
    parse_capabilities,
    parse_device_information,
    parse_services,
    parse_utc_datetime,
)
from camscan.probe.soap import parse_xml
from tests.helpers import SAMPLES, protocol_bytes

pytestmark = pytest.mark.shared_samples


def _shared(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"extra check: real capture {name} absent ({SAMPLES} is not in this checkout)")
    return path.read_bytes().split(b"\n", 1)[1]  # line 1 names the capture's source


def _hex(data: bytes) -> bytes:
    lines = data.decode().splitlines()
    return bytes.fromhex("".join(line.split(":", 1)[1][:40].replace(" ", "") for line in lines))


def _wsd(data: bytes) -> Any:
    (message,) = wsd.parse_wsd(data)
    scopes = {s for s in message.scopes if "/MAC/" not in s}
    return message.kind, message.types, scopes, len(message.xaddrs), message.mac is not None


def _sadp(data: bytes) -> Any:
    reply = sadp.parse_sadp(data.split(b"===== reply ===== -->")[-1].strip())
    assert reply is not None
    facts = ("DeviceType", "DeviceDescription", "SoftwareVersion", "DSPVersion", "CommandPort")
    return {k: reply.get(k) for k in facts}


def _sadp_with_oui(data: bytes) -> Any:
    reply = sadp.parse_sadp(data.split(b"===== reply ===== -->")[-1].strip())
    assert reply is not None
    assert reply.mac is not None
    return _sadp(data), reply.mac[:8]


def _dhip(data: bytes) -> Any:
    reply = dhip.parse_dhip(_hex(data))
    assert reply is not None
    return reply.method, reply.get("DeviceType"), reply.get("Vendor"), reply.get("Port")


def _ssdp(data: bytes) -> Any:
    message = ssdp.parse_ssdp(data.lstrip())
    assert message is not None
    values = {o.signal: o.value for o in ssdp.observations(message)}
    return values["ssdp.server"], sorted(values), sorted(message.headers)


def _mdns(data: bytes) -> Any:
    answers = DNSIncoming(_hex(data)).answers()
    return sorted({(r.name, r.type) for r in answers})


def _onvif_info(data: bytes) -> Any:
    if b"Envelope" not in data:
        data = data.replace(
            b"<tds:GetDeviceInformationResponse>",
            b'<tds:GetDeviceInformationResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl">',
        )
    info = parse_device_information(parse_xml(data))
    info.pop("SerialNumber")
    return info


def _snmprec(data: bytes) -> Any:
    records = dict(line.split("|", 2)[::2] for line in data.decode().splitlines() if line)
    return records["1.3.6.1.4.1.39165.1.1.0"], records["1.3.6.1.4.1.39165.1.3.0"]


CASES: list[tuple[str, str, Callable[[bytes], Any]]] = [
    ("hikvision-wsd-probematch.xml", "hikvision-wsd-probematch-DFI6256TE.xml", _wsd),
    ("tplink-wsd-probematch.xml", "tplink-wsd-probematch-TP-IPC.xml", _wsd),
    ("dahua-wsd-hello.xml", "dahua-wsd-hello-IPC-HFW2228M.xml", _wsd),
    ("generic-ipcam-wsd-probematch.xml", "generic-ipcam-wsd-probematch.xml", _wsd),
    ("universalscanner-wsd-probematch.xml", "wsd-probematch-universalscanner-anonymized.xml", _wsd),
    ("onvif-mock-probematch.xml", "agsh-mock-probe.xml", _wsd),
    ("sadp-ezviz-inquiry-and-probematch.xml",
     "hikvision-ezviz-sadp-probe-and-probematch-CS-C6TC.xml", _sadp_with_oui),
    ("sadp-intercom-inquiry-and-probematch.xml",
     "hikvision-sadp-probe-and-probematch-DS-KH6210-L.xml", _sadp_with_oui),
    ("sadp-camera-probematch-truncated.xml",
     "hikvision-sadp-probematch-DS-2CD5026EFWD-A-TRUNCATED.xml", _sadp_with_oui),
    ("sadp-dvr-probematch-truncated.xml",
     "hikvision-sadp-probematch-DS-7804HQH-K1-TRUNCATED.xml", _sadp_with_oui),
    ("sadp-virtual-probematch.xml", "hikvision-sadp-probematch-universalscanner-anonymized.xml",
     _sadp),
    ("dahua-dhip-reply.hex.txt", "dahua2-universalscanner-anonymized.hex.txt", _dhip),
    ("ssdp-notify.txt", "ssdp-notify-universalscanner-anonymized.txt", _ssdp),
    ("axis-mdns-response.hex.txt", "axis-universalscanner-anonymized.hex.txt", _mdns),
    ("onvif-dahua-getdeviceinformation.xml",
     "dahua-onvif-getdeviceinformation-DH-2H3400-ADP.xml", _onvif_info),
    ("onvif-dahua-getdeviceinformation-fragment.xml",
     "dahua-onvif-getdeviceinformation-IPC-HDW1025C-body.xml", _onvif_info),
    ("onvif-getservices.xml", "agsh-mock-getservices.xml",
     lambda d: parse_services(parse_xml(d))),
    ("onvif-getcapabilities.xml", "agsh-mock-getcapabilities.xml",
     lambda d: parse_capabilities(parse_xml(d))),
    ("onvif-getsystemdateandtime.xml", "agsh-mock-getsystemdateandtime.xml",
     lambda d: parse_utc_datetime(parse_xml(d)) is not None),
    ("hikvision-snmp.snmprec", "hikvision-snmp-DS-2CD2185FWD-I.snmprec", _snmprec),
]  # fmt: skip


@pytest.mark.parametrize(("ours", "capture", "facts"), CASES, ids=[c[0] for c in CASES])
def test_fixture_says_what_the_real_capture_says(
    ours: str, capture: str, facts: Callable[[bytes], Any]
) -> None:
    mine = facts(protocol_bytes(ours))  # our fixture parses on every checkout
    assert mine
    assert facts(_shared(capture)) == mine


@pytest.mark.parametrize(
    ("ours", "capture"), [(o, c) for o, c, facts in CASES if facts in (_sadp, _sadp_with_oui)]
)
def test_sadp_fixture_fields_are_ones_the_device_sends(ours: str, capture: str) -> None:
    """A fixture may leave fields out (they are long), but never invents one."""

    def fields(data: bytes) -> set[str]:
        reply = sadp.parse_sadp(data.split(b"===== reply ===== -->")[-1].strip())
        assert reply is not None
        return {name for name, _ in reply.fields}

    mine = fields(protocol_bytes(ours))
    assert len(mine) >= 15
    assert mine <= fields(_shared(capture))
