"""Every example and negative of every shipped rule is a test (`camscan signatures test`)."""

from __future__ import annotations

import pytest

from camscan.policy import shipped_policies
from camscan.signatures import validate
from camscan.signatures.selftest import Failure, run_examples

SIGSET, PROBLEMS = validate()


def test_shipped_signatures_validate() -> None:
    assert not PROBLEMS, "\n".join(str(p) for p in PROBLEMS)


def test_shipped_policies_validate() -> None:
    policies = shipped_policies()
    assert policies, "no policies shipped"
    defaults = [p.id for p in policies if p.default]
    assert defaults == ["us-ndaa-889"]
    families = set(SIGSET.families) if SIGSET else set()
    for policy in policies:
        for entity in policy.entities:
            unknown = set(entity.families) - families
            assert not unknown, f"{policy.id}: {entity.entity} names unknown families {unknown}"


def _failures_by_rule() -> dict[str, list[Failure]]:
    assert SIGSET is not None
    _, failures = run_examples(SIGSET)
    out: dict[str, list[Failure]] = {}
    for failure in failures:
        out.setdefault(failure.rule, []).append(failure)
    return out


FAILURES = _failures_by_rule() if SIGSET else {}
RULE_IDS = [c.rule.id for c in SIGSET.rules] if SIGSET else []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_examples(rule_id: str) -> None:
    failures = FAILURES.get(rule_id, [])
    assert not failures, "\n".join(str(f) for f in failures)


def test_every_rule_has_examples_and_references() -> None:
    assert SIGSET is not None
    assert len(SIGSET.rules) > 0
    for compiled in SIGSET.rules:
        assert compiled.rule.examples, compiled.rule.id
        assert compiled.rule.references, compiled.rule.id
