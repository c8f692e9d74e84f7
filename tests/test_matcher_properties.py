"""Hostile values never crash or stall the matcher or identification, and identification only
names what its evidence says (property tests)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camscan.identify import identify
from camscan.models import EvidenceKind, Identification, Observation
from camscan.oui import normalise_mac
from camscan.sanitize import is_inert
from camscan.signals import SIGNALS
from camscan.signatures import load_signatures

SIGSET = load_signatures()
SIGNAL_NAMES = sorted(s.replace("*", "DeviceDescription") for s in SIGNALS)

hostile_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=None), max_size=300
) | st.sampled_from(["\x1b]0;pwned\x07", "\x00" * 100, "<script>alert(1)</script>", "\ud7ff"])


def _supported(ident: Identification, stated: str = "") -> None:
    """The vendor and a known brand come from counted evidence; an unknown brand is the
    manufacturer the device stated (``stated``); the evidence is inert."""
    counted = [e for e in ident.evidence if e.counted]
    if ident.vendor is not None:
        assert any(e.vendor == ident.vendor for e in counted), ident
    if ident.brand is not None and ident.relation == "unknown":
        assert ident.brand in " ".join(stated.split()), ident
    elif ident.brand is not None:
        assert any(e.brand == ident.brand for e in counted), ident
    if not counted:
        assert ident.vendor is None
        assert ident.confidence == 0.0
    for evidence in ident.evidence:
        assert len(evidence.value) <= 300
        assert is_inert(evidence.value)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(signal=st.sampled_from(SIGNAL_NAMES), value=hostile_text, repeat=st.integers(1, 4000))
def test_identify_survives_any_value(signal: str, value: str, repeat: int) -> None:
    big = (value or "a") * repeat  # up to megabyte-long values
    observation = Observation(signal=signal, value=big)  # the model makes the value inert
    ident = identify([observation], None, SIGSET)
    assert 0.0 <= ident.confidence <= 1.0
    _supported(ident, observation.value)
    assert all(e.signal == signal for e in ident.evidence if e.kind is not EvidenceKind.OUI)
    assert identify([observation], None, SIGSET) == ident  # stable


@settings(max_examples=200, deadline=None)
@given(mac=st.text(max_size=40))
def test_identify_survives_any_mac(mac: str) -> None:
    ident = identify([], mac, SIGSET)
    _supported(ident)
    if normalise_mac(mac) is None:  # not a unicast MAC: no prefix may be looked up
        assert ident.mac_vendor is None
        assert not [e for e in ident.evidence if e.kind is EvidenceKind.OUI]


def test_adversarial_backtracking_inputs_name_nothing() -> None:
    # Classic ReDoS shapes against every rule of every signal, each a megabyte long: they
    # finish (a catastrophic pattern would hang here) and, holding no maker's words, name none.
    shapes = ["a" * 1_000_000 + "!", "-" * 1_000_000, " " * 1_000_000 + "x", "1." * 500_000]
    for signal in SIGNAL_NAMES:
        for shape in shapes:
            ident = identify([Observation(signal=signal, value=shape)], None, SIGSET)
            assert ident.vendor is None, (signal, shape[:8], ident.evidence)
            assert ident.evidence == [] or ident.confidence < 0.5, (signal, ident.evidence)
            _supported(ident, shape)
