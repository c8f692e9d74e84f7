"""A new user's store/CLI findings (NEWUSER #24, #17, #19), each fixed as a kind.

- #24: ``camscan history --db X --site S import|prune`` acted on the default database and the
  host-named site; options of a command group now reach its subcommands, or are refused.
- #17: a ``--db`` path that cannot be created gave a traceback and exit 1 ("restricted
  found"); every store open failure is now one line and exit 2, for every command that opens it.
- #19: an unknown (or default) ``--site`` was handled four ways; now one rule: a site with no
  recorded runs is an error naming the sites that have runs (``history import`` creates one).

Every ``target`` test runs on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import json
import re
import stat
from datetime import date
from pathlib import Path

import click
import pytest

from camscan.cli import main
from camscan.exitcodes import ExitCode
from camscan.store import History, StoreTarget
from tests.pgserver import PW_VAR
from tests.report.cli_env import cli_env, run_camscan, run_report, save
from tests.report.sample_docs import amcrest_recorder, axis_camera, building, lts_camera, printer

__all__ = ["cli_env"]


def _env(target: StoreTarget) -> dict[str, str]:
    if target.password is None:
        return {}
    return {PW_VAR: target.password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR}


def _runs(target: StoreTarget, site: str) -> list[int]:
    with History(target, site) as h:
        return [r.id for r in h.runs(100)]


@pytest.mark.parametrize("where", ["group", "subcommand"])
def test_history_import_and_prune_use_the_db_and_site_given_before_the_subcommand(
    cli_env: Path, target: StoreTarget, where: str
) -> None:
    doc = save(building([axis_camera()]), cli_env / "old.json")
    opts = ["--db", str(target), "--site", "imp"]
    env = _env(target)
    argv = [*opts, "import", str(doc)] if where == "group" else ["import", *opts, str(doc)]
    result = run_camscan("history", *argv, env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{doc}: run 1 of site imp\n"
    assert _runs(target, "imp") == [1]
    default_db = cli_env / "data" / "camscan" / "history.sqlite3"
    assert not default_db.exists()  # nothing went to the default database
    keep = ["--keep", "1d"]
    argv = [*opts, "prune", *keep] if where == "group" else ["prune", *opts, *keep]
    pruned = run_camscan("history", *argv, env=env)
    assert pruned.exit_code == 0, pruned.output
    assert pruned.stderr.startswith("pruned 1 run of site imp recorded before ")
    assert not default_db.exists()


def test_history_options_given_twice_or_out_of_place_are_refused(
    cli_env: Path, target: StoreTarget
) -> None:
    doc = save(building([axis_camera()]), cli_env / "old.json")
    env = _env(target)
    twice = run_camscan("history", "--db", str(target), "--site", "a", "import", "--site", "b",
                        str(doc), env=env)  # fmt: skip
    assert twice.exit_code == ExitCode.USAGE
    assert twice.stderr == "Error: --site given twice ('a' and 'b'); give it once\n"
    listing = run_camscan("history", "--db", str(target), "--device", "x", "prune", "--keep",
                          "1d", env=env)  # fmt: skip
    assert listing.exit_code == ExitCode.USAGE
    assert "--device lists runs; it does not apply to `history prune`" in listing.stderr
    with History(target, "a") as h:
        assert h.runs(10) == []  # neither command recorded or pruned anything


def test_every_command_group_passes_its_options_on_or_has_none() -> None:
    """The shape of #24 anywhere in the CLI: a group option a subcommand would silently drop."""
    ctx = click.Context(main)
    checked = []
    for name in main.list_commands(ctx):
        group = main.get_command(ctx, name)
        if not isinstance(group, click.Group) or not group.commands:
            continue
        own = {p.name for p in group.params if p.expose_value and p.name != "help"}
        if not own:
            continue
        checked.append(name)
        for sub_name, sub in group.commands.items():
            shared = own & {p.name for p in sub.params}
            # history: --db/--site/--config are inherited; the listing options are refused.
            assert shared == {"db", "site", "config_file"}, (name, sub_name, shared)
    assert checked == ["history"]


@pytest.mark.parametrize("bad", ["proc", "file-parent", "missing-dir"])
def test_a_db_path_that_cannot_be_created_is_one_line_and_exit_2_for_every_command(
    cli_env: Path, bad: str
) -> None:
    """NEWUSER2 #8: a --db in a directory that does not exist (a typo) was created silently."""
    (cli_env / "afile").write_text("x")
    db = {
        "proc": "/proc/1/x.sqlite",
        "file-parent": str(cli_env / "afile" / "x.sqlite"),
        "missing-dir": str(cli_env / "typo" / "dir" / "x.sqlite"),
    }[bad]
    doc = save(building([axis_camera()]), cli_env / "doc.json")
    commands = [
        # scan opens the store before its first packet (loopback, one closed port)
        (run_camscan, ("scan", "--db", db, "--site", "hq", "-q", "-p", "9", "127.0.0.1")),
        (run_report, (str(doc), "--db", db, "--site", "hq")),  # how scan/identify record
        (run_camscan, ("history", "--db", db, "import", "--site", "hq", str(doc))),
        (run_camscan, ("ack", "192.0.2.40", "-r", "known", "--db", db, "--site", "hq")),
    ]
    for run, argv in commands:
        result = run(*argv)
        assert result.exit_code == ExitCode.USAGE, (argv, result.output)
        assert "Traceback" not in result.output
        problem = [line for line in result.stderr.splitlines() if "history" in line]
        assert len(problem) == 1, (argv, result.stderr)
        assert re.search(f"{re.escape(db)}: cannot (create|open) history database: ", problem[0])
    assert not (cli_env / "typo").exists()  # nothing created in a mistaken place


def test_only_the_default_historys_directory_is_created_and_files_are_0600(
    cli_env: Path,
) -> None:
    doc = save(building([axis_camera()]), cli_env / "doc.json")
    default = cli_env / "data" / "camscan" / "history.sqlite3"
    assert not default.parent.exists()
    result = run_camscan("history", "import", "--site", "hq", str(doc))
    assert result.exit_code == 0, result.output
    assert default.is_file()
    assert stat.S_IMODE(default.stat().st_mode) == 0o600
    given = cli_env / "given.sqlite"
    assert run_camscan("history", "--db", str(given), "import", "--site", "hq",
                       str(doc)).exit_code == 0  # fmt: skip
    assert stat.S_IMODE(given.stat().st_mode) == 0o600


def test_a_site_without_runs_is_one_error_naming_the_sites_that_have_runs(
    cli_env: Path, target: StoreTarget
) -> None:
    env = _env(target)
    with History(target, "hq") as h:
        h.record(building([axis_camera()]))
        h.record(building([axis_camera(), lts_camera()]))
    with History(target, "depot") as h:
        h.record(building([axis_camera()]))
    db = ("--db", str(target))
    want = f"Error: no site 'nowhere' in the history at {target} (sites: depot, hq)\n"
    for argv in (
        ("history", *db, "--site", "nowhere"),
        ("history", *db, "--site", "nowhere", "--device", "192.0.2.40"),
        ("history", *db, "--site", "nowhere", "prune", "--keep", "1d"),
        ("diff", *db, "--site", "nowhere"),
        ("report", *db, "--site", "nowhere"),
        ("ack", "192.0.2.40", "-r", "x", *db, "--site", "nowhere"),
        ("ack", "--list", *db, "--site", "nowhere"),
    ):
        result = run_camscan(*argv, env=env)
        assert (result.exit_code, result.stderr) == (ExitCode.USAGE, want), argv
    with History(target, "nowhere") as h:
        assert h.all_acks() == []  # ack did not create the site
    # The default site (this host's name) follows the same rule and says it was the default.
    bare = run_camscan("history", *db, env=env)
    assert bare.exit_code == ExitCode.USAGE
    assert "(the default site; choose one with --site)" in bare.stderr
    assert "(sites: depot, hq)" in bare.stderr
    # Where making the site is the point, it is made: history import.
    doc = save(building([axis_camera()]), cli_env / "d.json")
    made = run_camscan("history", *db, "--site", "annex", "import", str(doc), env=env)
    assert made.exit_code == 0
    assert run_camscan("history", *db, "--site", "annex", env=env).exit_code == 0


def test_diff_exit_code_means_act_on_restricted_hardware_as_scans_does(
    cli_env: Path, target: StoreTarget
) -> None:
    """#21: exit 1 is "restricted hardware: act" for diff as for scan, not "they differ"."""
    env = _env(target)
    with History(target, "hq") as h:
        base = h.record(building([axis_camera()]))
        printer_night = h.record(building([axis_camera(), printer()]))
        lts_night = h.record(building([axis_camera(), printer(), lts_camera()]))
    db = ("--db", str(target), "--site", "hq")

    def code(*argv: str) -> int:
        return run_camscan("diff", *argv, *db, env=env).exit_code

    assert code(str(base), str(printer_night)) == ExitCode.OK  # a printer is not "act"
    assert code(str(base), str(printer_night), "--fail-on", "changed") == ExitCode.FINDINGS
    assert code(str(printer_night), str(lts_night)) == ExitCode.FINDINGS  # restricted, new
    assert code(str(printer_night), str(lts_night), "--fail-on", "never") == ExitCode.OK
    assert code() == ExitCode.FINDINGS  # the last two runs: the same as above
    with History(target, "hq") as h:  # acknowledged before it appears: nothing to act on
        h.add_ack("mac:44:19:b6:12:34:56", "replacement ordered")
        acked = h.record(h.apply_acks(building([axis_camera(), lts_camera()]), date.today()))
    assert code(str(base), str(acked)) == ExitCode.OK
    # A device that was only suspected and is now confirmed restricted: act.
    rec = amcrest_recorder()
    policy = rec.policy.model_copy(update={"restricted": True})
    confirmed = rec.model_copy(update={"policy": policy})
    with History(target, "hq") as h:
        suspected_night = h.record(building([axis_camera(), rec]))
        confirmed_night = h.record(building([axis_camera(), confirmed]))
    assert code(str(suspected_night), str(confirmed_night)) == ExitCode.FINDINGS
    assert code(str(confirmed_night), str(suspected_night)) == ExitCode.OK  # less to act on


def test_diff_refuses_runs_of_two_sites(cli_env: Path, target: StoreTarget) -> None:
    env = _env(target)
    with History(target, "hq") as h:
        hq = h.record(building([axis_camera()]))
    with History(target, "depot") as h:
        depot = [h.record(building([axis_camera()])), h.record(building([lts_camera()]))]
    db = ("--db", str(target))
    cross = run_camscan("diff", str(hq), str(depot[1]), *db, env=env)
    assert cross.exit_code == ExitCode.USAGE
    assert cross.stderr == (
        f"Error: run {hq} is of site hq and run {depot[1]} of site depot; "
        "a diff compares two runs of one site\n"
    )
    other = run_camscan("diff", str(depot[0]), str(depot[1]), *db, "--site", "hq", env=env)
    assert other.exit_code == ExitCode.USAGE
    assert "are of site depot, not hq" in other.stderr
    # Run ids name their site: no --site needed, even when the default site has no runs.
    by_id = run_camscan("diff", str(depot[0]), str(depot[1]), *db, "-f", "json", env=env)
    assert by_id.exit_code == ExitCode.FINDINGS, by_id.output
    assert json.loads(by_id.stdout)["new_run"] == depot[1]


def test_an_output_file_in_a_missing_directory_is_refused_before_the_scan(
    cli_env: Path,
) -> None:
    """NEWUSER2 #8 (related): `-o` into a missing directory was found out only after the whole
    scan (exit 5, and with --no-db the result was lost)."""
    out = cli_env / "nonexist2" / "x.json"
    result = run_camscan("scan", "--no-db", "-p", "9", "-o", str(out), "127.0.0.1")
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.stderr.strip() == (f"Error: cannot write {out}: no such directory {out.parent}")
    assert not out.parent.exists()
