"""Recorder channel APIs (ISAPI InputProxy, Dahua RemoteDevice, ONVIF Media) behind a login.

The recorders learn their channels from real camera personas (ONVIF GetDeviceInformation and
GetNetworkInterfaces with a WS-UsernameToken), all on loopback with unprivileged ports; the
client is plain httpx (digest auth) and hand-built SOAP, no camscan client code.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest

from camscan.lab.device import RunningDevice, start_device
from camscan.lab.loopback import rehome
from camscan.lab.persona import ChannelPlan, Persona, RecorderPlan, load_persona
from camscan.lab.responders.digestauth import expected_response, parse_authorization
from tests.helpers import REPO
from tests.lab_responders.wire import fresh_address

ASYNC = pytest.mark.asyncio(loop_scope="session")

PERSONAS = REPO / "examples" / "lab" / "personas"
LOGIN = ("audit", "Lab-NVR-pass-1")
HIK = "{http://www.hikvision.com/ver20/XMLSchema}"


def lab_persona(name: str) -> Persona:
    """A shipped persona with unprivileged ports (80 → 8080), as the loopback lab serves it."""
    return rehome(load_persona(PERSONAS / f"{name}.yaml"))


@contextlib.asynccontextmanager
async def recorder_with_cameras(
    recorder: str, cameras: list[tuple[str, str, int]], *, extra: tuple[ChannelPlan, ...] = ()
) -> AsyncIterator[tuple[RunningDevice, dict[str, RunningDevice]]]:
    """Cameras (persona, protocol, port) on fresh addresses and a recorder whose plan names
    them as channels 1..N (plus ``extra`` channels); the recorder has learned them."""
    started: list[RunningDevice] = []
    try:
        cams: dict[str, RunningDevice] = {}
        channels = []
        for n, (name, protocol, port) in enumerate(cameras, start=1):
            p = lab_persona(name)
            dev = await start_device(p, fresh_address())
            started.append(dev)
            cams[name] = dev
            assert p.onvif is not None
            channels.append(
                ChannelPlan(
                    channel=n, address=dev.context.address, name=f"cam {n}", protocol=protocol,
                    port=port, username=p.onvif.username, password=p.onvif.password,
                    onvif_port=p.onvif.port,
                )
            )  # fmt: skip
        plan = RecorderPlan(username=LOGIN[0], password=LOGIN[1], channels=(*channels, *extra))
        nvr = await start_device(lab_persona(recorder), fresh_address(), recorder=plan)
        started.append(nvr)
        assert nvr.book is not None
        await nvr.book.learn(5.0)
        yield nvr, cams
    finally:
        for dev in reversed(started):
            await dev.aclose()


def base(dev: RunningDevice) -> str:
    return f"http://{dev.context.address}:8080"


@ASYNC
async def test_isapi_channels_need_digest_and_list_the_cameras_the_nvr_reached() -> None:
    cameras = [("hikvision-ipc-ds2cd2143g2", "HIKVISION", 8000), ("amcrest-ip8m-2496", "ONVIF", 80)]
    # Channel 3 names an address where nothing answers: configured, but offline.
    offline = ChannelPlan(channel=3, address="127.0.0.1", protocol="ONVIF", port=80,
                          password="x", onvif_port=9)  # fmt: skip
    async with recorder_with_cameras("hikvision-nvr-ds7608ni", cameras, extra=(offline,)) as (
        nvr,
        cams,
    ):
        async with httpx.AsyncClient(timeout=5) as anon:
            refused = await anon.get(base(nvr) + "/ISAPI/ContentMgmt/InputProxy/channels")
        wrong = httpx.DigestAuth(LOGIN[0], "not-the-password")
        async with httpx.AsyncClient(timeout=5, auth=wrong) as bad:
            still_refused = await bad.get(base(nvr) + "/ISAPI/ContentMgmt/InputProxy/channels")
        async with httpx.AsyncClient(timeout=5, auth=httpx.DigestAuth(*LOGIN)) as client:
            listed = await client.get(base(nvr) + "/ISAPI/ContentMgmt/InputProxy/channels")
            status = await client.get(base(nvr) + "/ISAPI/ContentMgmt/InputProxy/channels/status")
            other = await client.get(base(nvr) + "/ISAPI/ContentMgmt/Nothing")
    assert refused.status_code == 401
    challenge = refused.headers["www-authenticate"]
    assert challenge.startswith('Digest qop="auth", realm="hikvision", nonce="')
    assert still_refused.status_code == 401
    assert other.status_code == 404  # not the API's path: the persona's own 404
    assert listed.status_code == 200
    root = ET.fromstring(listed.content)
    assert root.tag == f"{HIK}InputProxyChannelList"
    channels = root.findall(f"{HIK}InputProxyChannel")
    assert [c.findtext(f"{HIK}id") for c in channels] == ["1", "2", "3"]
    first = channels[0].find(f"{HIK}sourceInputPortDescriptor")
    assert first is not None
    assert first.findtext(f"{HIK}proxyProtocol") == "HIKVISION"
    assert first.findtext(f"{HIK}addressingFormatType") == "ipaddress"
    assert first.findtext(f"{HIK}ipAddress") == cams["hikvision-ipc-ds2cd2143g2"].context.address
    assert first.findtext(f"{HIK}managePortNo") == "8000"
    assert first.findtext(f"{HIK}srcInputPort") == "1"
    assert first.findtext(f"{HIK}userName") == "admin"
    assert first.find(f"{HIK}model") is None  # identity is in the status form only
    assert b"admin12345" not in listed.content + status.content  # camera passwords never
    rows = ET.fromstring(status.content).findall(f"{HIK}InputProxyChannelStatus")
    facts = {
        r.findtext(f"{HIK}id"): (
            r.findtext(f"{HIK}online"),
            r.findtext(f"{HIK}sourceInputPortDescriptor/{HIK}model"),
            r.findtext(f"{HIK}sourceInputPortDescriptor/{HIK}serialNumber"),
            r.findtext(f"{HIK}sourceInputPortDescriptor/{HIK}firmwareVersion"),
            r.findtext(f"{HIK}chanDetectResult"),
        )
        for r in rows
    }
    assert facts == {
        "1": ("true", "DS-2CD2143G2-I", "DS-2CD2143G2-I20220301AAWRJ87654321",
              "V5.7.3 build 220112", "connect"),
        "2": ("true", "IP8M-2496EB", "AMC0123456789ABCDE",
              "V2.800.00AC006.0.R, Build Date 2021-08-05", "connect"),
        "3": ("false", None, None, None, None),
    }  # fmt: skip


@ASYNC
async def test_dahua_remote_devices_need_digest_and_carry_vendor_model_serial_mac() -> None:
    cameras = [("dahua-ipc-hdw1025c", "Private", 37777), ("axis-p3245", "Onvif", 80)]
    async with recorder_with_cameras("dahua-nvr-4108hs", cameras) as (nvr, cams):
        url = base(nvr) + "/cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice"
        async with httpx.AsyncClient(timeout=5) as anon:
            refused = await anon.get(url)
        async with httpx.AsyncClient(timeout=5, auth=httpx.DigestAuth(*LOGIN)) as client:
            answer = await client.get(url)
            other = await client.get(url.replace("RemoteDevice", "Network"))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith(
        'Digest realm="Login to 6G0B98765PAZ321", qop="auth", nonce="'
    )
    assert other.status_code == 400
    assert other.text == "Error\r\nBad Request!\r\n"
    assert answer.status_code == 200
    lines = answer.text.splitlines()
    entry = "table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_"
    dahua, axis = cams["dahua-ipc-hdw1025c"], cams["axis-p3245"]
    assert f"{entry}0.Address={dahua.context.address}" in lines
    assert f"{entry}0.ProtocolType=Private" in lines
    assert f"{entry}0.Port=37777" in lines
    assert f"{entry}0.Vendor=Dahua" in lines
    assert f"{entry}0.Mac={dahua.context.mac}" in lines
    assert f"{entry}1.Vendor=AXIS" in lines
    assert f"{entry}1.DeviceType=P3245-LVE" in lines
    assert f"{entry}1.Mac={axis.context.mac}" in lines
    assert f"{entry}1.ProtocolType=Onvif" in lines
    # The NVR has 8 IP channel slots (as its DHIP reply says): slots 3-8 unused, disabled.
    assert f"{entry}7.Enable=false" in lines
    assert f"{entry}7.Address=0.0.0.0" in lines
    assert not any(line.split("=", 1)[0].endswith(".Password") for line in lines)


def _token(username: str, password: str) -> str:
    nonce = os.urandom(16)
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    pw = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest())
    wss = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss"
    return (
        f'<s:Header><wsse:Security xmlns:wsse="{wss}-wssecurity-secext-1.0.xsd" '
        f'xmlns:wsu="{wss}-wssecurity-utility-1.0.xsd"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{wss}-username-token-profile-1.0#PasswordDigest">'
        f"{pw.decode()}</wsse:Password><wsse:Nonce>{base64.b64encode(nonce).decode()}"
        f"</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken>"
        "</wsse:Security></s:Header>"
    )


def _media(operation: str, header: str = "") -> bytes:
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
        f'{header}<s:Body><{operation} xmlns="http://www.onvif.org/ver10/media/wsdl"/>'
        "</s:Body></s:Envelope>"
    ).encode()


@ASYNC
async def test_onvif_media_lists_one_source_and_profile_per_channel_with_a_token_only() -> None:
    cameras = [("hikvision-ipc-ds2cd2185fwd", "ONVIF", 80), ("axis-m1065", "ONVIF", 80)]
    async with recorder_with_cameras("hikvision-nvr-ds7608ni", cameras) as (nvr, _):
        url = base(nvr) + "/onvif/media_service"
        headers = {"Content-Type": "application/soap+xml"}
        async with httpx.AsyncClient(timeout=5) as c:
            anon = await c.post(url, content=_media("GetVideoSources"), headers=headers)
            sources = await c.post(
                url, content=_media("GetVideoSources", _token(*LOGIN)), headers=headers
            )
            profiles = await c.post(
                url, content=_media("GetProfiles", _token(*LOGIN)), headers=headers
            )
            wrong = await c.post(
                url, content=_media("GetProfiles", _token(LOGIN[0], "nope")), headers=headers
            )
    assert anon.status_code == 400
    assert b"ter:NotAuthorized" in anon.content
    assert wrong.status_code == 400
    assert b"ter:NotAuthorized" in wrong.content
    trt = "{http://www.onvif.org/ver10/media/wsdl}"
    found = ET.fromstring(sources.content).findall(f".//{trt}VideoSources")
    assert [s.get("token") for s in found] == ["VideoSource_1", "VideoSource_2"]
    assert len(ET.fromstring(profiles.content).findall(f".//{trt}Profiles")) == 2


@ASYNC
async def test_a_camera_lists_its_one_video_source_with_a_token() -> None:
    """A camera answers Media where it announces it: one source, and only with its login."""
    cam = lab_persona("axis-m1065")
    assert cam.onvif is not None
    dev = await start_device(cam, fresh_address())
    headers = {"Content-Type": "application/soap+xml"}
    token = _token(cam.onvif.username, cam.onvif.password)
    try:
        async with httpx.AsyncClient(timeout=5) as c:
            anon = await c.post(
                base(dev) + "/onvif/media_service", content=_media("GetVideoSources"),
                headers=headers,
            )  # fmt: skip
            r = await c.post(
                base(dev) + "/onvif/media_service", content=_media("GetVideoSources", token),
                headers=headers,
            )  # fmt: skip
    finally:
        await dev.aclose()
    assert b"ter:NotAuthorized" in anon.content
    trt = "{http://www.onvif.org/ver10/media/wsdl}"
    assert len(ET.fromstring(r.content).findall(f".//{trt}VideoSources")) == 1


def test_digest_response_is_rfc_7616_md5_with_qop_auth() -> None:
    """RFC 2617 §3.5's worked example (Mufasa / Circle Of Life)."""
    params = parse_authorization(
        'Digest username="Mufasa", realm="testrealm@host.com", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, '
        'nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1"'
    )
    assert params is not None
    assert expected_response(params, "GET", "Circle Of Life") == params["response"]
    assert parse_authorization("Basic YWRtaW46YWRtaW4=") is None


def test_every_shipped_recorder_persona_names_a_known_api() -> None:
    recorders = [p.stem for p in sorted(Path(PERSONAS).glob("*.yaml")) if load_persona(p).recorder]
    assert recorders == ["dahua-nvr-4108hs", "hikvision-nvr-ds7608ni"]


@ASYNC
async def test_isapi_search_needs_digest_and_lists_what_the_neighbour_table_knows(
    tmp_path: Path,
) -> None:
    """The camera search answers only with a login; its MACs are the recorder's neighbour
    table's (on loopback there is none: an empty list), and camscan's parser reads the
    document the lab writes for a real neighbour table back into address → MAC."""
    from camscan.lab.responders.recorder import isapi_search, neighbour_macs
    from camscan.probe.recorder.hikvision import parse_search

    cameras = [("hikvision-ipc-ds2cd2143g2", "HIKVISION", 8000), ("amcrest-ip8m-2496", "ONVIF", 80)]
    async with recorder_with_cameras("hikvision-nvr-ds7608ni", cameras) as (nvr, cams):
        url = base(nvr) + "/ISAPI/ContentMgmt/InputProxy/search"
        async with httpx.AsyncClient(timeout=5) as anon:
            refused = await anon.get(url)
        async with httpx.AsyncClient(timeout=5, auth=httpx.DigestAuth(*LOGIN)) as client:
            listed = await client.get(url)
        assert nvr.book is not None
        hik, amcrest = (cams[name].context.address for name, _, _ in cameras)
        arp = tmp_path / "arp"
        arp.write_text(
            "IP address       HW type     Flags       HW address            Mask     Device\n"
            f"{hik:<16} 0x1         0x2         44:19:B6:0A:00:10     *        eth1\n"
            f"{amcrest:<16} 0x1         0x0         00:00:00:00:00:00     *        eth1\n"
            "198.51.100.9     0x1         0x2         9c:8e:cd:00:00:09     *        eth0\n"
        )
        macs = neighbour_macs(arp)
        document = isapi_search(nvr.book, macs)
    assert refused.status_code == 401
    assert listed.status_code == 200
    assert ET.fromstring(listed.content).tag == f"{HIK}VideoSourceList"
    assert parse_search(listed.content) == {}  # loopback: no neighbour entries
    assert b"admin12345" not in listed.content + document
    # incomplete entries (flags 0x0) are not neighbours; hosts not on a channel not listed
    assert parse_search(document) == {hik: "44:19:b6:0a:00:10"}
    assert neighbour_macs(tmp_path / "missing") == {}


@ASYNC
async def test_the_recorder_keeps_touching_its_cameras_as_its_streams_would() -> None:
    """After learning its cameras the recorder keeps each link busy (a real NVR streams
    without pause), so its neighbour entries — what its camera search reports — stay fresh;
    a camera that does not answer costs nothing but the try; cancelling stops it."""
    from camscan.lab.responders.channels import ChannelBook

    address = fresh_address()
    seen: list[str] = []

    def count(reader: object, writer: asyncio.StreamWriter) -> None:
        seen.append(writer.get_extra_info("peername")[0])
        writer.close()

    server = await asyncio.start_server(count, address, 18091)
    plan = RecorderPlan(
        username=LOGIN[0], password=LOGIN[1],
        channels=(
            ChannelPlan(channel=1, address=address, protocol="ONVIF", port=80, onvif_port=18091),
            ChannelPlan(channel=2, address=fresh_address(), protocol="ONVIF", port=80,
                        onvif_port=18091),  # nothing listens there: refused, no error
        ),
    )  # fmt: skip
    streaming = asyncio.create_task(ChannelBook(plan).keep_streaming(every=0.05))
    try:
        async with asyncio.timeout(5):
            while len(seen) < 3:
                await asyncio.sleep(0.02)
        assert not streaming.done()  # a refused camera did not end it
    finally:
        streaming.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await streaming
        server.close()
        await server.wait_closed()
    assert streaming.cancelled()
    assert len(seen) >= 3
