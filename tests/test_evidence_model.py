"""The evidence model (issue 8 §1): each rule of it on a realistic case.

Observation values follow the protocol facts in research/protocols.md and the layouts of the
captures in ../shared/protocol-samples (Hikvision SADP ProbeMatch fields, Dahua DHIP
deviceInfo, Axis certificate subjects), written here, not copied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from camscan.cli import main
from camscan.devicetype import CAMERA_OR_RECORDER
from camscan.exitcodes import ExitCode
from camscan.identify import device_confidence, identify
from camscan.models import EvidenceKind, Identification, Observation
from camscan.policy import CONFIRM_CONFIDENCE, evaluate, resolve
from camscan.signatures import load_signatures
from camscan.signatures.loader import load_families
from camscan.signatures.matcher import SignatureSet
from camscan.signatures.payloads import PayloadFormat, parse_payload

SIGSET = load_signatures()
NDAA = resolve([])
HIK_MAC = "44:19:b6:00:00:01"  # MA-L registered to Hangzhou Hikvision
DAHUA_MAC = "3c:ef:8c:00:00:01"  # MA-L registered to Zhejiang Dahua


def _o(signal: str, value: str, port: int | None = None) -> Observation:
    return Observation(signal=signal, value=value, port=port)


def _ident(observations: list[Observation], mac: str | None = None) -> Identification:
    return identify(observations, mac, SIGSET)


# --- a restricted family never disappears because it lost the vote -------------------------

AXIS_WITH_HIK_MAC = [
    _o("tls.subject", "CN=axis-accc8e000001,O=Axis Communications AB", 443),
    _o("http.title", "AXIS", 80),
]


def test_restricted_loser_with_device_level_evidence_is_suspected() -> None:
    ident = _ident(AXIS_WITH_HIK_MAC, HIK_MAC)
    assert ident.vendor == "Axis"
    assert [c.vendor for c in ident.conflicts] == ["Hikvision"]
    verdict = evaluate(ident, NDAA, SIGSET)
    assert not verdict.restricted
    assert verdict.suspected
    (match,) = verdict.matches
    assert match.certainty == "suspected"
    assert "Hikvision lost the vote to Axis" in match.via


def test_without_the_restricted_evidence_the_same_device_is_clear() -> None:
    verdict = evaluate(_ident(AXIS_WITH_HIK_MAC, "ac:cc:8e:00:00:01"), NDAA, SIGSET)
    assert not verdict.suspected
    assert verdict.matches == []


def test_issue_case_panasonic_manufacturer_dahua_mac_and_realm_is_caught() -> None:
    """ONVIF manufacturer "Panasonic" + Dahua OUI + Dahua "Login to <serial>" realm."""
    ident = _ident(
        [
            _o("onvif.manufacturer", "Panasonic", 80),
            _o("http.www_authenticate", 'Digest realm="Login to 5J0A1B2PAZ3C4D5"', 80),
        ],
        DAHUA_MAC,
    )
    verdict = evaluate(ident, NDAA, SIGSET)
    assert verdict.restricted or verdict.suspected
    assert any("Dahua" in m.via for m in verdict.matches)
    # The ONVIF manufacturer is a label: it never outweighs firmware and MAC evidence.
    assert ident.vendor == "Dahua"


def test_fail_on_suspected_catches_the_losing_family(tmp_path: Path) -> None:
    doc = {
        "schema_version": 1,
        "devices": [
            {
                "address": "192.0.2.40",
                "mac": HIK_MAC,
                "observations": [o.model_dump() for o in AXIS_WITH_HIK_MAC],
            }
        ],
    }
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    runner = CliRunner()
    caught = runner.invoke(main, ["identify", str(path), "--no-db", "--fail-on", "suspected"])
    assert caught.exit_code == ExitCode.FINDINGS, caught.output
    passed = runner.invoke(main, ["identify", str(path), "--no-db", "--fail-on", "restricted"])
    assert passed.exit_code == ExitCode.OK, passed.output


# --- confirmed rests only on device-level evidence -----------------------------------------

LABELS_ONLY = [
    _o("onvif.manufacturer", "HIKVISION", 80),
    _o("upnp.manufacturer", "HIKVISION"),
    _o("wsd.scope", "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2143G0-I"),
]


def test_names_a_device_can_be_given_are_labels_and_never_confirm() -> None:
    ident = _ident(LABELS_ONLY)
    assert ident.vendor == "Hikvision"
    assert ident.confidence >= CONFIRM_CONFIDENCE  # the labels agree...
    assert {e.kind for e in ident.evidence if e.vendor} == {EvidenceKind.LABEL}
    assert device_confidence(ident) == 0.0  # ...but none of them is device-level
    verdict = evaluate(ident, NDAA, SIGSET)
    assert verdict.suspected
    assert not verdict.restricted


def test_device_level_evidence_confirms() -> None:
    ident = _ident([*LABELS_ONLY, _o("http.server", "Hikvision-Webs", 80)], HIK_MAC)
    assert device_confidence(ident) >= CONFIRM_CONFIDENCE
    assert evaluate(ident, NDAA, SIGSET).restricted


@pytest.mark.parametrize(
    "mac",
    [
        DAHUA_MAC,
        "30:dd:aa:00:00:01",  # a Dahua MA-L newer than netaddr's copy (bundled snapshot)
    ],
)
def test_the_restricted_makers_own_mac_prefix_alone_confirms(mac: str) -> None:
    """The README promises a MAC prefix is device-level evidence: a block registered to Dahua
    itself confirms on its own, also when the device carries an OEM label."""
    for observations in ([], [_o("onvif.manufacturer", "Amcrest", 80)]):
        ident = _ident(observations, mac)
        assert ident.vendor == "Dahua"
        assert device_confidence(ident) >= CONFIRM_CONFIDENCE
        verdict = evaluate(ident, NDAA, SIGSET)
        assert verdict.restricted
        assert not verdict.suspected
    assert _ident([_o("onvif.manufacturer", "Amcrest", 80)], DAHUA_MAC).brand == "Amcrest"


def test_an_oem_labels_own_mac_prefix_alone_is_only_suspected() -> None:
    """A block registered to the OEM label (Amcrest Technologies) says whose name is on the box,
    not who made it: it is label evidence, so the Dahua match stays suspected."""
    ident = _ident([], "9c:8e:cd:00:00:01")
    assert (ident.vendor, ident.brand) == ("Dahua", "Amcrest")
    assert device_confidence(ident) == 0.0
    verdict = evaluate(ident, NDAA, SIGSET)
    assert verdict.suspected
    assert not verdict.restricted


@pytest.mark.parametrize(
    ("mac", "brand"),
    [
        ("0c:a6:4c:00:00:01", "EZVIZ"),  # MA-L "Hangzhou Ezviz Software" (a newer block)
        ("b0:b3:53:61:22:33", "Hikrobot"),  # MA-M "Hangzhou Hikrobot Technology"
    ],
)
def test_a_strong_subsidiarys_own_block_is_the_familys_own(mac: str, brand: str) -> None:
    """A block registered to a subsidiary the policy covers by name ("any subsidiary") is the
    family's own prefix: device-level, so it confirms; the brand is still shown."""
    ident = _ident([], mac)
    assert (ident.vendor, ident.brand, ident.relation) == ("Hikvision", brand, "subsidiary")
    assert device_confidence(ident) >= CONFIRM_CONFIDENCE
    assert evaluate(ident, NDAA, SIGSET).restricted


def test_a_weakly_tied_subsidiarys_block_stays_a_label() -> None:
    """Imou's link to Dahua is only moderately sourced: its block names Dahua as suspected."""
    ident = _ident([], "90:6a:94:00:00:01")  # MA-L "hangzhou huacheng network technology"
    assert (ident.vendor, ident.brand) == ("Dahua", "Imou")
    assert device_confidence(ident) == 0.0
    verdict = evaluate(ident, NDAA, SIGSET)
    assert verdict.suspected
    assert not verdict.restricted


def test_a_label_never_unlocks_a_corroborate_only_hint() -> None:
    webs = _o("http.server", "Webs", 80)  # bare GoAhead Webs: a hint, corroborate-only
    ident = _ident([_o("onvif.manufacturer", "HIKVISION", 80), webs])
    hint = next(e for e in ident.evidence if e.rule == "hikvision-http-server-bare-webs")
    assert not hint.counted
    with_sadp = _ident([webs, _o("sadp.SoftwareVersion", "V5.5.0build 180124")])
    hint = next(e for e in with_sadp.evidence if e.rule == "hikvision-http-server-bare-webs")
    assert hint.counted


MARKER_FAMILY = """\
family: acme
vendor: Acme
rules:
  - id: acme-onvif-manufacturer
    signal: onvif.manufacturer
    kind: firmware
    match: exact
    pattern: ACME
    weight: 0.8
    references: [test]
    examples: ["ACME"]
  - id: acme-onvif-fixed
    signal: onvif.manufacturer
    kind: firmware
    marker: true
    match: exact
    pattern: Acme Firmware Family Fixed String
    weight: 0.8
    references: [test]
    examples: ["Acme Firmware Family Fixed String"]
"""


def test_only_a_marked_fixed_marker_counts_as_firmware(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(MARKER_FAMILY, encoding="utf-8")
    loaded, problems = load_families([tmp_path])
    assert not problems
    sigset = SignatureSet.build(tmp_path, "t", "", (f for _, f in loaded))
    plain = identify([_o("onvif.manufacturer", "ACME")], None, sigset)
    assert [e.kind for e in plain.evidence] == [EvidenceKind.LABEL]
    fixed = identify([_o("onvif.manufacturer", "Acme Firmware Family Fixed String")], None, sigset)
    assert [e.kind for e in fixed.evidence] == [EvidenceKind.FIRMWARE]


def test_marker_is_refused_on_a_label_rule(tmp_path: Path) -> None:
    text = MARKER_FAMILY.replace("    kind: firmware\n    marker", "    kind: label\n    marker")
    text = text.replace("    marker: true\n", "    marker: true\n    brand: Acme\n")
    (tmp_path / "acme.yaml").write_text(text, encoding="utf-8")
    _, problems = load_families([tmp_path])
    assert any("`marker: true` is for firmware rules only" in str(p) for p in problems)


# --- correlated signals count once ---------------------------------------------------------

CERT = "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"


def test_one_certificate_counts_once() -> None:
    ident = _ident([_o("tls.subject", CERT, 443), _o("tls.issuer", CERT, 443)])
    certs = [e for e in ident.evidence if e.vendor == "Hikvision"]
    assert len(certs) == 2
    assert {e.group for e in certs} == {"tls certificate"}
    assert ident.confidence == max(e.weight for e in certs)


def test_one_web_server_counts_once_and_groups_combine_by_noisy_or() -> None:
    web = [_o("http.server", "Hikvision-Webs", 80), _o("http.title", "Hikvision", 80)]
    sadp = _o("sadp.SoftwareVersion", "V5.5.0build 180124")
    web_only = _ident(web)
    assert web_only.confidence == max(e.weight for e in web_only.evidence if e.vendor)
    both = _ident([*web, sadp])
    groups = {e.group: e.weight for e in both.evidence if e.vendor == "Hikvision"}
    assert set(groups) >= {"web server", "sadp reply"}
    best_web = max(e.weight for e in both.evidence if e.group == "web server" and e.vendor)
    best_sadp = max(e.weight for e in both.evidence if e.group == "sadp reply")
    assert both.confidence == round(1 - (1 - best_web) * (1 - best_sadp), 4)


def test_one_onvif_device_information_counts_once() -> None:
    ident = _ident(
        [_o("onvif.manufacturer", "HIKVISION", 80), _o("onvif.model", "DS-2CD2143G0-I", 80)]
    )
    info = [e for e in ident.evidence if e.vendor == "Hikvision"]
    assert len(info) == 2
    assert {e.group for e in info} == {"onvif device information"}
    assert ident.confidence == max(e.weight for e in info)


def test_groups_and_the_losing_family_are_shown_in_the_reports() -> None:
    from camscan.models import Device, ScanDocument
    from camscan.report import render

    ident = _ident([*AXIS_WITH_HIK_MAC, _o("tls.issuer", CERT, 443)], HIK_MAC)
    device = Device(
        address="192.0.2.9",
        mac=HIK_MAC,
        identification=ident,
        policy=evaluate(ident, NDAA, SIGSET),
    )
    doc = ScanDocument(devices=[device])
    assert "<td>tls certificate</td>" in render(doc, "html")
    text = render(doc, "text")
    assert "Hikvision lost the vote to Axis" in text


# --- device type ---------------------------------------------------------------------------

SADP_DVR = """<?xml version="1.0" encoding="UTF-8"?><ProbeMatch><Types>inquiry</Types>
<DeviceType>44322</DeviceType><DeviceDescription>TVI-0401</DeviceDescription>
<CommandPort>8000</CommandPort><AnalogChannelNum>4</AnalogChannelNum>
<DigitalChannelNum>2</DigitalChannelNum><SoftwareVersion>V3.5.38build 191215</SoftwareVersion>
</ProbeMatch>"""
SADP_OEM = SADP_DVR.replace("<AnalogChannelNum>4", "<AnalogChannelNum>0").replace(
    "<DigitalChannelNum>2", "<DigitalChannelNum>1"
)


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        (parse_payload(PayloadFormat.SADP, SADP_DVR), "recorder"),  # channel counts
        (parse_payload(PayloadFormat.SADP, SADP_OEM), CAMERA_OR_RECORDER),  # firmware only
        (
            parse_payload(
                PayloadFormat.DHIP,
                '{"method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":'
                '"OEM-8CH","RemoteVideoInputChannels":8,"Version":"4.001.0000000.3.R"}}}',
            ),
            "recorder",
        ),
        (
            [
                _o("rtsp.server", "Dahua Rtsp Server/3.0", 554),
                _o("wsd.scope", "onvif://www.onvif.org/hardware/DHI-NVR4108HS-4KS2"),
            ],
            "recorder",
        ),
        ([_o("onvif.model", "DS-2CD2143G0-I", 80)], "camera"),
    ],
    ids=[
        "sadp-channels",
        "sadp-oem-firmware-only",
        "dhip-remote-channels",
        "model-prefix",
        "camera-model",
    ],
)
def test_device_type(observations: list[Observation], expected: str) -> None:
    ident = _ident(observations)
    assert ident.vendor in ("Hikvision", "Dahua")
    assert ident.device_type == expected


def test_a_mac_prefix_alone_gives_camera_or_recorder_only_for_a_maker_of_nothing_else() -> None:
    vivotek = _ident([], "00:02:d1:00:00:01")  # MA-L registered to VIVOTEK: cameras, recorders
    assert vivotek.vendor == "Vivotek"
    assert vivotek.device_type == CAMERA_OR_RECORDER
    # Hikvision also makes intercoms and access-control terminals: its MAC alone is no type.
    assert _ident([], HIK_MAC).device_type == "unknown"
    assert _ident([], "00:00:0c:00:00:01").device_type == "unknown"  # Cisco: no video family


def test_a_device_naming_its_class_gets_that_type_when_no_rule_of_its_maker_does() -> None:
    switch = _ident([_o("snmp.sysdescr", "Acme Networks 24-port Gigabit Switch, v1.2", 161)])
    assert (switch.vendor, switch.device_type) == (None, "switch")
    kvm = _ident([_o("snmp.sysdescr", "Acme IP Console Switch G2", 161)])
    assert kvm.device_type == "unknown"


def test_routing_and_switching_firmware_is_router_or_switch_unless_the_device_says_which() -> None:
    ios = _ident(
        [
            _o(
                "snmp.sysdescr",
                "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 12.2",
            )
        ]
    )
    assert (ios.vendor, ios.device_type) == ("Cisco", "router-or-switch")
    vrp = _ident(
        [
            _o(
                "snmp.sysdescr",
                "S5700-28C-EI Huawei Versatile Routing Platform Software VRP (R) software, "
                "Version 5.70 (S5700 V100R005C01) Quidway S5700 Switch",
            )
        ]
    )
    assert (vrp.vendor, vrp.device_type) == ("Huawei", "switch")
    # An enterprise number names the maker, not the product class.
    assert _ident([_o("snmp.sysobjectid", "1.3.6.1.4.1.9.1.1208")]).device_type == "unknown"
