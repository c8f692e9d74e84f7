"""Device type from the protocols a device speaks (camscan.devicetype_protocols), each
inference on a realistic case: RTSP heads as nmap-service-probes and recog record them
(parsed by the RTSP probe's own parser), WS-Discovery ProbeMatches laid out like the captures
in research/protocols.md §1 (parsed by the shipped WSD parser), ONVIF answers, port sets and
UPnP NOTIFY messages. Values are written here from those facts, not copied."""

from __future__ import annotations

import pytest

from camscan.devicetype import CAMERA_OR_RECORDER
from camscan.identify import identify
from camscan.models import Identification, Observation
from camscan.probe.common import redact_challenge
from camscan.probe.rtsp import parse_response
from camscan.signatures import load_signatures
from camscan.signatures.payloads import PayloadFormat, parse_payload

SIGSET = load_signatures()


def _ident(observations: list[Observation], mac: str | None = None) -> Identification:
    return identify(observations, mac, SIGSET)


def _rtsp(head: str, port: int = 554) -> list[Observation]:
    """Observations of one RTSP response head, as the RTSP probe records them."""
    resp = parse_response(head.encode())
    out = [Observation(signal="rtsp.server", value=v, port=port) for v in resp.header("server")]
    out += [
        Observation(signal="rtsp.www_authenticate", value=redact_challenge(v), port=port)
        for v in resp.header("www-authenticate")
    ]
    out += [Observation(signal="rtsp.public", value=v, port=port) for v in resp.header("public")]
    return out


def _wsd(types: str, scopes: str) -> list[Observation]:
    types_element = f"<d:Types>{types}</d:Types>" if types else ""
    return parse_payload(
        PayloadFormat.WSD,
        '<?xml version="1.0" encoding="UTF-8"?><s:Envelope '
        'xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
        'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body><d:ProbeMatches>'
        "<d:ProbeMatch><a:EndpointReference><a:Address>"
        "urn:uuid:2419d68a-2dd2-21b2-a205-000000000001</a:Address></a:EndpointReference>"
        f"{types_element}<d:Scopes>{scopes}</d:Scopes>"
        "<d:XAddrs>http://192.0.2.10/onvif/device_service</d:XAddrs>"
        "<d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body>"
        "</s:Envelope>",
        3702,
    )


def _o(signal: str, value: str, port: int | None = None) -> Observation:
    return Observation(signal=signal, value=value, port=port)


# --- RTSP -----------------------------------------------------------------------------------

CAMERA_RTSP = {
    # recog xml/rtsp_servers.xml: a small camera maker with no signature family
    "server-line": "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Indigo-Security/1.0\r\n\r\n",
    # nmap-service-probes 12373: a challenge with a realm that names nobody
    "challenge": 'RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="device"\r\n\r\n',
    # nmap-service-probes 12354 layout (Samsung SNB-2000), realm of an unknown label
    "digest-challenge": "RTSP/1.0 401 Unauthorized\r\nCSeq: 0\r\nWWW-Authenticate: Digest "
    'realm="IPC", nonce="00000000000000000000000012AB34CD"\r\n\r\n',
}


@pytest.mark.parametrize("head", CAMERA_RTSP.values(), ids=CAMERA_RTSP.keys())
def test_an_rtsp_server_of_no_known_software_is_a_camera_or_recorder(head: str) -> None:
    ident = _ident(_rtsp(head))
    assert ident.vendor is None
    assert ident.device_type == CAMERA_OR_RECORDER


AIRPLAY_RTSP = {
    # nmap-service-probes 12326: a Sonos speaker's AirPlay receiver
    "sonos-challenge": "RTSP/1.0 401 Unauthorized\r\nContent-Length: 0\r\nServer: "
    'AirTunes/366.0\r\nWWW-Authenticate: Digest realm="airplay", nonce="MTAxYmM2ZmY0"\r\n\r\n',
    # nmap-service-probes 12322: an Apple TV answering OPTIONS
    "apple-tv-options": "RTSP/1.0 200 OK\r\nPublic: ANNOUNCE, SETUP, RECORD, PAUSE, FLUSH, "
    "TEARDOWN, OPTIONS, GET_PARAMETER, SET_PARAMETER, POST, GET\r\n"
    "Server: AirTunes/220.68\r\n\r\n",
    # the challenge alone, without the Server line
    "realm-only": "RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Digest "
    'realm="airplay", nonce="MTAxYmM2ZmY0"\r\n\r\n',
}


@pytest.mark.parametrize("head", AIRPLAY_RTSP.values(), ids=AIRPLAY_RTSP.keys())
def test_an_airtunes_speaker_speaking_rtsp_is_not_a_camera(head: str) -> None:
    ident = _ident(_rtsp(head, 7000))
    assert ident.device_type == "unknown"


def test_streaming_server_software_is_a_server_not_a_camera() -> None:
    # recog xml/rtsp_servers.xml (Wowza) and nmap-service-probes 11559 (Windows Media Services)
    wowza = _ident(
        _rtsp(
            "RTSP/1.0 200 OK\r\nServer: Wowza Streaming Engine 4.7.7 "
            "build20181108145350\r\nPublic: DESCRIBE, SETUP, TEARDOWN, PLAY\r\n\r\n"
        )
    )
    assert wowza.device_type == "server"
    wms = _ident(
        _rtsp("RTSP/1.0 505 Protocol Version Not Supported\r\nServer: WMServer/9.1.1.5001\r\n\r\n")
    )
    assert wms.device_type == "server"


def test_a_rule_that_states_a_type_still_wins_over_rtsp() -> None:
    # Dahua's RTSP server line: the Dahua rule states camera; a recorder model refines it.
    dahua = _ident(_rtsp("RTSP/1.0 401 Unauthorized\r\nServer: Dahua Rtsp Server\r\n\r\n"))
    assert (dahua.vendor, dahua.device_type) == ("Dahua", "camera")


# --- ONVIF and WS-Discovery -------------------------------------------------------------------


def test_an_onvif_device_information_answer_is_a_camera_or_recorder() -> None:
    # A white-label device whose GetDeviceInformation names no known maker or model class.
    ident = _ident(
        [
            _o("onvif.manufacturer", "IPCAM", 80),
            _o("onvif.model", "631GA", 80),
            _o("onvif.firmware", "2.2.1.0", 80),
        ]
    )
    assert ident.vendor is None
    assert ident.device_type == CAMERA_OR_RECORDER


def test_an_onvif_access_control_device_is_not_a_camera() -> None:
    # Profile C door controller: access-control and door-control services, no media service.
    ident = _ident(
        [
            _o("onvif.service", "http://www.onvif.org/ver10/device/wsdl", 80),
            _o("onvif.service", "http://www.onvif.org/ver10/accesscontrol/wsdl", 80),
            _o("onvif.service", "http://www.onvif.org/ver10/doorcontrol/wsdl", 80),
        ]
    )
    assert ident.device_type == "unknown"


def test_onvif_discovery_scopes_without_types_are_a_camera_or_recorder() -> None:
    # Layout of the generic OEM reply in research/protocols.md §1: capitalised Model/Name, no
    # Types element, no Profile or type scope.
    obs = _wsd(
        "",
        "onvif://www.onvif.org/Model/631GA onvif://www.onvif.org/Name/IPCAM "
        "onvif://www.onvif.org/location/country/china",
    )
    assert {o.signal for o in obs} >= {"wsd.scope", "wsd.endpoint"}
    assert _ident(obs).device_type == CAMERA_OR_RECORDER


def test_an_onvif_storage_scope_is_a_recorder() -> None:
    obs = _wsd(
        "dn:NetworkVideoTransmitter tds:Device",
        "onvif://www.onvif.org/type/Network_Video_Storage "
        "onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/NVR "
        "onvif://www.onvif.org/hardware/N8-16",
    )
    assert _ident(obs).device_type == "recorder"


def test_onvif_access_control_scopes_are_not_a_camera() -> None:
    obs = _wsd("tds:Device", "onvif://www.onvif.org/Profile/C onvif://www.onvif.org/name/DoorCtl")
    assert _ident(obs).device_type == "unknown"


def test_a_wsd_printer_is_not_taken_for_an_onvif_device() -> None:
    obs = _wsd("wprt:PrintDeviceType wscn:ScanDeviceType", "http://printer.example/scope")
    assert _ident(obs).device_type != CAMERA_OR_RECORDER


# --- ports and UPnP ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        (("80", "554", "37777"), CAMERA_OR_RECORDER),  # RTSP + Dahua's DHIP Port
        (("80", "554", "8000"), CAMERA_OR_RECORDER),  # RTSP + Hikvision's CommandPort
        (("80", "554"), "unknown"),  # RTSP alone: servers stream too
        (("80", "8000"), "unknown"),  # 8000 alone: a common alternate HTTP port
    ],
)
def test_an_rtsp_port_next_to_a_video_sdk_port_is_a_camera_or_recorder(
    ports: tuple[str, ...], expected: str
) -> None:
    ident = _ident([_o("tcp.open", p, int(p)) for p in ports])
    assert ident.device_type == expected


def test_a_standard_upnp_device_type_names_the_class() -> None:
    notify = (
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
        "LOCATION: http://192.0.2.1:1900/rootDesc.xml\r\n"
        "NT: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nNTS: ssdp:alive\r\n"
        "SERVER: Linux/3.14 UPnP/1.1 ExampleUPnP/2.0\r\nUSN: uuid:0000-1::"
        "urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n"
    )
    obs = parse_payload(PayloadFormat.SSDP, notify, 1900)
    assert any(o.signal == "ssdp.st" for o in obs)
    assert _ident(obs).device_type == "router"


# --- model names and rules that spanned several classes ----------------------------------------


@pytest.mark.parametrize(
    ("observations", "vendor", "expected"),
    [
        # Axis: a sysDescr names the model; M/P/Q 7xxx are encoders, S recorders, others cameras
        (
            [_o("snmp.sysdescr", "; AXIS M7104; Video Encoder; 5.51.5; Feb 20 2018 10:01; 1;")],
            "Axis",
            "encoder",
        ),
        (
            [
                _o(
                    "snmp.sysdescr",
                    "; AXIS M3106-LVE Mk II; Network Camera; 10.12.165; Apr 04 2023;",
                )
            ],
            "Axis",
            "camera",
        ),
        (
            [_o("mdns.service", "_axis-nvr._tcp.local. AXIS S3008 - B8A44F0A1B2C")],
            "Axis",
            "recorder",
        ),
        # Hanwha Vision: ONVIF GetDeviceInformation of a Wisenet recorder and camera
        (
            [_o("onvif.manufacturer", "Hanwha Vision"), _o("onvif.model", "XRN-810S")],
            "Hanwha Vision",
            "recorder",
        ),
        (
            [_o("onvif.manufacturer", "Hanwha Vision"), _o("onvif.model", "XNV-6080R")],
            "Hanwha Vision",
            "camera",
        ),
        # Ubiquiti UniFi: UAP- is an access point, USW- a switch (recog hw.device)
        ([_o("snmp.sysdescr", "UAP-AC-Mesh-Pro 4.3.20.11298")], "Ubiquiti", "access-point"),
        ([_o("snmp.sysdescr", "USW-24-PoE, 5.43.23.12533")], "Ubiquiti", "switch"),
    ],
    ids=[
        "axis-encoder",
        "axis-camera",
        "axis-recorder",
        "hanwha-nvr",
        "hanwha-camera",
        "unifi-ap",
        "unifi-switch",
    ],
)
def test_a_makers_model_letters_say_the_class(
    observations: list[Observation], vendor: str, expected: str
) -> None:
    ident = _ident(observations)
    assert ident.vendor == vendor
    assert ident.device_type == expected


def test_a_hikvision_indoor_station_is_an_intercom() -> None:
    # SADP reply layout of protocol-samples/hikvision-sadp-probe-and-probematch-DS-KH6210-L.xml
    sadp = parse_payload(
        PayloadFormat.SADP,
        '<?xml version="1.0" encoding="UTF-8"?><ProbeMatch><Types>inquiry</Types>'
        "<DeviceType>602</DeviceType><DeviceDescription>DS-KH6210-L</DeviceDescription>"
        "<DeviceSN>DS-KH6210-L0120170101WR000000000</DeviceSN><CommandPort>8000</CommandPort>"
        "<SoftwareVersion>V1.4.62build 180605</SoftwareVersion>"
        "<DigitalChannelNum>0</DigitalChannelNum></ProbeMatch>",
        37020,
    )
    ident = _ident(sadp)
    assert ident.vendor == "Hikvision"
    assert ident.device_type == "intercom"


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        # A page title that says only "recorder" or "camera" is the coarse class, not "camera".
        ([_o("http.title", "Network Video Recorder Login", 80)], CAMERA_OR_RECORDER),
        # Comware runs on HPE switches and routers: the sysDescr's own word decides.
        (
            [
                _o(
                    "snmp.sysdescr",
                    "HP Series Router A-MSR20-40 HP Comware Platform Software "
                    "Comware Software Version 5.20, Release 2209P15",
                )
            ],
            "router",
        ),
        # MikroTik SwOS is a switch OS, RouterOS a router OS: one rule, so router-or-switch.
        ([_o("http.title", "MikroTik SwOS", 80)], "router-or-switch"),
        ([_o("http.title", "NETGEAR Router WNR2000v4", 80)], "router-or-switch"),
        # The UniFi Video controller is recorder software, not a camera.
        (
            [
                _o(
                    "tls.subject",
                    "CN=UniFi-Video Controller,OU=R&D,O=Ubiquiti Networks,L=New York,ST=NY,C=US",
                    443,
                )
            ],
            CAMERA_OR_RECORDER,
        ),
    ],
    ids=["nvr-title", "comware-router", "swos", "netgear-router", "unifi-video-controller"],
)
def test_rules_spanning_classes_state_only_what_is_true(
    observations: list[Observation], expected: str
) -> None:
    assert _ident(observations).device_type == expected


def test_sysservices_layer_two_refines_router_or_switch_firmware_to_switch() -> None:
    ios = "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 12.2(55)SE"
    alone = _ident([_o("snmp.sysdescr", ios, 161)])
    assert alone.device_type == "router-or-switch"
    bridge = _ident([_o("snmp.sysdescr", ios, 161), _o("snmp.oid", "1.3.6.1.2.1.1.7.0 = 2", 161)])
    assert bridge.device_type == "switch"


def test_a_generic_wsd_device_is_not_taken_for_an_onvif_device() -> None:
    # Windows Devices Profile type without ONVIF scopes (a media device, a NAS): no class.
    obs = _wsd("wsdp:Device", "http://schemas.example.com/scope/default")
    assert _ident(obs).device_type == "unknown"


def test_an_onvif_clock_answer_is_an_onvif_device() -> None:
    # GetSystemDateAndTime is answered before login (research/protocols.md §2).
    assert _ident([_o("onvif.clock_offset", "-3", 80)]).device_type == CAMERA_OR_RECORDER


def test_a_recorder_channel_api_answer_is_a_recorder() -> None:
    # A Hikvision OEM box whose SADP reply shows one digital channel (camera-or-recorder from
    # firmware alone) whose ISAPI channel list answered: it is a recorder.
    sadp = parse_payload(
        PayloadFormat.SADP,
        '<?xml version="1.0" encoding="UTF-8"?><ProbeMatch><Types>inquiry</Types>'
        "<DeviceType>44322</DeviceType><DeviceDescription>OEM-0801</DeviceDescription>"
        "<CommandPort>8000</CommandPort><AnalogChannelNum>0</AnalogChannelNum>"
        "<DigitalChannelNum>1</DigitalChannelNum>"
        "<SoftwareVersion>V4.30.085build 200916</SoftwareVersion></ProbeMatch>",
        37020,
    )
    assert _ident(sadp).device_type == CAMERA_OR_RECORDER
    channels = _o("recorder.ip_channels", "0", 80)
    assert _ident([*sadp, channels]).device_type == "recorder"


def _services(*names: str) -> list[Observation]:
    return [_o("onvif.service", f"http://www.onvif.org/{n}/wsdl", 80) for n in names]


def test_onvif_services_state_only_what_they_prove() -> None:
    # Profile G recording on a camera with an SD card: a recording service is no recorder.
    camera = _services("ver10/device", "ver10/media", "ver20/imaging", "ver10/recording")
    assert _ident(camera).device_type == CAMERA_OR_RECORDER
    # An NVR serves its channels through media too; its Receiver service (it pulls streams)
    # or its model name says recorder.
    nvr = _services("ver10/device", "ver10/media", "ver10/recording", "ver10/receiver")
    assert _ident(nvr).device_type == "recorder"
    named = [*_services("ver10/device", "ver10/media"), _o("onvif.model", "NVR-1604", 80)]
    assert _ident(named).device_type == "recorder"


def test_a_hostile_sysservices_value_says_nothing() -> None:
    # sysServices is 0..127; a 5,000-digit value (beyond int()'s default digit limit) or text
    # must neither raise nor type the device.
    for value in ("9" * 5000, "-2", "0x02", "128"):
        obs = [_o("snmp.oid", f"1.3.6.1.2.1.1.7.0 = {value}", 161)]
        assert _ident(obs).device_type == "unknown", value


@pytest.mark.parametrize(
    ("manufacturer", "model", "vendor", "expected"),
    [
        ("VIVOTEK", "ND9541P", "Vivotek", "recorder"),
        ("VIVOTEK", "FD9389-HV", "Vivotek", "camera"),
        ("BOSCH", "DIVAR IP all-in-one 5000", "Bosch", "recorder"),
        ("BOSCH", "VIP X1600 XFM4", "Bosch", "encoder"),
        ("BOSCH", "FLEXIDOME IP 5000i", "Bosch", "camera"),
        ("Milesight", "MS-N5008-UPC", "Milesight", "recorder"),
        ("Milesight", "MS-C5376-PA", "Milesight", "camera"),
        ("Reolink", "RLN16-410", "Reolink", "recorder"),
        ("Reolink", "RLC-810A", "Reolink", "camera"),
        ("LOREX", "LNR6100", "Dahua", "recorder"),  # a Dahua-made label's recorder
        ("LOREX", "LNB4321", "Dahua", "camera"),
        ("Amcrest", "NV4108E-HS", "Dahua", "recorder"),
    ],
)
def test_onvif_device_information_model_names_say_the_class(
    manufacturer: str, model: str, vendor: str, expected: str
) -> None:
    ident = _ident([_o("onvif.manufacturer", manufacturer, 80), _o("onvif.model", model, 80)])
    assert ident.vendor == vendor
    assert ident.device_type == expected
