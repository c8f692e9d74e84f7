"""Hostile values never crash or stall the matcher or identification (property tests)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camscan.identify import identify
from camscan.models import Observation
from camscan.signals import SIGNALS
from camscan.signatures import load_signatures

SIGSET = load_signatures()
SIGNAL_NAMES = sorted(s.replace("*", "DeviceDescription") for s in SIGNALS)

hostile_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=None), max_size=300
) | st.sampled_from(["\x1b]0;pwned\x07", "\x00" * 100, "<script>alert(1)</script>", "\ud7ff"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(signal=st.sampled_from(SIGNAL_NAMES), value=hostile_text, repeat=st.integers(1, 4000))
def test_identify_survives_any_value(signal: str, value: str, repeat: int) -> None:
    big = (value or "a") * repeat  # up to megabyte-long values
    ident = identify([Observation(signal=signal, value=big)], None, SIGSET)
    assert 0.0 <= ident.confidence <= 1.0
    for evidence in ident.evidence:
        assert len(evidence.value) <= 300


@settings(max_examples=200, deadline=None)
@given(mac=st.text(max_size=40))
def test_identify_survives_any_mac(mac: str) -> None:
    ident = identify([], mac, SIGSET)
    assert ident.confidence >= 0.0


def test_adversarial_backtracking_inputs_complete() -> None:
    # Classic ReDoS shapes against every rule of every signal, each a megabyte long.
    shapes = ["a" * 1_000_000 + "!", "-" * 1_000_000, " " * 1_000_000 + "x", "1." * 500_000]
    for signal in SIGNAL_NAMES:
        for shape in shapes:
            identify([Observation(signal=signal, value=shape)], None, SIGSET)
