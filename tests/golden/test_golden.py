"""Golden outputs: each format for realistic scans, each with its expected exit code.

Regenerate after an intended renderer change with ``CAMSCAN_UPDATE_GOLDEN=1 pytest tests/golden``
and review the diff like code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from camscan.diff import diff_states, render_diff_text
from camscan.exitcodes import ExitCode
from camscan.models import ScanDocument
from camscan.report import SUFFIX, Format
from camscan.store import History, states_of
from tests.report.cli_env import cli_env, run_camscan, run_report, save
from tests.report.recorder_docs import recorder_poe_building
from tests.report.sample_docs import (
    amcrest_recorder,
    axis_camera,
    building,
    clean_building,
    hostile_device,
    lts_camera,
    mixed_building,
    printer,
)

__all__ = ["cli_env"]

GOLDEN = Path(__file__).parent
UPDATE = os.environ.get("CAMSCAN_UPDATE_GOLDEN") == "1"


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with CAMSCAN_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def _incomplete() -> ScanDocument:
    return building([lts_camera(), amcrest_recorder()], complete=False)


SCENARIOS: dict[str, tuple[Callable[[], ScanDocument], ExitCode]] = {
    "building": (mixed_building, ExitCode.FINDINGS),
    "clean": (clean_building, ExitCode.OK),
    "incomplete": (_incomplete, ExitCode.FINDINGS_INCOMPLETE),  # restricted, never hidden
}


@pytest.mark.parametrize("fmt", list(Format))
def test_building_in_every_format(cli_env: Path, fmt: Format) -> None:
    make, code = SCENARIOS["building"]
    result = run_report(str(save(make(), cli_env / "d.json")), "-f", fmt.value, "--no-db")
    assert result.exit_code == code
    suffix = ".table.txt" if fmt is Format.TABLE else SUFFIX[fmt]
    _check(f"building{suffix}", result.stdout)


@pytest.mark.parametrize("fmt", list(Format))
def test_cameras_on_a_recorders_poe_ports_in_every_format(cli_env: Path, fmt: Format) -> None:
    result = run_report(str(save(recorder_poe_building(), cli_env / "d.json")), "-f", fmt.value,
                        "--no-db")  # fmt: skip
    assert result.exit_code == ExitCode.FINDINGS
    suffix = ".table.txt" if fmt is Format.TABLE else SUFFIX[fmt]
    _check(f"recorder-poe{suffix}", result.stdout)


@pytest.mark.parametrize("scenario", ["clean", "incomplete"])
def test_scenarios_as_text(cli_env: Path, scenario: str) -> None:
    make, code = SCENARIOS[scenario]
    result = run_report(str(save(make(), cli_env / "d.json")), "-f", "text", "--no-db")
    assert result.exit_code == code
    _check(f"{scenario}.txt", result.stdout)


def test_acknowledged_as_text(cli_env: Path) -> None:
    db = str(cli_env / "h.db")
    doc = save(building([lts_camera(), axis_camera()]), cli_env / "d.json")
    run_camscan("ack", "44:19:b6:12:34:56", "-r", "replacement ordered (ticket 4711)",
                "--until", "2099-12-31", "--db", db, "--new-site")  # fmt: skip
    result = run_report(str(doc), "-f", "text", "--db", db, "--no-record")
    assert result.exit_code == ExitCode.OK
    _check("acknowledged.txt", result.stdout)


def test_diff_between_two_nights(cli_env: Path) -> None:
    night1 = building([lts_camera(), amcrest_recorder(), axis_camera(), printer()])
    night2 = building([lts_camera(firmware="V5.7.3"), amcrest_recorder(),
                       axis_camera("192.0.2.41"), hostile_device()])  # fmt: skip
    _check("nights.diff", render_diff_text(diff_states(states_of(night1), states_of(night2)),
                                           "night 1", "night 2"))  # fmt: skip
    db = cli_env / "h.db"
    with History(db) as h:
        h.record(night1)
        h.record(night2)
    result = run_camscan("diff", "--db", str(db), "-f", "json")
    assert result.exit_code == ExitCode.OK  # nothing restricted appeared: not "act"
    changed = run_camscan("diff", "--db", str(db), "-f", "json", "--fail-on", "changed")
    assert changed.exit_code == ExitCode.FINDINGS  # a re-flash, a move, a new device
    assert changed.stdout == result.stdout
    assert '"new_run": 2' in result.stdout
