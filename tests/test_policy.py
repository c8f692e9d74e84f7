"""Policies: confirmed vs suspected matches, effective dates, the shipped default."""

from __future__ import annotations

from datetime import date

from camscan.identify import identify
from camscan.policy import evaluate
from tests.helpers import fixture_policies, fixture_signatures, obs

SIGS = fixture_signatures()
POLICIES = fixture_policies()


def _verdict(*observations, mac=None):  # type: ignore[no-untyped-def]
    ident = identify(list(observations), mac, SIGS)
    return evaluate(ident, POLICIES, SIGS, today=date(2026, 11, 28))


def test_device_level_evidence_confirms() -> None:
    result = _verdict(obs("http.server", "Acme-Webs"), obs("sadp.DeviceType", "1"))
    assert result.restricted
    match = result.matches[0]
    assert (match.policy, match.entity, match.clause) == ("test-policy", "Acme Holdings", "1(a)")
    assert match.source == "https://example.org/act#1a"
    assert match.certainty == "confirmed"


def test_rebadge_is_covered_through_the_firmware_family() -> None:
    result = _verdict(obs("http.server", "Acme-Webs"), obs("http.title", "Rebadge Web Client"))
    assert result.restricted
    assert "sold as Rebadge (oem)" in result.matches[0].via


def test_label_alone_is_only_suspected() -> None:
    result = _verdict(obs("http.title", "Rebadge Web Client"))
    assert not result.restricted
    assert result.suspected
    assert result.matches[0].certainty == "suspected"


def test_entity_not_yet_in_force_is_skipped() -> None:
    result = _verdict(obs("http.server", "Globex httpd"))
    assert result.matches == []
    assert not result.restricted


def test_unidentified_device_is_not_covered() -> None:
    result = _verdict(obs("http.server", "Apache"))
    assert not result.restricted
    assert not result.suspected
