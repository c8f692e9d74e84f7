"""UDP discovery responders on loopback (unicast): WS-Discovery, SADP, DHIP, SSDP.

Our messages are parsed with the same shape as the real samples in
../shared/protocol-samples (compared element by element where a sample exists).
"""

from __future__ import annotations

import json
import re
import struct
import uuid
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as SafeET
from defusedxml.common import EntitiesForbidden

from camscan.lab.persona import Persona, WsdConfig
from tests.lab_responders.wire import (
    persona,
    running,
    sample_text,
    split_http,
    tcp_exchange,
    udp_exchange,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

WSA = "{http://schemas.xmlsoap.org/ws/2004/08/addressing}"
WSD = "{http://schemas.xmlsoap.org/ws/2005/04/discovery}"


def wsd_probe(types: str | None, message_id: str, extra_ns: str = "") -> bytes:
    """A Probe shaped like python-ws-discovery's (protocols.md §1)."""
    types_el = f"<d:Types>{types}</d:Types>" if types is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
        'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
        f'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" {extra_ns}><s:Header>'
        "<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"
        f"<a:MessageID>{message_id}</a:MessageID>"
        "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>"
        f"<s:Body><d:Probe>{types_el}</d:Probe></s:Body></s:Envelope>"
    ).encode()


def local_paths(el: Element, prefix: str = "") -> set[str]:
    """Every element path by local name (prefixes and namespaces ignored)."""
    here = prefix + "/" + el.tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
    out = {here}
    for child in el:
        out |= local_paths(child, here)
    return out


def strip_prefixes(text: str) -> str:
    """Samples whose namespace declarations were stripped upstream: drop the prefixes."""
    return re.sub(r"<(/?)[A-Za-z-]+:", r"<\1", text)


@pytest.mark.parametrize(
    ("types", "answers"),
    [
        ("dn:NetworkVideoTransmitter", True),
        ("tds:Device", True),
        ("dn:NetworkVideoTransmitter tds:Device", True),
        (None, True),  # untyped probe
        ("", True),
        ("pub:Computer", False),  # a Windows WSD probe (protocols.md §1)
        ("dn:Printer", False),
    ],
)
async def test_wsd_probe_types(types: str | None, answers: bool) -> None:
    mid = f"urn:uuid:{uuid.uuid4()}"
    extra = 'xmlns:pub="http://schemas.microsoft.com/windows/pub/2005/07"'
    async with running(persona("hikvision-nvr")) as dev:
        replies = await udp_exchange(
            dev.context.address, 3702, wsd_probe(types, mid, extra), expect=int(answers)
        )
    assert len(replies) == (1 if answers else 0)
    if answers:
        assert replies[0][1] == (dev.context.address, 3702)  # from the device's own address


async def test_wsd_probematch_shape_matches_real_hikvision() -> None:
    mid = f"urn:uuid:{uuid.uuid4()}"
    p = persona("hikvision-nvr")
    async with running(p) as dev:
        ((reply, _),) = await udp_exchange(
            dev.context.address, 3702, wsd_probe("dn:NetworkVideoTransmitter", mid)
        )
        ((again, _),) = await udp_exchange(dev.context.address, 3702, wsd_probe(None, mid))
    root = SafeET.fromstring(reply)
    assert root.findtext(f".//{WSA}RelatesTo") == mid
    assert (
        root.findtext(f".//{WSA}Action")
        == "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches"
    )
    assert (
        root.findtext(f".//{WSA}To")
        == "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
    )
    ours_id = root.findtext(f".//{WSA}MessageID")
    assert ours_id
    assert ours_id != mid
    assert ours_id != SafeET.fromstring(again).findtext(f".//{WSA}MessageID")  # fresh each time
    seq = root.find(f".//{WSD}AppSequence")
    assert seq is not None
    assert seq.get("MessageNumber")
    assert seq.get("InstanceId")
    match = root.find(f".//{WSD}ProbeMatch")
    assert match is not None
    mac = dev.context.mac
    assert match.findtext(f"{WSA}EndpointReference/{WSA}Address", "").endswith(mac.replace(":", ""))
    assert match.findtext(f"{WSD}Types") == "dn:NetworkVideoTransmitter tds:Device"
    scopes = (match.findtext(f"{WSD}Scopes") or "").split()
    assert f"onvif://www.onvif.org/MAC/{mac}" in scopes
    assert (
        match.findtext(f"{WSD}XAddrs") == f"http://{dev.context.address}:18080/onvif/device_service"
    )
    assert b"<SOAP-ENV:Envelope" in reply
    assert b"<wsdd:ProbeMatch>" in reply
    real = SafeET.fromstring(strip_prefixes(sample_text("hikvision-wsd-probematch.xml")))
    real_body = {p for p in local_paths(real) if "/Body/" in p}
    assert real_body <= local_paths(root)


async def test_wsd_dahua_style_prefixes_match_real_hello() -> None:
    mid = f"uuid:{uuid.uuid4()}"
    async with running(persona("dahua-ipc")) as dev:
        ((reply, _),) = await udp_exchange(dev.context.address, 3702, wsd_probe("tds:Device", mid))
    assert reply.startswith(b'<?xml version="1.0" encoding="utf-8" standalone="yes" ?>')
    for token in (b"<s:Envelope", b"<a:RelatesTo>", b"<d:ProbeMatches>", b"<d:Scopes>"):
        assert token in reply
    root = SafeET.fromstring(reply)
    hello = SafeET.fromstring(sample_text("dahua-wsd-hello.xml").encode())
    fields = {c.tag for c in hello.find(f".//{WSD}Hello") or []}
    ours = {c.tag for c in root.find(f".//{WSD}ProbeMatch") or []}
    assert fields == ours


async def test_wsd_generic_without_types_and_xml_bomb() -> None:
    async with running(persona("axis-hostile")) as dev:
        ((reply, _),) = await udp_exchange(
            dev.context.address, 3702, wsd_probe("dn:NetworkVideoTransmitter", "urn:uuid:1")
        )
    assert b"<!DOCTYPE" in reply
    assert b"&lol9;" in reply
    assert b"<wsdd:Types>" not in reply  # like the generic OEM sample: no Types element
    with pytest.raises(EntitiesForbidden):
        SafeET.fromstring(reply)


async def test_wsd_ignores_garbage_and_non_probes() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        addr = dev.context.address
        assert await udp_exchange(addr, 3702, b"\x00\x01garbage", expect=0) == []
        hello = wsd_probe(None, "x").replace(b"d:Probe>", b"d:Hello>")
        assert await udp_exchange(addr, 3702, hello, expect=0) == []
        bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'
        assert await udp_exchange(addr, 3702, bomb, expect=0) == []
        # still alive
        assert len(await udp_exchange(addr, 3702, wsd_probe(None, "urn:uuid:2"))) == 1


def sadp_probe(types: str, probe_uuid: str = "7621A503-49E6-4FBA-B3F8-CBE1F18E55F4") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Probe><Uuid>{probe_uuid}</Uuid><Types>{types}</Types></Probe>"
    ).encode()


async def test_sadp_inquiry_matches_real_probematch_layout() -> None:
    async with running(persona("hikvision-nvr")) as dev:
        replies = await udp_exchange(dev.context.address, 37020, sadp_probe("inquiry"))
    assert len(replies) == 1
    reply, source = replies[0]
    assert source == (dev.context.address, 37020)
    assert reply.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n<ProbeMatch>\n<Uuid>')
    root = SafeET.fromstring(reply)
    assert root.findtext("Uuid") == "7621A503-49E6-4FBA-B3F8-CBE1F18E55F4"
    assert root.findtext("Types") == "inquiry"
    assert root.findtext("MAC") == dev.context.mac.replace(":", "-")
    assert root.findtext("IPv4Address") == dev.context.address
    capture = sample_text("sadp-intercom-inquiry-and-probematch.xml")
    real_reply = capture.split("<!-- ===== reply ===== -->\n", 1)[1]
    real = SafeET.fromstring(real_reply.encode())
    # The real intercom also sends DeviceLock; the rest is the same list in the same order.
    assert [c.tag for c in root] == [c.tag for c in real if c.tag != "DeviceLock"]


@pytest.mark.parametrize("types", ["update", "reset", "getcode", "Inquiry2", ""])
async def test_sadp_ignores_every_other_type(types: str) -> None:
    async with running(persona("hikvision-nvr")) as dev:
        assert await udp_exchange(dev.context.address, 37020, sadp_probe(types), expect=0) == []
        assert (
            await udp_exchange(dev.context.address, 37020, b"<Probe><Types>inquiry", expect=0) == []
        )


def dhip_request(body: dict[str, object]) -> bytes:
    """rroller/dahua discovery.py framing, built here independently of the responder."""
    payload = json.dumps(body).encode() + b"\n"
    return (
        struct.pack("<I", 0x20)
        + b"DHIP"
        + bytes(8)
        + struct.pack("<QQ", len(payload), len(payload))
        + payload
    )


async def test_dhip_reply_header_layout_and_json() -> None:
    search = dhip_request({"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}})
    async with running(persona("dahua-ipc")) as dev:
        replies = await udp_exchange(dev.context.address, 37810, search)
        bare = await udp_exchange(
            dev.context.address, 37810, search[32:], expect=0
        )  # unframed: no answer
        other = await udp_exchange(
            dev.context.address, 37810, dhip_request({"method": "x"}), expect=0
        )
    assert bare == []
    assert other == []
    ((reply, source),) = replies
    assert source == (dev.context.address, 37810)
    assert reply[:4] == b"\x20\x00\x00\x00"
    assert reply[4:8] == b"DHIP"
    assert reply[8:16] == bytes(8)
    len1, len2 = struct.unpack_from("<QQ", reply, 16)
    assert len1 == len2 == len(reply) - 32
    doc = json.loads(reply[32:])
    assert doc["method"] == "client.notifyDevInfo"
    assert doc["mac"] == "3c:ef:8c:12:34:56"
    info = doc["params"]["deviceInfo"]
    assert info["DeviceType"] == "IPC-HFW2431S-S-S2"
    assert info["IPv4Address"]["IPAddress"] == dev.context.address
    assert reply.startswith(b"\x20\x00\x00\x00DHIP" + bytes(8))
    assert b'{ "mac" : ' in reply
    dump = sample_text("dahua-dhip-reply.hex.txt").splitlines()
    raw = bytes.fromhex("".join(line.split(":", 1)[1][:40] for line in dump if line))
    assert raw[:16] == reply[:16]  # same magic, same zeroed session bytes
    # Compare key names, which also shows our spacing matches: '"Key" : '.
    real_keys = set(re.findall(rb'"(\w+)" : ', raw))
    our_keys = set(re.findall(rb'"(\w+)" : ', reply))
    assert real_keys - our_keys <= {
        b"IPv6Address",
        b"VideoOutputChannels",
        b"RemoteVideoInputChannels",
    }


async def test_dhip_wrong_shape_keeps_a_valid_header() -> None:
    search = dhip_request({"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}})
    async with running(persona("axis-hostile")) as dev:
        ((reply, _),) = await udp_exchange(dev.context.address, 37810, search)
    assert reply[4:8] == b"DHIP"
    doc = json.loads(reply[32:])
    assert not isinstance(doc["params"]["deviceInfo"], dict)
    assert not isinstance(doc["method"], str)


@pytest.mark.parametrize("with_sections", [True, False])
async def test_udp_garbage_on_every_discovery_port(with_sections: bool) -> None:
    p = persona("axis-hostile")
    p = p.model_copy(update={"misbehave": p.misbehave.model_copy(update={"udp_garbage": True})})
    if not with_sections:  # the flag alone opens the discovery ports
        p = Persona(id="garbage", locally_administered=True, misbehave=p.misbehave)
    async with running(p) as dev:
        for port, request in [
            (3702, wsd_probe(None, "urn:uuid:3")),
            (37020, sadp_probe("inquiry")),
            (37810, dhip_request({"method": "DHDiscover.search"})),
            (1900, b'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\n\r\n'),
        ]:
            ((reply, _),) = await udp_exchange(dev.context.address, port, request)
            assert reply.startswith(b"\x00\xff<?xml ")
            assert len(reply) > 48


def msearch(st: str) -> bytes:
    return (
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
        f'MAN: "ssdp:discover"\r\nMX: 1\r\nST: {st}\r\n\r\n'
    ).encode()


async def test_ssdp_search_targets_and_description() -> None:
    async with running(persona("axis-hostile")) as dev:
        addr = dev.context.address
        everything = await udp_exchange(addr, 1900, msearch("ssdp:all"), expect=3)
        root = await udp_exchange(addr, 1900, msearch("upnp:rootdevice"))
        other = await udp_exchange(
            addr, 1900, msearch("urn:schemas-upnp-org:device:Printer:1"), expect=0
        )
        notify = await udp_exchange(
            addr, 1900, b"NOTIFY * HTTP/1.1\r\nNTS: ssdp:alive\r\n\r\n", expect=0
        )
        assert len(everything) == 3
        assert len(root) == 1
        assert other == []
        assert notify == []
        status, headers, _ = split_http(root[0][0])
        fields = {n.upper(): v for n, v in headers}
        assert status == "HTTP/1.1 200 OK"
        assert (
            fields["SERVER"] == "Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22"
        )
        assert fields["ST"] == "upnp:rootdevice"
        assert fields["USN"].endswith("::upnp:rootdevice")
        location = fields["LOCATION"]
        assert location == f"http://{addr}:38081/rootDesc.xml"
        desc = await tcp_exchange(addr, 38081, b"GET /rootDesc.xml HTTP/1.1\r\n\r\n")
    xml = SafeET.fromstring(split_http(desc)[2])
    ns = "{urn:schemas-upnp-org:device-1-0}"
    mac_hex = dev.context.mac.replace(":", "").upper()
    assert xml.findtext(f"{ns}device/{ns}manufacturer") == "AXIS"
    assert xml.findtext(f"{ns}device/{ns}modelName") == "AXIS M3045-V"
    assert xml.findtext(f"{ns}device/{ns}serialNumber") == mac_hex
    assert xml.findtext(f"{ns}device/{ns}friendlyName") == f"AXIS M3045-V - {mac_hex}"


async def test_wsd_printer_types_match_only_printer_probes() -> None:
    p = Persona(
        id="printer",
        locally_administered=True,
        wsd=WsdConfig(
            endpoint="urn:uuid:e3248000-80ce-11db-8000-{mac_hex}",
            types="wsdp:Device wprt:PrintDeviceType",
            xaddrs=("http://{address}:3911/",),
        ),
    )
    wsdp = 'xmlns:wsdp="http://schemas.xmlsoap.org/ws/2006/02/devprof"'
    async with running(p) as dev:
        addr = dev.context.address
        onvif = await udp_exchange(
            addr, 3702, wsd_probe("dn:NetworkVideoTransmitter", "urn:uuid:5"), expect=0
        )
        device = await udp_exchange(addr, 3702, wsd_probe("wsdp:Device", "urn:uuid:6", wsdp))
    assert onvif == []
    assert len(device) == 1
    assert b'xmlns:wsdp="http://schemas.xmlsoap.org/ws/2006/02/devprof"' in device[0][0]
