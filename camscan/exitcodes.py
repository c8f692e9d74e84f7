"""Exit codes: one place, documented in README (section "Exit codes").

Rule: a finding is never hidden. Without findings the most severe problem wins (numeric
order: 0 < 2 < 3 < 4 < 130). With findings (per ``--fail-on``) the code is 1 when nothing
else went wrong, 6 when the e-mail also failed, and 5 for any other problem (scan incomplete
or interrupted, history or report file not written). So cron reads: 1, 5, 6 = act on
findings; 2, 3, 4, 5, 6, 130 = the run itself needs attention.
"""

from collections.abc import Iterable
from enum import IntEnum


class ExitCode(IntEnum):
    """What `camscan` returns to the shell (and to cron)."""

    OK = 0  # nothing restricted (or nothing that --fail-on counts), and the run went well
    FINDINGS = 1  # restricted hardware found (per --fail-on; also unidentified devices with
    # --fail-on unidentified); the run went well
    USAGE = 2  # usage, configuration or input error
    INCOMPLETE = 3  # the scan could not do all it was asked
    NOTIFY_FAILED = 4  # the report was made but the email could not be sent
    FINDINGS_INCOMPLETE = 5  # findings, and the scan was incomplete/interrupted or not recorded
    FINDINGS_NOTIFY_FAILED = 6  # findings, and the email could not be sent
    INTERRUPTED = 130  # Ctrl-C; a partial result was written


FINDING_CODES = frozenset({ExitCode.FINDINGS, ExitCode.FINDINGS_INCOMPLETE,
                           ExitCode.FINDINGS_NOTIFY_FAILED})  # fmt: skip


def exit_code(findings: bool, problems: Iterable[ExitCode] = ()) -> ExitCode:
    """The process exit code for a run with or without findings and with these problems
    (each one of USAGE, INCOMPLETE, NOTIFY_FAILED, INTERRUPTED)."""
    found = set(problems) - {ExitCode.OK}
    if not findings:
        return max(found, default=ExitCode.OK)
    if ExitCode.NOTIFY_FAILED in found:
        return ExitCode.FINDINGS_NOTIFY_FAILED
    return ExitCode.FINDINGS_INCOMPLETE if found else ExitCode.FINDINGS
