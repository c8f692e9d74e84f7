"""The restricted families and policies, end to end on real messages.

SADP/WS-Discovery/ONVIF/SNMP messages (tests/fixtures/protocol, written from real captures)
go through the shipped parsers, and X.509 certificates of real layouts through the shipped
signatures, `identify` and the shipped policies. The point
is precision as much as recall: weak hints alone, labels alone and ordinary hosts must never
come out "restricted".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import netaddr
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from camscan.discover import sadp, wsd
from camscan.identify import identify
from camscan.models import Identification, Observation, PolicyResult
from camscan.policy import evaluate, resolve
from camscan.probe.onvifdevice import DEVICE_FIELDS, parse_device_information
from camscan.probe.soap import parse_xml
from camscan.probe.tls import describe_certificate
from camscan.sanitize import device_text
from camscan.signatures import load_signatures
from tests.helpers import HIKVISION_DVR_SUBJECT, obs, protocol_bytes, protocol_text, self_signed

SIGS = load_signatures()
TODAY = dt.date(2026, 11, 28)
NDAA = resolve(["us-ndaa-889"])
ALL_POLICIES = resolve(
    [
        "us-ndaa-889",
        "us-fcc-covered-list",
        "uk-2022-sensitive-sites",
        "au-2023-government",
        "us-tx-prohibited",
        "us-la-prohibited",
        "us-vt-2019",
        "ca-2025-hikvision",
        "uk-debarment",
    ]
)


def _identify(observations: list[Observation], mac: str | None = None) -> Identification:
    return identify(observations, mac, SIGS)


def _verdict(ident: Identification, policies: object = NDAA) -> PolicyResult:
    return evaluate(ident, policies, SIGS, today=TODAY)  # type: ignore[arg-type]


# --- device messages through the shipped parsers, as discovery and probes would -----------


def _sadp_observations(name: str) -> tuple[list[Observation], str | None]:
    """The observations and MAC camscan's SADP parser takes from a fixture's reply."""
    reply = sadp.parse_sadp(protocol_bytes(name).split(b"===== reply ===== -->")[-1].strip())
    assert reply is not None, name
    return list(sadp.observations(reply)), reply.mac


def _wsd_observations(name: str) -> list[Observation]:
    (message,) = wsd.parse_wsd(protocol_bytes(name))
    return list(wsd.observations(message))


def _onvif_device_info(name: str) -> list[Observation]:
    data = protocol_bytes(name)
    if b"<s:Envelope" not in data:  # a body fragment, as firmware logs quote it: bind tds first
        data = data.replace(
            b"<tds:GetDeviceInformationResponse>",
            b'<tds:GetDeviceInformationResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl">',
        )
    info = parse_device_information(parse_xml(data))
    return [obs(DEVICE_FIELDS[k], v) for k, v in info.items() if k in DEVICE_FIELDS]


# --- Hikvision -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model", "device_type"),
    [
        ("sadp-dvr-probematch-truncated.xml", "DS-7804HQH-K1", "recorder"),
        ("sadp-camera-probematch-truncated.xml", "DS-2CD5026EFWD-A", "camera"),
        ("sadp-intercom-inquiry-and-probematch.xml", "DS-KH6210-L", "intercom"),
    ],
)
def test_sadp_reply_is_hikvision_firmware_and_restricted(
    name: str, model: str, device_type: str
) -> None:
    observations, mac = _sadp_observations(name)
    ident = _identify(observations, mac)
    assert ident.vendor == "Hikvision"
    assert ident.model == model
    assert ident.firmware is not None
    assert ident.firmware.startswith("V")
    assert ident.device_type == device_type
    verdict = _verdict(ident)
    assert verdict.restricted
    assert {m.clause for m in verdict.matches} == {"889(f)(3)(B)"}


def test_ezviz_sadp_reply_is_a_hikvision_subsidiary_brand() -> None:
    observations, mac = _sadp_observations("sadp-ezviz-inquiry-and-probematch.xml")
    ident = _identify(observations, mac)
    assert (ident.vendor, ident.brand, ident.relation) == ("Hikvision", "EZVIZ", "subsidiary")
    assert ident.device_type == "camera"
    verdict = _verdict(ident)
    assert verdict.restricted
    assert "sold as EZVIZ (subsidiary)" in verdict.matches[0].via


def test_hikvision_snmp_record_gives_model_and_firmware() -> None:
    lines = protocol_text("hikvision-snmp.snmprec").splitlines()
    observations = [
        obs("snmp.oid", f"{oid} = {value}")
        for oid, _type, value in (line.split("|", 2) for line in lines if line.strip())
    ]
    ident = _identify(observations)
    assert (ident.vendor, ident.model, ident.firmware) == (
        "Hikvision",
        "DS-2CD2185FWD-I",
        "V5.5.3 build 171025",
    )


def _self_signed(name: x509.Name, issuer: x509.Name | None = None) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    return self_signed(name, issuer, key=key, start=start).public_bytes(Encoding.DER)


def _tls_observations(der: bytes) -> list[Observation]:
    subject, issuer, _ = describe_certificate(der)
    return [obs("tls.subject", device_text(subject)), obs("tls.issuer", device_text(issuer))]


def test_hikvision_recorder_default_certificate() -> None:
    ident = _identify(_tls_observations(_self_signed(HIKVISION_DVR_SUBJECT)))
    assert ident.vendor == "Hikvision"
    assert ident.confidence >= 0.8
    assert _verdict(ident).restricted


def test_dahua_device_ca_with_non_breaking_spaces() -> None:
    """The real Dahua NVR CA names use U+00A0 between words (Plum-Island#204)."""
    nbsp = "\u00a0"
    issuer = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Zhejiang"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Hangzhou"),
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME, f"Zhejiang{nbsp}Dahua{nbsp}Technology{nbsp}Co.,Ltd."
            ),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Dahua{nbsp}Device{nbsp}NVR{nbsp}CA"),
        ]
    )
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.COMMON_NAME, "198.51.100.70"),
        ]
    )
    ident = _identify(_tls_observations(_self_signed(subject, issuer)))
    assert ident.vendor == "Dahua"
    assert _verdict(ident).restricted


# --- Dahua ---------------------------------------------------------------------------------


def test_dahua_hello_scopes_name_the_firmware_family() -> None:
    ident = _identify(_wsd_observations("dahua-wsd-hello.xml"))
    assert (ident.vendor, ident.model, ident.device_type) == (
        "Dahua",
        "IPC-HFW2228M-I1-V2",
        "camera",
    )
    assert ident.confidence >= 0.6


@pytest.mark.parametrize(
    ("name", "firmware"),
    [
        ("onvif-dahua-getdeviceinformation.xml", "2.811.0000013.0.R"),
        ("onvif-dahua-getdeviceinformation-fragment.xml", "2.420.Dahua 00.14.R"),
    ],
)
def test_dahua_device_information(name: str, firmware: str) -> None:
    ident = _identify(_onvif_device_info(name))
    assert ident.vendor == "Dahua"
    assert ident.firmware == firmware
    assert _verdict(ident).restricted


def test_amcrest_on_dahua_firmware_is_a_covered_rebadge() -> None:
    ident = _identify(
        [
            obs("rtsp.server", "Dahua Rtsp Server"),
            obs("rtsp.www_authenticate", 'Digest realm="Login to Amcrest", nonce="…"'),
            obs("onvif.firmware", "2.800.0000000.25.R, Build Date 2021-05-31"),
        ],
        "9c:8e:cd:12:34:56",
    )
    assert (ident.vendor, ident.brand, ident.relation) == ("Dahua", "Amcrest", "oem")
    verdict = _verdict(ident)
    assert verdict.restricted
    assert "sold as Amcrest (oem)" in verdict.matches[0].via


def test_dahua_serial_realm_names_dahua() -> None:
    ident = _identify(
        [obs("http.www_authenticate", 'Digest realm="Login to 2J01018PAA00813", qop="auth"')]
    )
    assert ident.vendor == "Dahua"


# --- precision: weak hints, labels, ordinary hosts -----------------------------------------


def test_corroboration_only_hints_never_name_a_vendor() -> None:
    """Every hint that other servers share, together, still names nobody."""
    ident = _identify(
        [
            obs("http.server", "Webs"),
            obs("http.server", "WebServer/1.0.0"),
            obs("http.server", "SDC Server"),
            obs("http.header", "CONNECTION: close"),
            obs("http.header", "P3P: CP=CAO PSA OUR"),
            obs("http.title", "WEB"),
            obs("http.path", "/ISAPI/System/deviceInfo 401"),
            obs("http.path", "/RPC2_Login 200"),
            obs("rtsp.www_authenticate", 'Basic realm="device"'),
            obs("tcp.open", "8000"),
            obs("tcp.open", "37777"),
        ]
    )
    assert ident.vendor is None
    verdict = _verdict(ident, ALL_POLICIES)
    assert not verdict.restricted
    assert not verdict.suspected


@pytest.mark.parametrize(
    "observations",
    [
        [obs("onvif.manufacturer", "LTS")],
        [obs("http.title", "Hikvision")],
        [obs("wsd.scope", "onvif://www.onvif.org/name/ANNKE")],
    ],
)
def test_a_label_alone_is_at_most_suspected(observations: list[Observation]) -> None:
    verdict = _verdict(_identify(observations), ALL_POLICIES)
    assert not verdict.restricted
    assert verdict.suspected


@pytest.mark.parametrize(
    "observations",
    [
        [obs("onvif.manufacturer", "Honeywell")],
        [obs("wsd.scope", "onvif://www.onvif.org/name/CPPLUS")],
        [obs("onvif.manufacturer", "IC Realtime")],
    ],
)
def test_weak_oem_labels_alone_flag_nothing(observations: list[Observation]) -> None:
    """Honeywell & co. also sell other makers' cameras: their label needs Dahua firmware."""
    ident = _identify(observations)
    assert ident.vendor is None
    assert not _verdict(ident, ALL_POLICIES).matches


def test_weak_oem_label_names_the_rebadge_on_dahua_firmware() -> None:
    ident = _identify(
        [obs("onvif.manufacturer", "Honeywell"), obs("rtsp.server", "Dahua Rtsp Server")]
    )
    assert (ident.vendor, ident.brand, ident.relation) == ("Dahua", "Honeywell", "oem")
    assert _verdict(ident).restricted


def test_lorex_mac_alone_is_only_suspected() -> None:
    ident = _identify([], "00:1f:54:01:02:03")
    assert (ident.vendor, ident.brand, ident.relation) == ("Dahua", "Lorex", "former-subsidiary")
    verdict = _verdict(ident)
    assert verdict.suspected
    assert not verdict.restricted


def test_axis_camera_is_never_restricted() -> None:
    ident = _identify(
        [
            obs("http.title", "AXIS"),
            obs("tls.subject", "CN=axis-accc8ea31abf,O=Axis Communications AB"),
            obs("rtsp.www_authenticate", 'Digest realm="AXIS_ACCC8EA31ABF", nonce="…"'),
            obs("http.header", "X-Frame-Options: SAMEORIGIN"),
        ],
        "ac:cc:8e:31:ab:f0",
    )
    assert ident.vendor == "Axis"
    for policy in resolve(["uk-2022-broad"]) + ALL_POLICIES:
        assert _verdict(ident, [policy]).matches == [], policy.id


def test_hisilicon_mac_does_not_make_a_camera_huawei() -> None:
    """HiSilicon SoCs sit in many makers' cameras; their OUI is not Huawei evidence here."""
    ident = _identify([obs("http.server", "uc-httpd 1.0.0")], "84:8a:59:00:11:22")
    assert ident.vendor != "Huawei"


def test_huawei_phone_mac_is_covered_telecommunications_equipment() -> None:
    ident = _identify([], "00:46:4b:00:11:22")  # a "HUAWEI TECHNOLOGIES CO.,LTD" block
    if ident.mac_vendor is None or "huawei" not in ident.mac_vendor.lower():
        pytest.skip("bundled IEEE registry lacks this Huawei block")
    verdict = _verdict(ident)
    assert verdict.restricted
    assert verdict.matches[0].clause == "889(f)(3)(A)"


# --- policies: scope, affiliates and dates -------------------------------------------------


def _hikvision_device(brand_observation: Observation | None = None) -> Identification:
    observations = [obs("http.server", "DNVRS-Webs"), obs("sadp.DeviceDescription", "DS-7608NI-K2")]
    if brand_observation is not None:
        observations.append(brand_observation)
    return _identify(observations)


def test_canada_2025_reads_hikvision_products_narrowly() -> None:
    canada = resolve(["ca-2025-hikvision"])
    assert _verdict(_hikvision_device(), canada).restricted
    ezviz = _hikvision_device(obs("onvif.manufacturer", "EZVIZ"))
    assert ezviz.brand == "EZVIZ"
    assert _verdict(ezviz, canada).matches == []
    assert _verdict(ezviz, NDAA).restricted


def test_entities_apply_only_from_their_effective_date() -> None:
    device = _hikvision_device()
    assert evaluate(device, NDAA, SIGS, today=dt.date(2019, 8, 12)).matches == []
    assert evaluate(device, NDAA, SIGS, today=dt.date(2019, 8, 13)).restricted


def test_uk_debarment_list_is_empty_and_matches_nothing() -> None:
    debarment = resolve(["uk-debarment"])
    assert debarment[0].entities == []
    assert _verdict(_hikvision_device(), debarment).matches == []


def test_every_instrument_cites_a_source_and_dates_each_entity() -> None:
    for policy in ALL_POLICIES + resolve(["uk-2022-broad"]):
        assert policy.source.startswith("https://"), policy.id
        assert policy.notes, policy.id
        for entity in policy.entities:
            assert entity.source.startswith("https://"), (policy.id, entity.entity)
            assert entity.effective is not None, (policy.id, entity.entity)
            assert entity.basis, (policy.id, entity.entity)
            assert entity.clause, (policy.id, entity.entity)


def test_registrant_names_exist_in_the_bundled_ieee_registry() -> None:
    """A misspelt registrant silently never matches; each must name at least one real block."""
    registry = Path(netaddr.__file__).parent / "eui" / "oui.txt"
    orgs = {
        line.split("(hex)", 1)[1].strip().casefold()
        for line in registry.read_text(encoding="utf-8", errors="replace").splitlines()
        if "(hex)" in line
    }
    for family in ("hikvision", "dahua", "huawei", "zte", "hytera"):
        fam = SIGS.families[family]
        names = list(fam.registrants) + [r for b in fam.brands for r in b.registrants]
        for name in names:
            assert any(name.casefold() in org for org in orgs), f"{family}: {name!r}"
