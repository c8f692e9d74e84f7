"""Issue 8's small failing inputs for the restricted makers, each through the shipped signatures.

Every case is one clue a real device emits; each must name the right family (and model,
firmware, device type or brand where the clue carries them), and nothing else may be named.
"""

from __future__ import annotations

import pytest

from camscan.identify import identify
from camscan.models import Identification, Observation
from camscan.probe.banner import banner_observations
from camscan.signatures import load_signatures
from camscan.signatures.payloads import PayloadFormat, parse_payload
from tests.helpers import obs

SIGS = load_signatures()


def _ident(observations: list[Observation], mac: str | None = None) -> Identification:
    return identify(observations, mac, SIGS)


def test_hikvision_recorder_snmp_tree_50001() -> None:
    # librenms/librenms tests/snmpsim/hikvision-nvr.snmprec: sysObjectID and sysDescr
    ident = _ident(
        [
            obs("snmp.sysobjectid", "1.3.6.1.4.1.50001"),
            obs("snmp.sysdescr", "Hikvision company products"),
        ]
    )
    assert ident.vendor == "Hikvision"
    assert ident.device_type == "recorder"
    assert ident.confidence >= 0.8
    assert not ident.conflicts


def test_dahua_recorder_sysdescr_gives_model_type_and_mib_firmware() -> None:
    # librenms/librenms tests/snmpsim/dahua-nvr.snmprec (serial digits replaced)
    ident = _ident(
        [
            obs("snmp.sysdescr", "DH-NVR4108HS-8P-4KS2"),
            obs("snmp.sysobjectid", "1.3.6.1.4.1.1004849.3.2.10"),
            obs("snmp.oid", "1.3.6.1.4.1.1004849.2.1.1.1.0 = 3.212.0000.1"),
            obs("snmp.oid", "1.3.6.1.4.1.1004849.2.1.2.4.0 = 2M00D2APAZ00000"),
        ]
    )
    assert (ident.vendor, ident.model, ident.device_type) == (
        "Dahua",
        "DH-NVR4108HS-8P-4KS2",
        "recorder",
    )
    assert ident.firmware == "3.212.0000.1"
    assert ident.serial == "2M00D2APAZ00000"


def test_dahua_recorder_sysdescr_alone() -> None:
    ident = _ident([obs("snmp.sysdescr", "DH-NVR4104HS-P-4KS2")])
    assert (ident.vendor, ident.model, ident.device_type) == (
        "Dahua",
        "DH-NVR4104HS-P-4KS2",
        "recorder",
    )


@pytest.mark.parametrize("port", [23, 2323])
def test_hikvision_telnet_prompt_on_any_port(port: int) -> None:
    observations = banner_observations(b"\r\n192.0.0.64 login: ", port)
    ident = _ident(observations)
    assert ident.vendor == "Hikvision"
    assert ident.confidence >= 0.8


def test_lorex_wsd_name_scope_as_sent_on_the_wire() -> None:
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"'
        ' xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
        ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
        ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
        "<SOAP-ENV:Header><wsa:Action>"
        "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>"
        "</SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>"
        "<wsa:EndpointReference><wsa:Address>urn:uuid:00000000-0000-0000-0000-000000000000"
        "</wsa:Address></wsa:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>"
        "<d:Scopes>onvif://www.onvif.org/name/LOREX%20LNB4321 "
        "onvif://www.onvif.org/type/video_encoder</d:Scopes>"
        "<d:XAddrs>http://192.0.2.20/onvif/device_service</d:XAddrs>"
        "<d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches>"
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    observations = parse_payload(PayloadFormat.WSD, envelope, 3702)
    ident = _ident(observations)
    assert (ident.vendor, ident.brand) == ("Dahua", "Lorex")


def test_huawei_vrp_sysdescr_model_and_version() -> None:
    # librenms/librenms tests/snmpsim/vrp.snmprec
    ident = _ident(
        [
            obs(
                "snmp.sysdescr",
                "Huawei AR1220 Huawei Versatile Routing Platform Software  VRP (R) software,"
                "Version 5.120 (AR1220 V200R003C01SPC900) Copyright (C) 2011-2013 Huawei "
                "Technologies Co., Ltd",
            ),
            obs("snmp.sysobjectid", "1.3.6.1.4.1.2011.2.224.1"),
        ]
    )
    assert (ident.vendor, ident.model, ident.firmware) == ("Huawei", "AR1220", "5.120")


def test_zte_olt_sysdescr_model_and_version() -> None:
    # librenms/librenms tests/snmpsim/zxa10.snmprec
    ident = _ident(
        [
            obs(
                "snmp.sysdescr",
                "C320 Version V2.1.0 Software, Copyright (c) by ZTE Corporation Compiled",
            ),
            obs("snmp.sysobjectid", "1.3.6.1.4.1.3902.1082.1001.320.2.1"),
        ]
    )
    assert (ident.vendor, ident.model, ident.firmware) == ("ZTE", "C320", "V2.1.0")


@pytest.mark.parametrize(
    ("banner", "vendor"),
    [
        (b"SSH-2.0-HUAWEI-VRP-3.10\r\n", "Huawei"),
        (b"SSH-2.0-ZTE_SSH.2.0\r\n", "ZTE"),
    ],
)
def test_telecom_ssh_banners(banner: bytes, vendor: str) -> None:
    assert _ident(banner_observations(banner, 22)).vendor == vendor


@pytest.mark.parametrize(
    "observation",
    [
        obs("snmp.sysobjectid", "1.3.6.1.4.1.500010"),
        obs("snmp.sysdescr", "H3C Comware Platform Software, Software Version 5.20"),
        obs("ssh.banner", "SSH-2.0-OpenSSH_8.9p1"),
        obs("telnet.banner", "router login:"),
        obs("http.title", "Intelbras Wireless N 150Mbps"),
        obs("snmp.sysdescr", "Linux nas 5.10.0 #1 SMP x86_64"),
    ],
)
def test_lookalikes_name_nobody(observation: Observation) -> None:
    assert _ident([observation]).vendor is None


def test_dahua_scale_factory_is_not_dahua() -> None:
    """IEEE MA-M 40:2C:76:1 is "Shanghai Dahua Scale Factory": no link to Zhejiang Dahua."""
    assert _ident([], "40:2c:76:11:22:33").vendor is None
