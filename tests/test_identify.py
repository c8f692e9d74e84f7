"""Identification: evidence fusion, conflicts, corroboration, rebadges, MAC facts."""

from __future__ import annotations

import pytest

from camscan.identify import identify
from camscan.models import EvidenceKind
from tests.helpers import fixture_signatures, obs

SIGS = fixture_signatures()
HIK_MAC = "44:19:b6:12:34:56"  # IEEE: Hangzhou Hikvision (borrowed by the test family)


def test_agreeing_signals_raise_confidence() -> None:
    one = identify([obs("http.server", "Acme-Webs", 80)], None, SIGS)
    two = identify(
        [obs("http.server", "Acme-Webs", 80), obs("rtsp.www_authenticate", 'Digest realm="acme"')],
        None,
        SIGS,
    )
    assert one.vendor == two.vendor == "Acme"
    assert one.confidence == pytest.approx(0.8)
    assert two.confidence == pytest.approx(1 - 0.2 * 0.3)


def test_same_signal_on_two_ports_is_not_independent() -> None:
    ident = identify(
        [obs("http.server", "Acme-Webs", 80), obs("http.server", "Acme-Webs/1.2", 8080)], None, SIGS
    )
    assert ident.confidence == pytest.approx(0.8)
    assert ident.firmware == "1.2"


def test_conflicting_vendors_are_kept() -> None:
    ident = identify(
        [obs("http.server", "Acme-Webs", 80), obs("http.server", "Globex httpd", 8080)], None, SIGS
    )
    assert ident.vendor == "Acme"
    assert [c.vendor for c in ident.conflicts] == ["Globex"]
    assert ident.conflicts[0].rules == ["globex-http-server"]


def test_weak_hint_needs_corroboration() -> None:
    alone = identify([obs("http.server", "Webs", 80)], None, SIGS)
    assert alone.vendor is None
    assert alone.confidence == 0
    assert not alone.evidence[0].counted
    backed = identify([obs("http.server", "Webs", 80), obs("sadp.DeviceType", "1")], None, SIGS)
    assert backed.vendor == "Acme"
    assert all(e.counted for e in backed.evidence)
    assert backed.confidence == pytest.approx(1 - 0.6 * 0.1)


def test_generic_evidence_names_no_vendor() -> None:
    ident = identify(
        [obs("http.server", "GoAhead-Webs"), obs("wsd.types", "dn:NetworkVideoTransmitter")],
        None,
        SIGS,
    )
    assert ident.vendor is None
    assert ident.software == ["GoAhead-Webs"]
    assert ident.device_type == "camera"


def test_rebadge_gives_vendor_and_brand() -> None:
    ident = identify(
        [obs("http.title", "Rebadge Web Client"), obs("http.server", "Acme-Webs")], None, SIGS
    )
    assert (ident.vendor, ident.brand, ident.relation) == ("Acme", "Rebadge", "oem")


def test_oem_label_alone_is_weak() -> None:
    ident = identify([obs("http.title", "Rebadge Web Client")], None, SIGS)
    assert ident.vendor == "Acme"
    assert ident.brand == "Rebadge"
    assert ident.confidence == pytest.approx(0.8 * 0.25)


def test_own_brand_label_counts_fully() -> None:
    ident = identify([obs("http.title", "AcmeHome login")], None, SIGS)
    assert ident.confidence == pytest.approx(0.7)
    assert ident.relation == "own-brand"


def test_mac_registrant_is_evidence() -> None:
    ident = identify([], HIK_MAC, SIGS)
    assert ident.vendor == "Acme"
    assert ident.mac_vendor is not None
    assert "Hikvision" in ident.mac_vendor
    assert ident.evidence[0].kind is EvidenceKind.OUI


def test_locally_administered_mac_is_flagged_not_attributed() -> None:
    ident = identify([], "46:19:b6:12:34:56", SIGS)
    assert ident.mac_locally_administered
    assert ident.vendor is None
    assert ident.mac_vendor is None


def test_model_from_extractor_and_structured_fields() -> None:
    ident = identify(
        [obs("onvif.model", "AC-2042F"), obs("onvif.firmware", "V5.5.0 build 170725")], None, SIGS
    )
    assert ident.model == "AC-2042F"
    assert ident.firmware == "V5.5.0 build 170725"


def test_unknown_manufacturer_label_is_reported_as_brand() -> None:
    ident = identify(
        [obs("http.server", "Acme-Webs"), obs("onvif.manufacturer", "Nameless Security Ltd")],
        None,
        SIGS,
    )
    assert ident.brand == "Nameless Security Ltd"
    assert ident.relation == "unknown"


def test_nothing_known() -> None:
    ident = identify([obs("http.server", "Apache")], None, SIGS)
    assert ident.vendor is None
    assert ident.device_type == "unknown"
    assert ident.evidence == []


def test_fields_of_one_discovery_reply_are_one_piece_of_evidence() -> None:
    one = identify([obs("sadp.DeviceType", "1")], None, SIGS)
    many = identify(
        [obs("sadp.DeviceType", "1"), obs("sadp.DeviceSN", "2"), obs("sadp.MAC", "3")], None, SIGS
    )
    assert one.confidence == many.confidence == pytest.approx(0.9)


def test_serial_from_an_extractor() -> None:
    from camscan.signatures import SignatureSet
    from camscan.signatures.schema import Family

    family = Family.model_validate(
        {
            "family": "initech",
            "vendor": "Initech",
            "rules": [
                {
                    "id": "initech-realm",
                    "signal": "http.www_authenticate",
                    "kind": "firmware",
                    "match": "regex",
                    "pattern": r'realm="Login to (?P<serial>[A-Z0-9]{12})"',
                    "weight": 0.7,
                    "references": ["test"],
                    "examples": ['realm="Login to ABC123DEF456"'],
                }
            ],
        }
    )
    sigs = SignatureSet.build(SIGS.directory, "t", "t", [family])
    ident = identify(
        [obs("http.www_authenticate", 'Digest realm="Login to 4K02A1BPAZ9C"')], None, sigs
    )
    assert ident.serial == "4K02A1BPAZ9C"


def test_group_mac_is_not_a_device() -> None:
    ident = identify([], "45:19:b6:12:34:56", SIGS)
    assert ident.vendor is None
    assert ident.mac_vendor is None
