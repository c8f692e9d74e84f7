"""Discovery parsers on device messages (tests/fixtures/protocol, written from real captures)."""

from __future__ import annotations

import json
import re
import struct

import pytest

from camscan.discover import dhip, mdns, sadp, ssdp, wsd
from camscan.discover.arp import is_at, parse_proc_arp, who_has
from camscan.oui import normalise_mac as norm_mac
from camscan.sanitize import device_text
from tests.helpers import protocol_bytes as raw


def hexdump(name: str) -> bytes:
    """Restore an ``xxd`` dump (like ``xxd -r``)."""
    out = bytearray()
    for line in raw(name).decode().splitlines():
        hexpart = line.split(":", 1)[1][:40]
        out += bytes.fromhex(hexpart.replace(" ", ""))
    return bytes(out)


def reply_part(name: str) -> bytes:
    return raw(name).split(b"<!-- ===== reply ===== -->", 1)[1].strip()


# --- WS-Discovery ---------------------------------------------------------------------


def test_wsd_hikvision_probematch_with_undeclared_prefixes() -> None:
    (msg,) = wsd.parse_wsd(raw("hikvision-wsd-probematch.xml"))
    assert msg.kind == "ProbeMatch"
    assert msg.endpoint == "urn:uuid:5a1e0b2c-77d4-11b3-8000-686dbc5c0a01"
    assert msg.types == "dn:NetworkVideoTransmitter tds:Device"
    assert "onvif://www.onvif.org/hardware/DFI6256TE" in msg.scopes
    assert msg.xaddrs == ("http://192.0.2.220/onvif/device_service",)
    assert msg.mac == "68:6d:bc:5c:0a:01"


def test_wsd_generic_oem_without_types() -> None:
    (msg,) = wsd.parse_wsd(raw("generic-ipcam-wsd-probematch.xml"))
    assert msg.types == ""
    assert msg.relates_to == "urn:uuid:1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
    assert "onvif://www.onvif.org/Name/IPCAM" in msg.scopes
    signals = {o.signal for o in wsd.observations(msg)}
    assert signals == {"wsd.endpoint", "wsd.scope", "wsd.xaddrs"}


def test_wsd_tplink_and_dahua_hello() -> None:
    (tp,) = wsd.parse_wsd(raw("tplink-wsd-probematch.xml"))
    assert tp.types == "tdn:NetworkVideoTransmitter"
    assert tp.xaddrs == ("http://192.0.2.217:2020/onvif/device_service",)
    (hello,) = wsd.parse_wsd(raw("dahua-wsd-hello.xml"))
    assert hello.kind == "Hello"
    assert "onvif://www.onvif.org/name/Dahua" in hello.scopes
    assert hello.endpoint == "uuid:4d2c1b0a-9f8e-4d7c-b6a5-948372615041"


def test_wsd_universalscanner_layout_and_agsh_mock() -> None:
    (us,) = wsd.parse_wsd(raw("universalscanner-wsd-probematch.xml"))
    assert us.xaddrs == ("http://198.51.100.20/", "http://[::1]/")
    assert us.scopes == ()
    (agsh,) = wsd.parse_wsd(raw("onvif-mock-probematch.xml"))
    assert "onvif://www.onvif.org/hardware/HD_PREDATOR" in agsh.scopes


def test_wsd_scopes_are_url_decoded() -> None:
    text = raw("tplink-wsd-probematch.xml").replace(b"name/TP-IPC", b"name/Hanwha%20Vision")
    (msg,) = wsd.parse_wsd(text)
    assert "onvif://www.onvif.org/name/Hanwha Vision" in msg.scopes


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff" * 100,
        b"<a><b>",
        b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
        b"<Envelope>" + b"<x>" * 50000,
    ],
)
def test_wsd_garbage_gives_nothing(data: bytes) -> None:
    assert wsd.parse_wsd(data) == []


def test_wsd_probe_is_well_formed_and_typed() -> None:
    probe = wsd.build_probe("dn:NetworkVideoTransmitter", "abc")
    assert b"urn:uuid:abc" in probe
    assert b"<d:Types>dn:NetworkVideoTransmitter</d:Types>" in probe
    assert b"urn:schemas-xmlsoap-org:ws:2005:04:discovery" in probe
    import defusedxml.ElementTree as SafeET

    assert SafeET.fromstring(probe) is not None


# --- SADP -----------------------------------------------------------------------------


def test_sadp_probe_matches_sadptool_capture() -> None:
    sent = raw("sadp-ezviz-inquiry-and-probematch.xml").split(b"\n", 1)[0]
    ours = sadp.build_probe("3c9a5e71-2b4d-4f60-8e1a-7d2c9b0f4a13")
    assert ours == sent.strip()


@pytest.mark.parametrize(
    ("name", "model", "mac"),
    [
        (
            "sadp-dvr-probematch-truncated.xml",
            "DS-7804HQH-K1",
            "68:6d:bc:00:0d:04",
        ),
        (
            "sadp-camera-probematch-truncated.xml",
            "DS-2CD5026EFWD-A",
            "64:db:8b:00:0c:03",
        ),
        (
            "sadp-virtual-probematch.xml",
            "Virtual",
            "02:00:5e:00:0e:05",
        ),
    ],
)
def test_sadp_replies(name: str, model: str, mac: str) -> None:
    reply = sadp.parse_sadp(raw(name))
    assert reply is not None
    assert reply.get("DeviceDescription") == model
    assert reply.mac == mac
    signals = {o.signal for o in sadp.observations(reply)}
    assert "sadp.DeviceDescription" in signals
    assert "sadp.SoftwareVersion" in signals
    assert "sadp.Salt" not in signals  # a password-hash salt is never reported
    assert "sadp.Uuid" not in signals


def test_sadp_replies_after_probe_in_capture() -> None:
    reply = sadp.parse_sadp(reply_part("sadp-intercom-inquiry-and-probematch.xml"))
    assert reply is not None
    assert reply.get("DeviceDescription") == "DS-KH6210-L"
    assert reply.mac == "aa:bb:cc:00:0b:02"
    ezviz = sadp.parse_sadp(reply_part("sadp-ezviz-inquiry-and-probematch.xml"))
    assert ezviz is not None
    assert ezviz.mac == "54:c4:15:00:0a:01"
    assert ezviz.address == "192.0.2.100"


def test_sadp_ignores_probes_and_entities() -> None:
    assert sadp.parse_sadp(sadp.build_probe()) is None
    bomb = b'<!DOCTYPE x [<!ENTITY a "b">]><ProbeMatch><MAC>&a;</MAC>'
    assert sadp.parse_sadp(bomb) is None


# --- DHIP -----------------------------------------------------------------------------


def test_dhip_header_layout() -> None:
    frame = dhip.build_search()
    assert frame[:8] == b"\x20\x00\x00\x00DHIP"
    assert frame[8:16] == b"\0" * 8
    length = struct.unpack("<Q", frame[16:24])[0]
    assert length == struct.unpack("<Q", frame[24:32])[0] == len(frame) - 32
    assert json.loads(frame[32:])["method"] == "DHDiscover.search"


def test_dhip_universalscanner_reply() -> None:
    data = hexdump("dahua-dhip-reply.hex.txt")
    assert data[4:8] == b"DHIP"
    reply = dhip.parse_dhip(data)
    assert reply is not None
    assert reply.mac == "02:00:5e:00:0f:06"
    assert reply.get("DeviceType") == "Virtual (JSON)"
    assert reply.get("Vendor") == "General"
    assert reply.get("IPv4Address.IPAddress") == "198.51.100.6"
    assert reply.get("Port") == "37777"
    values = {o.signal: o.value for o in dhip.observations(reply)}
    assert values["dhip.SerialNo"] == "LAB0000006"


@pytest.mark.parametrize(
    "data",
    [
        dhip.build_search(),
        b"DHIP" + b"\0" * 28 + b"[1,2,3]",
        b"\0" * 32 + b'{"params": "x"}',
        b"\0" * 300 + b"{}",
        b"\0" * 32 + b"{" * 5000,
    ],
)
def test_dhip_ignores_searches_and_wrong_shapes(data: bytes) -> None:
    assert dhip.parse_dhip(data) is None


def test_dhip_flattens_hostile_shapes_boundedly() -> None:
    info = {f"k{i}": {"x": [1] * 100, "y": "\x1b[31mred"} for i in range(500)}
    body = json.dumps({"mac": "AA-BB-CC-00-11-22", "params": {"deviceInfo": info}}).encode()
    reply = dhip.parse_dhip(b"\0" * 32 + body)
    assert reply is not None
    assert len(reply.fields) <= dhip.MAX_FIELDS
    assert all("\x1b" not in v for _, v in reply.fields)


# --- SSDP / UPnP ----------------------------------------------------------------------


def test_ssdp_notify_sample() -> None:
    message = ssdp.parse_ssdp(raw("ssdp-notify.txt"))
    assert message is not None
    assert message.headers["LOCATION"] == "http://198.51.100.7/rootDesc.xml"
    values = {o.signal: o.value for o in ssdp.observations(message)}
    assert values == {
        "ssdp.server": "Universal Scanner/0.0, Virtual/1.0",
        "ssdp.st": "uuid:lab-device-0007",
    }


def test_ssdp_msearch_and_location_rules() -> None:
    search = ssdp.build_msearch()
    parsed = ssdp.parse_ssdp(search)
    assert parsed is not None
    assert parsed.is_search
    assert parsed.headers["MAN"] == '"ssdp:discover"'
    assert ssdp.same_host_location("http://192.0.2.5:49152/d.xml", "192.0.2.5")
    assert not ssdp.same_host_location("http://192.0.2.6/d.xml", "192.0.2.5")
    assert not ssdp.same_host_location("file:///etc/passwd", "192.0.2.5")
    # A hostile LOCATION port must be refused here: it used to raise later, in the fetch.
    assert not ssdp.same_host_location("http://192.0.2.5:99999/d.xml", "192.0.2.5")
    assert not ssdp.same_host_location("http://192.0.2.5:abc/d.xml", "192.0.2.5")


def test_upnp_description() -> None:
    body = (
        b'<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device>'
        b"<friendlyName>Lobby</friendlyName><manufacturer>AXIS</manufacturer>"
        b"<modelName>AXIS M3106-LVE</modelName><modelNumber>M3106</modelNumber>"
        b"<serialNumber>ACCC8E000001</serialNumber></device></root>"
    )
    values = {o.signal: o.value for o in ssdp.parse_description(body)}
    assert values == {
        "upnp.manufacturer": "AXIS",
        "upnp.model": "AXIS M3106-LVE M3106",
        "upnp.friendly_name": "Lobby",
        "upnp.serial": "ACCC8E000001",
    }
    assert (
        ssdp.parse_description(b"<!DOCTYPE r [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><r>&e;</r>")
        == []
    )


# --- mDNS -----------------------------------------------------------------------------


def test_mdns_axis_sample_names() -> None:
    data = hexdump("axis-mdns-response.hex.txt")
    from zeroconf import DNSIncoming

    incoming = DNSIncoming(data)
    names = {r.name for r in incoming.answers()}
    assert "_axis-video._tcp.local." in names
    ptr = next(r for r in incoming.answers() if r.name == "_rtsp._tcp.local.")
    alias = ptr.alias  # type: ignore[attr-defined]
    # The anonymised capture compresses the instance onto the _axis-video type.
    found = mdns.observations("_axis-video._tcp.local.", alias, ["macaddress=001122334455"])
    assert found[0].value == "_axis-video._tcp.local. AXIS M5014 - 02005E000F07 H.264"
    assert found[1].value == "macaddress=001122334455"
    assert mdns.mac_from_txt(["macaddress=001122334455"]) == "00:11:22:33:44:55"
    assert mdns.txt_entries({b"a": b"\x1b[0m", b"flag": None}) == ["a=\\x1b[0m", "flag"]


# --- helpers --------------------------------------------------------------------------


def test_norm_mac_and_device_text() -> None:
    assert norm_mac("68-6D-BC-EE-F8-F0") == "68:6d:bc:ee:f8:f0"
    assert norm_mac("686dbceef8f0") == "68:6d:bc:ee:f8:f0"
    assert norm_mac("00:00:00:00:00:00") is None
    assert norm_mac("nonsense") is None
    assert device_text(b"ok\x00\xff") == "ok\\x00\\xff"
    assert len(device_text("x" * 10000)) == 512
    assert re.fullmatch(r"[ -~]*", device_text("a\u202eb\x1b"))


def test_proc_arp() -> None:
    text = (
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.0.2.10       0x1         0x2         68:6d:bc:00:00:01     *        veth0\n"
        "192.0.2.11       0x1         0x0         00:00:00:00:00:00     *        veth0\n"
        "198.51.100.3     0x1         0x2         00:40:8c:00:00:02     *        other\n"
    )
    assert parse_proc_arp(text, "veth0") == {"192.0.2.10": "68:6d:bc:00:00:01"}
    assert len(parse_proc_arp(text)) == 2


def test_upnp_model_number_repeating_the_name_is_said_once() -> None:
    """Synology DS920+ sends modelName and modelNumber both 'DS920+' (lab persona)."""
    body = (
        b'<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device>'
        b"<manufacturer>Synology</manufacturer><modelName>DS920+</modelName>"
        b"<modelNumber>DS920+</modelNumber></device></root>"
    )
    values = {o.signal: o.value for o in ssdp.parse_description(body)}
    assert values["upnp.model"] == "DS920+"


# --- ARP ------------------------------------------------------------------------------


def test_arp_reply_of_a_linux_kernel() -> None:
    frame = hexdump("arp-reply-linux.hex.txt")
    assert is_at(frame) == ("192.0.2.10", "44:19:b6:8c:f1:4e")
    assert is_at(frame + b"\0" * 18) == ("192.0.2.10", "44:19:b6:8c:f1:4e")  # padded to 60


def test_arp_requests_and_short_or_foreign_frames_are_no_answer() -> None:
    own = bytes.fromhex("0200000000fa")
    request = who_has(own, "192.0.2.250", "192.0.2.10")
    assert is_at(request) is None  # operation 1, not a reply
    reply = hexdump("arp-reply-linux.hex.txt")
    assert is_at(reply[:41]) is None
    assert is_at(reply[:16] + b"\x86\xdd" + reply[18:]) is None  # IPv4 (0x0800) only


def test_arp_request_layout() -> None:
    """RFC 826 for IPv4 over Ethernet, as the kernel's reply above answered it."""
    own = bytes.fromhex("0200000000fa")
    request = who_has(own, "192.0.2.250", "192.0.2.10")
    assert len(request) == 42
    assert request[:6] == b"\xff" * 6
    assert request[6:12] == own
    # ARP EtherType, hardware Ethernet, protocol IPv4, lengths 6 and 4, operation who-has
    assert request[12:22] == bytes.fromhex("08060001080006040001")
    assert request[22:28] == own
    assert request[28:32] == bytes([192, 0, 2, 250])
    assert request[38:42] == bytes([192, 0, 2, 10])
    reply = hexdump("arp-reply-linux.hex.txt")
    assert reply[32:38] == own  # the kernel answered this request
    assert reply[38:42] == request[28:32]
