"""The exit-code rule: a finding is never hidden by a problem; without one the worst wins."""

from __future__ import annotations

import pytest

from camscan.exitcodes import FINDING_CODES, ExitCode, exit_code

E = ExitCode


@pytest.mark.parametrize(
    ("findings", "problems", "expected"),
    [
        (False, [], E.OK),
        (True, [], E.FINDINGS),
        (False, [E.INCOMPLETE], E.INCOMPLETE),
        (False, [E.INCOMPLETE, E.NOTIFY_FAILED], E.NOTIFY_FAILED),
        (False, [E.USAGE, E.INTERRUPTED], E.INTERRUPTED),
        (True, [E.INCOMPLETE], E.FINDINGS_INCOMPLETE),
        (True, [E.INTERRUPTED], E.FINDINGS_INCOMPLETE),
        (True, [E.USAGE], E.FINDINGS_INCOMPLETE),
        (True, [E.NOTIFY_FAILED], E.FINDINGS_NOTIFY_FAILED),
        (True, [E.INCOMPLETE, E.NOTIFY_FAILED, E.INTERRUPTED], E.FINDINGS_NOTIFY_FAILED),
    ],
)
def test_rule(findings: bool, problems: list[ExitCode], expected: ExitCode) -> None:
    assert exit_code(findings, problems) is expected


@pytest.mark.parametrize("problems", [[], [E.USAGE], [E.INCOMPLETE], [E.NOTIFY_FAILED],
                                      [E.INTERRUPTED], [E.INCOMPLETE, E.INTERRUPTED]])  # fmt: skip
def test_cron_can_always_tell_findings_apart(problems: list[ExitCode]) -> None:
    assert exit_code(True, problems) in FINDING_CODES
    assert exit_code(False, problems) not in FINDING_CODES
