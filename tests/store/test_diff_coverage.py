"""A new user's diff findings: compare only what both runs looked at, and say what was not.

- a device outside the newer run's scope (or excluded from it) is not "gone";
- a narrower ``-p`` list does not make every device "changed ports";
- an interrupted run is never skipped silently, and a device it did not reach is not "gone".

Every ``target`` test runs on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from camscan.diff import Coverage, diff_states, render_diff_text
from camscan.models import Behind, Device, Identification, Observation, ScanDocument
from camscan.store import History, StoreTarget, schema, states_of
from camscan.store.engine import make_engine
from tests.pgserver import PW_VAR
from tests.report.cli_env import cli_env, run_camscan
from tests.report.sample_docs import amcrest_recorder, axis_camera, building, lts_camera, printer

__all__ = ["cli_env"]
PRINTER = "mac:00:1b:a9:aa:bb:cc"
ALL_PORTS = [80, 443, 554, 8000, 37777]


def _env(target: StoreTarget) -> dict[str, str]:
    if target.password is None:
        return {}
    return {PW_VAR: target.password, "CAMSCAN_HISTORY_PASSWORD_ENV": PW_VAR}


def _with_port(doc: ScanDocument, port: int) -> ScanDocument:
    """Every device of ``doc`` also answered on ``port``."""
    devices = [
        d.model_copy(update={"observations": [
            *d.observations, Observation(signal="tcp.open", value=str(port), port=port)]})
        for d in doc.devices
    ]  # fmt: skip
    return doc.model_copy(update={"devices": devices})


def test_coverage_reads_every_recorded_scope_form() -> None:
    cov = Coverage("run 1", ("192.0.2.0/25", "198.51.100.7", "203.0.113.10-203.0.113.20"))
    assert cov.covers("192.0.2.127") is True
    assert cov.covers("192.0.2.128") is False
    assert cov.covers("198.51.100.7") is True
    assert cov.covers("203.0.113.15") is True
    assert cov.covers("203.0.113.21") is False
    assert Coverage("run 2").covers("192.0.2.1") is None  # nothing recorded: cannot say
    assert Coverage("run 3", ("leases.csv",)).covers("192.0.2.1") is None  # an import


def test_narrower_scope_and_ports_are_not_changes() -> None:
    night1 = _with_port(building([lts_camera(), axis_camera(), printer()]), 8000)
    # The next night scans only 192.0.2.0/26 (the printer at .90 is outside), ports 80,554.
    night2 = building([lts_camera(), axis_camera()])
    old = Coverage("run 1", ("192.0.2.0/24",), tuple(ALL_PORTS))
    new = Coverage("run 2", ("192.0.2.0/26",), (80, 554))
    diff = diff_states(states_of(night1), states_of(night2), old_cov=old, new_cov=new)
    assert diff.empty
    assert diff.gone == ()
    assert [(u.state.key, u.reason) for u in diff.uncompared] == [
        (PRINTER, "192.0.2.90 is outside run 2's scope")
    ]
    assert diff.notes == (
        "open ports compared only on the 2 port(s) both sweeps tried (80 554): "
        "run 1 tried 5, run 2 2",
    )
    text = render_diff_text(diff, "run 1", "run 2")
    assert "# not compared: 192.0.2.90 mac:00:1b:a9:aa:bb:cc Brother" in text
    assert text.endswith("0 new, 0 gone, 0 changed (0 moved), 1 not compared\n")
    # Without the recorded coverage the same two runs look like a gone printer and 2 changes.
    blind = diff_states(states_of(night1), states_of(night2))
    assert [s.key for s in blind.gone] == [PRINTER]
    assert len(blind.changed) == 2


def test_a_real_change_inside_the_common_view_still_shows() -> None:
    night1 = building([lts_camera(), printer()])
    night2 = building([lts_camera(firmware="V5.7.3"), axis_camera("192.0.2.200")])
    old = Coverage("run 1", ("192.0.2.0/25",), (80, 554))
    new = Coverage("run 2", ("192.0.2.0/24",), tuple(ALL_PORTS))
    diff = diff_states(states_of(night1), states_of(night2), old_cov=old, new_cov=new)
    assert [c.changes[0].field for c in diff.changed] == ["firmware"]
    assert [s.key for s in diff.gone] == [PRINTER]  # inside both scopes, really gone
    assert diff.new == ()  # .200 was outside run 1's scope: not compared, not new
    assert [u.reason for u in diff.uncompared] == ["192.0.2.200 is outside run 1's scope"]


def test_diff_command_compares_only_what_both_runs_looked_at(
    target: StoreTarget, cli_env: Path
) -> None:
    wide = building([lts_camera(), amcrest_recorder(), axis_camera(), printer()],
                    ports=ALL_PORTS)  # fmt: skip
    narrow = building([lts_camera(), amcrest_recorder(), axis_camera()],
                      scope=["192.0.2.0/26"], ports=[80, 554])  # fmt: skip
    with History(target, site="hq") as h:
        first, second = h.record(_with_port(wide, 443)), h.record(narrow)
    args = ("--db", str(target), "--site", "hq")
    result = run_camscan("diff", *args, env=_env(target))
    assert result.exit_code == 0, result.output  # nothing that both runs looked at changed
    assert f"--- run {first} hq" in result.stdout
    assert "# not compared: 192.0.2.90" in result.stdout
    assert "outside run " + str(second) + "'s scope" in result.stdout
    assert "both sweeps tried (80 554)" in result.stdout
    data = json.loads(run_camscan("diff", *args, "-f", "json", env=_env(target)).stdout)
    assert data["gone"] == []
    assert data["changed"] == []
    assert [(d["key"], d["reason"]) for d in data["not_compared"]] == [
        (PRINTER, f"192.0.2.90 is outside run {second}'s scope")
    ]


def test_interrupted_run_is_named_and_never_makes_devices_gone(
    target: StoreTarget, cli_env: Path
) -> None:
    full = building([lts_camera(), amcrest_recorder(), axis_camera(), printer()])
    cut = building([lts_camera()], complete=False, interrupted=True)  # Ctrl-C after one device
    with History(target, site="hq") as h:
        ids = [h.record(full), h.record(full.model_copy(update={"devices": full.devices[:3]}))]
        ids.append(h.record(cut))
    args = ("--db", str(target), "--site", "hq")
    default = run_camscan("diff", *args, "--fail-on", "changed", env=_env(target))
    assert default.exit_code == 1  # the printer went between the two complete runs
    assert (
        f"# run {ids[2]} was interrupted; compared the last two complete runs, "
        f"{ids[0]} and {ids[1]}"
    ) in default.stdout
    assert "1 new" not in default.stdout
    assert "0 new, 1 gone" in default.stdout

    explicit = run_camscan("diff", str(ids[1]), str(ids[2]), *args, "-f", "json",
                           env=_env(target))  # fmt: skip
    assert explicit.exit_code == 0, explicit.output  # nothing it reached had changed
    data = json.loads(explicit.stdout)
    assert data["gone"] == []
    assert len(data["not_compared"]) == 2
    assert {d["reason"] for d in data["not_compared"]} == {
        f"run {ids[2]} was interrupted or incomplete and may not have reached it"
    }
    assert data["notes"] == [
        f"run {ids[2]} was interrupted: a device it did not reach is not counted as gone or new"
    ]


def test_too_few_complete_runs_says_which_run_was_interrupted(
    target: StoreTarget, cli_env: Path
) -> None:
    with History(target, site="hq") as h:
        first = h.record(building())
        cut = h.record(building([lts_camera()], complete=False, interrupted=True))
    result = run_camscan("diff", "--db", str(target), "--site", "hq", env=_env(target))
    assert result.exit_code == 2
    assert f"run {cut} was interrupted; compare it by id: camscan diff A B" in result.stderr
    assert run_camscan("diff", str(first), str(cut), "--db", str(target), "--site", "hq",
                       env=_env(target)).exit_code == 0  # fmt: skip


def test_a_camera_behind_a_recorder_counts_at_the_recorders_address() -> None:
    """Its PoE-side address is in no scan's scope; the recorder's address is what was scanned."""
    channel = Device(
        address="203.0.113.5",  # the address the recorder reports, on its private PoE side
        behind=Behind(recorder="192.0.2.30", channel=3, api="ISAPI"),
        identification=Identification(vendor="Hikvision", model="DS-2CD2143G2-I"),
    )
    night1 = building([amcrest_recorder(), channel])
    night2 = building([amcrest_recorder()])
    scope = Coverage("run 2", ("192.0.2.0/24",))
    diff = diff_states(states_of(night1), states_of(night2), new_cov=scope)
    assert [s.key for s in diff.gone] == ["behind:192.0.2.30#3"]  # really gone from channel 3
    elsewhere = Coverage("run 2", ("192.0.2.0/27",))  # the recorder at .30 still in, ok
    assert len(diff_states(states_of(night1), states_of(night2), new_cov=elsewhere).gone) == 1
    outside = Coverage("run 2", ("192.0.2.64/26",))
    moved = diff_states(states_of(night1), states_of(night2), new_cov=outside)
    assert [(u.state.key, u.reason) for u in moved.uncompared] == [
        ("behind:192.0.2.30#3", "192.0.2.30 is outside run 2's scope")  # judged by its recorder
    ]


def test_states_recorded_before_the_new_columns_are_upgraded_in_place(
    target: StoreTarget,
) -> None:
    """A history of the previous release (revision 0002, no runs.ports / states.behind)."""
    engine = make_engine(target)
    with engine.begin() as conn:
        command.upgrade(schema._alembic_config(conn), "0002")
        conn.execute(sa.text("ALTER TABLE runs DROP COLUMN ports"))
        conn.execute(sa.text("ALTER TABLE states DROP COLUMN behind"))
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA application_id = 1667329395")  # "cams"
            conn.exec_driver_sql("PRAGMA user_version = 2")
    engine.dispose()
    with History(target, site="hq") as h:
        run = h.record(building(ports=[80, 554]))
        assert h.run(run).ports == (80, 554)
        with h.transaction() as conn:
            assert schema.current_revision(conn) == schema.head_revision()
