"""finish(): exit codes per --fail-on, escalation, acks, --quiet, --output, history errors."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from camscan.exitcodes import ExitCode
from camscan.store import History
from tests.report.cli_env import cli_env, run_camscan, run_report, save
from tests.report.sample_docs import axis_camera, building, clean_building, lts_camera, printer

__all__ = ["cli_env"]


@pytest.mark.parametrize(
    ("fail_on", "doc_name", "expected"),
    [
        ("restricted", "building", ExitCode.FINDINGS),
        ("restricted", "suspected_only", ExitCode.OK),
        ("suspected", "suspected_only", ExitCode.FINDINGS),
        ("never", "building", ExitCode.OK),
        ("restricted", "clean", ExitCode.OK),
        ("changed", "clean", ExitCode.FINDINGS),  # first run: everything is new
        ("new", "clean", ExitCode.OK),
        ("new", "building", ExitCode.FINDINGS),
        ("any", "suspected_only", ExitCode.FINDINGS),
    ],
)
def test_fail_on(cli_env: Path, fail_on: str, doc_name: str, expected: ExitCode) -> None:
    docs = {
        "building": building(),
        "clean": clean_building(),
        "suspected_only": building([b for b in building().devices if not b.policy.restricted]),
    }
    path = save(docs[doc_name], cli_env / "doc.json")
    result = run_report(str(path), "--fail-on", fail_on, "--db", str(cli_env / "h.db"))
    assert result.exit_code == expected, result.output


def test_new_and_changed_compare_with_previous_run(cli_env: Path) -> None:
    db = str(cli_env / "h.db")
    first = save(building(), cli_env / "a.json")
    assert run_report(str(first), "--db", db, "--fail-on", "never").exit_code == 0
    # the same network again: nothing new, nothing changed
    assert run_report(str(first), "--db", db, "--fail-on", "new").exit_code == 0
    assert run_report(str(first), "--db", db, "--fail-on", "changed").exit_code == 0
    # a second restricted camera appears
    second = save(
        building([*building().devices, lts_camera("192.0.2.22").model_copy(
            update={"mac": "44:19:b6:00:00:22"})]),
        cli_env / "b.json",
    )  # fmt: skip
    assert run_report(str(second), "--db", db, "--fail-on", "new").exit_code == 1


def test_incomplete_and_interrupted_escalate(cli_env: Path) -> None:
    incomplete = save(clean_building().model_copy(update={"complete": False}), cli_env / "i.json")
    result = run_report(str(incomplete), "--no-db")
    assert result.exit_code == ExitCode.INCOMPLETE
    assert "scan INCOMPLETE" in result.stderr
    both = save(
        building().model_copy(update={"complete": False, "interrupted": True}), cli_env / "x.json"
    )
    # restricted hardware in an interrupted scan: the finding is not hidden behind 130
    assert run_report(str(both), "--no-db").exit_code == ExitCode.FINDINGS_INCOMPLETE
    quiet = save(
        clean_building().model_copy(update={"complete": False, "interrupted": True}),
        cli_env / "q.json",
    )
    assert run_report(str(quiet), "--no-db").exit_code == ExitCode.INTERRUPTED


def test_acknowledged_device_no_longer_fails_but_is_listed(cli_env: Path) -> None:
    db = str(cli_env / "h.db")
    doc = save(building([lts_camera(), axis_camera()]), cli_env / "d.json")
    assert run_report(str(doc), "--db", db).exit_code == 1
    ack = run_camscan("ack", "44:19:b6:12:34:56", "--reason", "replacement ordered", "--db", db)
    assert ack.exit_code == 0, ack.output
    result = run_report(str(doc), "--db", db, "-f", "text")
    assert result.exit_code == 0, result.output
    assert "ACKNOWLEDGED" in result.stdout
    assert "acknowledged: replacement ordered" in result.stdout
    listing = run_camscan("ack", "--list", "--db", db)
    assert "mac:44:19:b6:12:34:56: replacement ordered" in listing.stdout
    assert run_camscan("ack", "--remove", "192.0.2.21", "--db", db).exit_code == 0
    assert run_report(str(doc), "--db", db).exit_code == 1


def test_quiet_prints_nothing_on_a_clean_run(cli_env: Path) -> None:
    path = save(clean_building(), cli_env / "c.json")
    result = run_report(str(path), "--quiet", "--db", str(cli_env / "h.db"))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    noisy = run_report(str(save(building(), cli_env / "b.json")), "-q", "--no-db")
    assert noisy.exit_code == 1
    assert "1 restricted" in noisy.stderr
    assert "192.0.2.21" in noisy.stdout


def test_not_a_terminal_means_text_without_colour(cli_env: Path) -> None:
    result = run_report(str(save(building(), cli_env / "b.json")), "--no-db")
    assert result.stdout.startswith("camscan report")
    assert "\x1b" not in result.stdout
    assert "\x1b" not in result.stderr


def test_output_file_atomic_and_format_from_suffix(cli_env: Path) -> None:
    out = cli_env / "reports" / "night.json"
    out.parent.mkdir()  # -o never creates directories: a mistyped path is an error
    result = run_report(str(save(building(), cli_env / "b.json")), "-o", str(out), "--no-db")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(out.read_text())["devices"][0]["address"] == "192.0.2.40"
    # -f json writes the scan document itself: the line names it so (it once said "report")
    assert f"scan document written to {out}" in result.stderr
    assert [p.name for p in out.parent.iterdir()] == ["night.json"]  # no temp files left
    csv_out = cli_env / "reports" / "night.csv"
    result = run_report(str(cli_env / "b.json"), "-o", str(csv_out), "--no-db")
    assert f"report written to {csv_out}" in result.stderr


def test_output_to_a_fifo_writes_through_it_and_leaves_it_a_fifo(cli_env: Path) -> None:
    """`-o /dev/null` once replaced the machine's /dev/null with a regular file (the atomic
    rename); a path that is not a regular file is written in place. A FIFO stands in for the
    device here, read by a thread."""
    fifo = cli_env / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = run_report(str(save(building(), cli_env / "b.json")), "-o", str(fifo), "-f", "json",
                        "--no-db")  # fmt: skip
    reader.join(timeout=30)
    assert result.exit_code == 1
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(got[0])["devices"][0]["address"] == "192.0.2.40"
    assert sorted(p.name for p in cli_env.iterdir() if p.name.startswith(".pipe")) == []


def test_corrupt_history_is_an_error_but_the_report_still_prints(cli_env: Path) -> None:
    db = cli_env / "h.db"
    db.write_bytes(b"garbage" * 100)
    result = run_report(str(save(clean_building(), cli_env / "c.json")), "--db", str(db))
    assert result.exit_code == ExitCode.USAGE
    assert "history:" in result.stderr
    assert "unreadable" in result.stderr
    assert "192.0.2.40" in result.stdout
    assert db.read_bytes() == b"garbage" * 100


def test_identify_without_record_does_not_create_history(cli_env: Path) -> None:
    db = cli_env / "h.db"
    result = run_report(
        str(save(clean_building(), cli_env / "c.json")), "--no-record", "--db", str(db)
    )
    assert result.exit_code == 0
    assert not db.exists()


def test_record_writes_history_by_default_location(cli_env: Path) -> None:
    path = save(building([printer()]), cli_env / "p.json")
    assert run_report(str(path)).exit_code == 0
    db = cli_env / "data" / "camscan" / "history.sqlite3"
    with History(db) as h:
        assert len(h.runs()) == 1


def test_config_file_supplies_defaults(cli_env: Path) -> None:
    cfg = cli_env / "c.toml"
    cfg.write_text('[output]\nformat = "csv"\nfail_on = "never"\n[history]\nenabled = false\n')
    result = run_report(str(save(building(), cli_env / "b.json")), "--config", str(cfg))
    assert result.exit_code == 0
    assert result.stdout.startswith("address,mac,status,vendor")
    # the command line wins over the file
    assert run_report(str(cli_env / "b.json"), "--config", str(cfg), "-f", "json",
                      "--fail-on", "restricted").exit_code == 1  # fmt: skip


def test_bad_config_is_a_usage_error(cli_env: Path) -> None:
    cfg = cli_env / "c.toml"
    cfg.write_text('[email]\npassword = "hunter2"\n')
    result = run_report(str(save(building(), cli_env / "b.json")), "--config", str(cfg))
    assert result.exit_code == ExitCode.USAGE
    assert "password_env or password_file" in result.stderr
    assert "hunter2" not in result.stderr


def test_history_guard_fails_fast_and_lets_finish_record(cli_env: Path) -> None:
    from camscan.cli.output import CamscanUsageError, finish, history_guard, resolve_options

    def opts(db: Path):  # type: ignore[no-untyped-def]
        return resolve_options(fmt="json", output=str(cli_env / "r.json"), quiet=True,
                               fail_on=None, db=str(db), no_db=False, email=False,
                               email_on=None, config_file=None, no_color=True)  # fmt: skip

    good = opts(cli_env / "h.db")
    with history_guard(good):  # holds the lock for the whole scan; finish re-enters it
        assert finish(clean_building(), good, record=True) == 0
    with History(cli_env / "h.db") as h:
        assert len(h.runs()) == 1
    bad_db = cli_env / "bad.db"
    bad_db.write_bytes(b"not a database" * 50)
    with pytest.raises(CamscanUsageError, match="history:"), history_guard(opts(bad_db)):
        pass
