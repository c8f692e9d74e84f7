"""ONVIF reply parsing on replies written from real captures (tests/fixtures) and hostile XML."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest

from camscan.probe.onvifdevice import (
    parse_capabilities,
    parse_device_information,
    parse_services,
    parse_utc_datetime,
)
from camscan.probe.soap import (
    SoapError,
    created_timestamp,
    envelope,
    parse_fault,
    parse_xml,
    password_digest,
    security_header,
)
from tests.probe.conftest import sample_bytes


def test_device_information_dahua_envelope() -> None:
    root = parse_xml(sample_bytes("onvif-dahua-getdeviceinformation.xml"))
    assert parse_device_information(root) == {
        "Manufacturer": "Dahua",
        "Model": "DH-2H3400-ADP",
        "FirmwareVersion": "2.811.0000013.0.R, Build Date 2023-12-20",
        "SerialNumber": "LAB0ONVIF0001",
        "HardwareId": "1.00",
    }
    assert parse_fault(root) is None


def test_device_information_body_fragment_with_unbound_prefix_is_malformed() -> None:
    # The IPC-HDW1025C reply as firmware logs quote it: a fragment whose tds: prefix is never
    # declared, so not XML.
    with pytest.raises(SoapError):
        parse_xml(sample_bytes("onvif-dahua-getdeviceinformation-fragment.xml"))


def test_device_information_fragment_once_namespaced() -> None:
    body = sample_bytes("onvif-dahua-getdeviceinformation-fragment.xml")
    fixed = body.replace(
        b"<tds:GetDeviceInformationResponse>",
        b'<tds:GetDeviceInformationResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl">',
        1,
    )
    info = parse_device_information(parse_xml(fixed))
    assert info["Model"] == "IPC-HDW1025C"
    assert info["FirmwareVersion"] == "2.420.Dahua 00.14.R, build: 2016-06-18"


def test_system_date_and_time() -> None:
    root = parse_xml(sample_bytes("onvif-getsystemdateandtime.xml"))
    assert parse_utc_datetime(root) == datetime(2016, 3, 1, 7, 5, 9, tzinfo=UTC)


def test_services() -> None:
    root = parse_xml(sample_bytes("onvif-getservices.xml"))
    assert parse_services(root) == [
        "http://www.onvif.org/ver10/device/wsdl",
        "http://www.onvif.org/ver10/media/wsdl",
        "http://www.onvif.org/ver10/events/wsdl",
        "http://www.onvif.org/ver10/deviceIO/wsdl",
        "http://www.onvif.org/ver20/ptz/wsdl",
        "http://www.onvif.org/ver20/imaging/wsdl",
    ]


def test_capabilities_map_categories_to_namespaces() -> None:
    root = parse_xml(sample_bytes("onvif-getcapabilities.xml"))
    assert parse_capabilities(root) == [
        "http://www.onvif.org/ver10/device/wsdl",
        "http://www.onvif.org/ver10/events/wsdl",
        "http://www.onvif.org/ver20/imaging/wsdl",
        "http://www.onvif.org/ver10/media/wsdl",
        "http://www.onvif.org/ver20/ptz/wsdl",
        "http://www.onvif.org/ver10/deviceIO/wsdl",
    ]


def test_capabilities_report_vendor_extension_namespace() -> None:
    doc = (
        b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
        b'<GetCapabilitiesResponse xmlns="http://www.onvif.org/ver10/device/wsdl">'
        b'<Capabilities><Media xmlns="http://www.onvif.org/ver10/schema"><XAddr>x</XAddr></Media>'
        b'<Extension xmlns="http://www.onvif.org/ver10/schema">'
        b'<hik:Vendor xmlns:hik="http://vendor.example/ext"/></Extension>'
        b"</Capabilities></GetCapabilitiesResponse></e:Body></e:Envelope>"
    )
    assert parse_capabilities(parse_xml(doc)) == [
        "http://www.onvif.org/ver10/media/wsdl",
        "http://vendor.example/ext",
    ]


def test_fault_subcode_soap12() -> None:
    doc = (
        b'<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"'
        b' xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault>'
        b"<env:Code><env:Value>env:Sender</env:Value><env:Subcode>"
        b"<env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code>"
        b'<env:Reason><env:Text xml:lang="en">Sender not authorized</env:Text></env:Reason>'
        b"</env:Fault></env:Body></env:Envelope>"
    )
    root = parse_xml(doc)
    assert parse_fault(root) == "ter:NotAuthorized"
    assert parse_device_information(root) == {}


def test_xml_bomb_and_external_entities_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<Envelope>&c;</Envelope>"
    )
    with pytest.raises(SoapError, match="DTDForbidden"):
        parse_xml(bomb)
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(SoapError):
        parse_xml(xxe)
    with pytest.raises(SoapError):
        parse_xml(b"\x00\xff garbage <not xml")


def test_hostile_values_are_made_visible() -> None:
    # XML 1.0 forbids C0 controls even as references, but allows C1 (U+009B is the 8-bit
    # CSI that starts a terminal escape) and bidi overrides: both must come out as \\xNN.
    doc = (
        b"<Envelope><GetDeviceInformationResponse><Manufacturer>Evil&#x9b;31mCorp"
        b"</Manufacturer><Model>abc&#x202e;fed</Model></GetDeviceInformationResponse>"
        b"</Envelope>"
    )
    info = parse_device_information(parse_xml(doc))
    assert info["Manufacturer"] == "Evil\\x9b31mCorp"
    assert info["Model"] == "abc\\u202efed"
    with pytest.raises(SoapError):
        parse_xml(b"<a>&#x1b;[31m</a>")


def test_raw_control_bytes_from_sloppy_firmware_become_visible_text() -> None:
    doc = b"<Envelope><GetDeviceInformationResponse><Model>\x1b[31mRED\x00</Model>"
    info = parse_device_information(parse_xml(doc + b"</GetDeviceInformationResponse></Envelope>"))
    assert info == {"Model": "\\x1b[31mRED\\x00"}
    with pytest.raises(SoapError):
        parse_xml(b"<a>\x1b<b></a>")  # still broken after the rewrite


def test_password_digest_matches_the_wss_formula() -> None:
    nonce = b"0123456789abcdef"
    created = "2014-12-24T16:20:37.475Z"
    expected = base64.b64encode(
        hashlib.sha1(nonce + created.encode() + b"secret", usedforsecurity=False).digest()
    ).decode()
    assert password_digest(nonce, created, "secret") == expected
    header = security_header("ad<min", "secret", created, nonce)
    assert "ad&lt;min" in header
    assert expected in header
    assert base64.b64encode(nonce).decode() in header


def test_created_timestamp_format_and_envelope_is_valid_xml() -> None:
    when = datetime(2014, 12, 24, 16, 20, 37, 475123, tzinfo=UTC)
    assert created_timestamp(when) == "2014-12-24T16:20:37.475Z"
    root = parse_xml(envelope("GetDeviceInformation", header=security_header("u", "p", "x", b"n")))
    assert root.tag == "{http://www.w3.org/2003/05/soap-envelope}Envelope"
