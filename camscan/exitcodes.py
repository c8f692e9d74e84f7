"""Exit codes: one place, documented in README. They only escalate within a run."""

from enum import IntEnum


class ExitCode(IntEnum):
    """What `camscan` returns to the shell (and to cron)."""

    OK = 0  # nothing restricted (or nothing that --fail-on counts)
    FINDINGS = 1  # restricted hardware found (per --fail-on; also unidentified devices with
    # --fail-on unidentified)
    USAGE = 2  # usage, configuration or input error
    INCOMPLETE = 3  # the scan could not do all it was asked
    NOTIFY_FAILED = 4  # the report was made but the email could not be sent
    INTERRUPTED = 130  # Ctrl-C / SIGTERM; a partial result was written
