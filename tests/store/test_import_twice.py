"""`camscan history import` of a document the site has recorded already (NEWUSER2 #9).

Importing the same saved scan twice recorded it twice (two identical runs, the same time), so
re-running an import over a folder doubled the history and made "the last two runs" one
document compared with itself. Such a document is now skipped, saying so; ``--force`` records
it anyway. Every ``target`` test runs on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from camscan.store import History, StoreTarget
from tests.pgserver import PW_VAR
from tests.report.cli_env import cli_env, run_camscan, save
from tests.report.sample_docs import T0, axis_camera, building, lts_camera

__all__ = ["cli_env"]


def _env(target: StoreTarget) -> dict[str, str]:
    if target.password is None:
        return {}
    return {PW_VAR: target.password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR}


def test_a_document_recorded_already_is_skipped_unless_forced(
    target: StoreTarget, cli_env: Path
) -> None:
    first = save(building([axis_camera()]), cli_env / "r1.json")
    later = T0 + timedelta(days=1)
    next_night = building(
        [axis_camera()], started_at=later, finished_at=later + timedelta(minutes=3)
    )
    second = save(next_night, cli_env / "r2.json")
    other_scope = save(building([axis_camera()], scope=["192.0.2.0/25"]), cli_env / "r3.json")
    # The same times and scope with other devices (a test replaying edited documents): recorded.
    other_devices = save(building([axis_camera(), lts_camera()]), cli_env / "r4.json")
    args = ("history", "--db", str(target), "import", "--site", "depot")
    env = _env(target)
    once = run_camscan(*args, str(first), str(second), env=env)
    assert once.exit_code == 0, once.output
    again = run_camscan(*args, str(first), str(second), str(other_scope), str(other_devices),
                        env=env)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert again.stderr.splitlines() == [
        f"{first}: already recorded as run 1 of site depot (same start, finish, scope and "
        "devices); skipped (--force records it again)",
        f"{second}: already recorded as run 2 of site depot (same start, finish, scope and "
        "devices); skipped (--force records it again)",
        f"{other_scope}: run 3 of site depot",
        f"{other_devices}: run 4 of site depot",
    ]
    forced = run_camscan(*args, "--force", str(first), env=env)
    assert forced.exit_code == 0, forced.output
    assert forced.stderr.strip() == f"{first}: run 5 of site depot"
    with History(target, site="depot") as h:
        assert [r.id for r in h.runs()] == [5, 4, 3, 2, 1]
    with History(target, site="elsewhere") as h:  # another site has not recorded it
        assert h.recorded_as(building([axis_camera()])) is None
