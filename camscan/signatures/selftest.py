"""Run every rule's examples and negatives (recog's example-as-test idea, for YAML rules).

An example must match its own rule and yield the fields written on it; a negative must not
match its rule. An example that a rule of *another vendor* also claims is a conflict, unless
that other rule is generic or only a label of a brand the example's family declares.
"""

from __future__ import annotations

from dataclasses import dataclass

from camscan.models import Observation
from camscan.signatures.matcher import SignatureSet, normalise
from camscan.signatures.schema import RuleKind


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


def run_examples(sigset: SignatureSet) -> tuple[int, list[Failure]]:
    """Check every example and negative; return (checks run, failures)."""
    failures: list[Failure] = []
    checks = 0
    for compiled in sigset.rules:
        rule, fam = compiled.rule, compiled.family
        for example in rule.example_list():
            checks += 1
            hit = compiled.match(normalise(example.value))
            if hit is None:
                failures.append(Failure(rule.id, fam.family, example.value, "example not matched"))
                continue
            for attr in ("model", "firmware", "serial"):
                expected = getattr(example, attr)
                if expected is not None and getattr(hit, attr) != expected:
                    failures.append(
                        Failure(
                            rule.id,
                            fam.family,
                            example.value,
                            f"{attr} extracted {getattr(hit, attr)!r}, expected {expected!r}",
                        )
                    )
            if example.device_type is not None and rule.device_type != example.device_type:
                failures.append(
                    Failure(
                        rule.id,
                        fam.family,
                        example.value,
                        f"device_type {rule.device_type!r}, expected {example.device_type!r}",
                    )
                )
            if example.brand is not None and rule.brand != example.brand:
                failures.append(
                    Failure(
                        rule.id,
                        fam.family,
                        example.value,
                        f"brand {rule.brand!r}, expected {example.brand!r}",
                    )
                )
            failures += _cross_vendor(sigset, rule.signal, example.value, fam.vendor, rule.id)
        for negative in rule.negatives:
            checks += 1
            if compiled.match(normalise(negative)) is not None:
                failures.append(Failure(rule.id, fam.family, negative, "negative matched"))
    return checks, failures


def _cross_vendor(
    sigset: SignatureSet, signal: str, value: str, vendor: str | None, rule_id: str
) -> list[Failure]:
    """An example of one vendor's firmware rule must not be claimed by another vendor's rule."""
    if vendor is None:
        return []
    failures = []
    observation = Observation(signal=_concrete_signal(signal), value=value)
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
