"""History and diff across several runs: added, removed, re-addressed, re-flashed devices."""

from __future__ import annotations

import json
from pathlib import Path

from camscan.diff import diff_states, render_diff_text
from camscan.models import Observation
from camscan.store import History, states_of
from tests.report.cli_env import cli_env, run_camscan
from tests.report.sample_docs import (
    amcrest_recorder,
    axis_camera,
    building,
    hostile_device,
    lts_camera,
    printer,
)

__all__ = ["cli_env"]


def _runs() -> list:  # type: ignore[type-arg]
    night1 = building([lts_camera(), amcrest_recorder(), axis_camera(), printer()])
    recorder2 = amcrest_recorder().model_copy(
        update={"observations": [*amcrest_recorder().observations,
                                 Observation(signal="tcp.open", value="443", port=443)]}
    )  # fmt: skip
    night2 = building(
        [
            lts_camera(firmware="V5.7.3"),  # re-flashed
            recorder2,  # opened a port
            axis_camera("192.0.2.41"),  # moved by DHCP
            hostile_device(),  # new; the printer is gone
        ]
    )
    night3 = night2  # nothing changed
    return [night1, night2, night3]


def test_diff_states_classifies_every_kind_of_change() -> None:
    night1, night2, _ = _runs()
    diff = diff_states(states_of(night1), states_of(night2))
    assert [s.key for s in diff.new] == ["mac:02:00:00:00:00:66"]
    assert [s.key for s in diff.gone] == ["mac:00:1b:a9:aa:bb:cc"]
    changes = {c.new.key: {ch.field: (ch.old, ch.new) for ch in c.changes} for c in diff.changed}
    assert changes["mac:44:19:b6:12:34:56"] == {"firmware": ("V5.5.82", "V5.7.3")}
    assert changes["mac:ac:cc:8e:01:02:03"] == {"address": ("192.0.2.40", "192.0.2.41")}
    assert changes["serial:AMC0123456789ABCDEF"] == {"ports": ([80, 37777], [80, 443, 37777])}
    text = render_diff_text(diff, "run 1", "run 2")
    assert "? firmware V5.5.82 -> V5.7.3" in text
    assert "? moved 192.0.2.40 -> 192.0.2.41" in text
    assert "1 new, 1 gone, 3 changed (1 moved)" in text
    assert "\x1b" not in text  # the hostile device's label is neutralised


def test_history_and_diff_commands_over_three_runs(cli_env: Path) -> None:
    db = cli_env / "h.db"
    with History(db) as h:
        ids = [h.record(doc) for doc in _runs()]
    listing = run_camscan("history", "--db", str(db))
    assert listing.exit_code == 0
    assert [line.split()[0] for line in listing.stdout.splitlines()[1:]] == [
        str(i) for i in ids[::-1]
    ]

    # default: the last two runs, which are identical
    same = run_camscan("diff", "--db", str(db))
    assert same.exit_code == 0
    assert "no changes" in same.stdout

    changed = run_camscan("diff", str(ids[0]), str(ids[1]), "--db", str(db), "-f", "json",
                          "--fail-on", "changed")  # fmt: skip
    assert changed.exit_code == 1
    data = json.loads(changed.stdout)
    assert (data["old_run"], data["new_run"]) == (ids[0], ids[1])
    assert [d["address"] for d in data["new"]] == ["192.0.2.66"]
    assert [d["key"] for d in data["gone"]] == ["mac:00:1b:a9:aa:bb:cc"]
    assert len(data["changed"]) == 3

    device = run_camscan("history", "--device", "ac:cc:8e:01:02:03", "--db", str(db))
    lines = device.stdout.splitlines()
    assert len(lines) == 3  # oldest first: the runs in the order they happened
    assert [line.split()[1] for line in lines] == [str(i) for i in ids]
    assert "192.0.2.40" in lines[0]
    assert "192.0.2.41" in lines[-1]


def test_history_errors_are_clear(cli_env: Path) -> None:
    missing = run_camscan("history", "--db", str(cli_env / "none.db"))
    assert missing.exit_code == 2
    assert "no scan history" in missing.stderr
    db = cli_env / "h.db"
    with History(db) as h:
        h.record(building())
    one = run_camscan("diff", "--db", str(db))
    assert one.exit_code == 2
    assert "fewer than two complete runs" in one.stderr
    unknown = run_camscan("history", "--device", "nope", "--db", str(db))
    assert unknown.exit_code == 2
    assert run_camscan("diff", "1", "99", "--db", str(db)).exit_code == 2


def test_ack_validation(cli_env: Path) -> None:
    db = str(cli_env / "h.db")
    with History(cli_env / "h.db") as h:
        h.record(building())
    assert "--reason is required" in run_camscan("ack", "192.0.2.21", "--db", db).stderr
    past = run_camscan("ack", "192.0.2.21", "-r", "x", "--until", "2001-01-01", "--db", db)
    assert past.exit_code == 2
    ok = run_camscan("ack", "192.0.2.21", "-r", "legacy", "--until", "2099-01-01", "--db", db)
    assert ok.exit_code == 0
    assert "until 2099-01-01" in run_camscan("ack", "--list", "--db", db).stdout
    assert run_camscan("ack", "--remove", "serial:NOPE", "--db", db).exit_code == 2
    # A MAC not (yet) in the history, in Cisco notation: keyed like history keys MACs.
    spare = run_camscan("ack", "0012.34AB.CDEF", "-r", "spare on the shelf", "--db", db)
    assert "acknowledged mac:00:12:34:ab:cd:ef" in spare.stderr
