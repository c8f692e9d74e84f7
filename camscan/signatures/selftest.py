"""Run every rule's examples and negatives (recog's example-as-test idea, for YAML rules).

Examples reach the rule the way a device's reply does: through camscan's own parser
(:mod:`camscan.signatures.payloads`), so a rule written against capture text that the parser
rewrites (a ``%20`` in a WS-Discovery scope) fails its own example.

An example must match its own rule and yield the fields written on it; a negative must not
match its rule. An example that a rule of *another vendor* also claims is a conflict, unless
that other rule is generic or only a label of a brand the example's family declares.
"""

from __future__ import annotations

from dataclasses import dataclass

from camscan.models import Observation
from camscan.signatures.matcher import CompiledRule, Hit, SignatureSet, normalise
from camscan.signatures.payloads import as_parsed, parse_payload, signal_applies
from camscan.signatures.schema import Example, Rule, RuleKind


@dataclass(frozen=True)
class Failure:
    """One example or negative that did not behave."""

    rule: str
    family: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.family}:{self.rule}: {self.message}: {self.value[:120]!r}"


def _concrete_signal(signal: str) -> str:
    return signal[:-1] + "Example" if signal.endswith(".*") else signal


def _inputs(rule: Rule, example: Example) -> list[Observation]:
    """What the parsers hand the rules for one example: a value decoded as its parser decodes
    it, or every observation of a payload that the rule's signal covers."""
    if example.payload is None:
        assert example.value is not None
        value = as_parsed(rule.signal, example.value)
        return [Observation(signal=_concrete_signal(rule.signal), value=value)]
    payload = example.payload
    parsed = parse_payload(payload.format, payload.data, payload.port)
    return [o for o in parsed if signal_applies(rule.signal, o.signal)]


def _check_example(compiled: CompiledRule, example: Example) -> tuple[Hit | None, str]:
    """The first hit of ``compiled`` on the example's parsed inputs, or why there is none."""
    inputs = _inputs(compiled.rule, example)
    if not inputs:
        assert example.payload is not None
        return None, f"{example.payload.format} payload yields no {compiled.rule.signal} value"
    for obs in inputs:
        hit = compiled.match(normalise(obs.value))
        if hit is not None:
            return hit, ""
    if example.payload is None and inputs[0].value == example.value:
        return None, "example not matched"
    shown = "; ".join(repr(o.value[:80]) for o in inputs[:4])
    return None, f"example not matched (the parser gives {shown})"


def run_examples(sigset: SignatureSet) -> tuple[int, list[Failure]]:
    """Check every example and negative; return (checks run, failures)."""
    failures: list[Failure] = []
    checks = 0
    for compiled in sigset.rules:
        rule, fam = compiled.rule, compiled.family
        for example in rule.example_list():
            checks += 1
            shown = example.payload.data if example.payload else (example.value or "")
            hit, why = _check_example(compiled, example)
            if hit is None:
                failures.append(Failure(rule.id, fam.family, shown, why))
                continue
            expected: dict[str, tuple[str | None, str | None]] = {
                "model": (example.model, hit.model),
                "firmware": (example.firmware, hit.firmware),
                "serial": (example.serial, hit.serial),
                "device_type": (example.device_type, rule.device_type),
                "brand": (example.brand, rule.brand),
            }
            for attr, (want, got) in expected.items():
                if want is not None and got != want:
                    message = f"{attr} gave {got!r}, expected {want!r}"
                    failures.append(Failure(rule.id, fam.family, shown, message))
            for obs in _inputs(rule, example):
                failures += _cross_vendor(sigset, obs, fam.vendor, rule.id)
        for negative in rule.negatives:
            checks += 1
            if compiled.match(normalise(as_parsed(rule.signal, negative))) is not None:
                failures.append(Failure(rule.id, fam.family, negative, "negative matched"))
    return checks, failures


def _cross_vendor(
    sigset: SignatureSet, observation: Observation, vendor: str | None, rule_id: str
) -> list[Failure]:
    """An example of one vendor's firmware rule must not be claimed by another vendor's rule."""
    if vendor is None:
        return []
    failures = []
    value = observation.value
    for hit in sigset.match(observation):
        other = hit.rule
        if other.family.vendor in (None, vendor) or other.rule.kind is RuleKind.GENERIC:
            continue
        if other.rule.kind is RuleKind.LABEL:
            continue  # a label names a brand; rebadges are expected to meet other families
        failures.append(
            Failure(
                rule_id,
                other.family.family,
                value,
                f"example also claimed by {other.rule.id} ({other.family.vendor})",
            )
        )
    return failures
