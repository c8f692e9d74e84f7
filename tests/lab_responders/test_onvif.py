"""ONVIF device service: pre-auth operations, WS-UsernameToken digest accepted and refused."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os

import pytest
from defusedxml import ElementTree as SafeET

from tests.lab_responders.wire import (
    persona,
    running,
    sample_text,
    split_http,
    tcp_exchange,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

TDS = "{http://www.onvif.org/ver10/device/wsdl}"
TT = "{http://www.onvif.org/ver10/schema}"
SOAP = "{http://www.w3.org/2003/05/soap-envelope}"
PASSWORD_DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)


def envelope(operation: str, header: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
        f"<s:Header>{header}</s:Header><s:Body>"
        f'<{operation} xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
    ).encode()


def username_token(user: str, password: str, created: dt.datetime) -> str:
    """Built independently of the responder, from the WSS UsernameToken profile 1.0."""
    nonce = os.urandom(16)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    pw = base64.b64encode(hashlib.sha1(nonce + stamp.encode() + password.encode()).digest())
    return (
        '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
        'oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/'
        '2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_DIGEST}">{pw.decode()}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{stamp}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


async def post(
    address: str, port: int, body: bytes, path: str = "/onvif/device_service"
) -> tuple[str, list[tuple[str, str]], bytes]:
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {address}\r\n"
        "Content-Type: application/soap+xml; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    return split_http(await tcp_exchange(address, port, request))


async def test_pre_auth_operations_answer_without_credentials() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        addr = dev.context.address
        results = {
            op: await post(addr, 18080, envelope(op))
            for op in ("GetSystemDateAndTime", "GetCapabilities", "GetServices")
        }
    for status, headers, _ in results.values():
        assert status == "HTTP/1.1 200 OK"
        assert headers[0] == ("Server", "DNVRS-Webs")  # shares the web server's port
    clock = SafeET.fromstring(results["GetSystemDateAndTime"][2])
    year = clock.find(f".//{TT}UTCDateTime/{TT}Date/{TT}Year")
    assert year is not None
    assert int(year.text or 0) == dt.datetime.now(dt.UTC).year
    services = SafeET.fromstring(results["GetServices"][2])
    xaddrs = [e.text for e in services.iter(f"{TDS}XAddr")]
    assert xaddrs[0] == f"http://{addr}:18080/onvif/device_service"
    assert len(xaddrs) == 6
    caps = SafeET.fromstring(results["GetCapabilities"][2])
    assert caps.find(f".//{TT}Media/{TT}XAddr") is not None
    assert caps.find(f".//{TT}Extension/{TT}Recording/{TT}XAddr") is not None


@pytest.mark.parametrize(
    ("user", "password", "skew", "ok"),
    [
        ("admin", "Lab-Passw0rd", 0, True),
        ("admin", "Lab-Passw0rd", 240, True),
        ("admin", "wrong", 0, False),
        ("root", "Lab-Passw0rd", 0, False),
        ("admin", "Lab-Passw0rd", 360, False),  # more than 5 minutes off the device clock
        ("admin", "Lab-Passw0rd", -360, False),
    ],
)
async def test_device_information_digest(user: str, password: str, skew: int, ok: bool) -> None:
    created = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=skew)
    body = envelope("GetDeviceInformation", username_token(user, password, created))
    async with running(persona("hikvision-nvr")) as dev:
        status, _, xml = await post(dev.context.address, 18080, body)
    root = SafeET.fromstring(xml)
    if ok:
        assert status == "HTTP/1.1 200 OK"
        assert root.findtext(f".//{TDS}Model") == "DS-7608NI-K2"
        assert root.findtext(f".//{TDS}Manufacturer") == "HIKVISION"
    else:
        assert status == "HTTP/1.1 401 Unauthorized"  # the persona's auth_fault_status
        assert root.findtext(f".//{SOAP}Subcode/{SOAP}Value") == "ter:NotAuthorized"


async def test_device_information_without_token_is_refused() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        status, _, xml = await post(dev.context.address, 18080, envelope("GetDeviceInformation"))
    assert status.startswith("HTTP/1.1 401")
    assert b"ter:NotAuthorized" in xml


async def test_open_dahua_device_information_on_own_port_matches_real_shape() -> None:
    async with running(persona("dahua-ipc")) as dev:
        status, _headers, xml = await post(
            dev.context.address, 28081, envelope("GetDeviceInformation")
        )
    assert status == "HTTP/1.1 200 OK"
    assert xml.startswith(b'<?xml version="1.0" encoding="utf-8" standalone="yes" ?>')
    assert b"<s:Envelope " in xml  # Dahua's prefix
    root = SafeET.fromstring(xml)
    info = root.find(f".//{TDS}GetDeviceInformationResponse")
    assert info is not None
    ours = [c.tag for c in info]
    names = ("Manufacturer", "Model", "FirmwareVersion", "SerialNumber", "HardwareId")
    assert ours == [f"{TDS}{n}" for n in names]
    # same elements in the same order as a real Dahua reply
    real = SafeET.fromstring(sample_text("onvif-dahua-getdeviceinformation.xml").encode())
    ref = real.find(f".//{TDS}GetDeviceInformationResponse")
    assert ref is not None
    assert [c.tag for c in ref] == ours
    assert info.findtext(f"{TDS}FirmwareVersion") == "2.800.0000000.16.R, Build Date 2020-07-08"


async def test_garbage_dtd_and_unknown_operations_are_faults() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    async with running(persona("dahua-ipc")) as dev:
        addr = dev.context.address
        garbage = await post(addr, 28081, b"<not xml")
        dtd = await post(addr, 28081, bomb)
        unknown = await post(addr, 28081, envelope("SystemReboot"))
        get = split_http(
            await tcp_exchange(addr, 28081, b"GET /onvif/device_service HTTP/1.1\r\n\r\n")
        )
    assert garbage[0].startswith("HTTP/1.1 400")
    assert b"ter:InvalidArgVal" in garbage[2]
    assert dtd[0].startswith("HTTP/1.1 400")
    assert unknown[0].startswith("HTTP/1.1 500")
    assert b"ter:ActionNotSupported" in unknown[2]
    assert get[0].startswith("HTTP/1.1 405")
