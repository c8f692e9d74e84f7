"""Regression tests for history, diff and acknowledgement defects (issues 9 and 12).

Each test failed before its fix: a never-seen MAC acknowledged silently, acknowledged devices
counted as restricted, `history --device` newest first, a returning device called "new", an
expired or withdrawn acknowledgement kept by `identify` of a saved document, and a change
whose mail failed never mailed again.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from camscan.exitcodes import ExitCode
from camscan.models import PolicyResult
from camscan.store import History
from tests.notify.test_email import Inbox, _email_env, _free_port, ca, smtp
from tests.report.cli_env import cli_env, run_camscan, run_report, save
from tests.report.sample_docs import amcrest_recorder, axis_camera, building, lts_camera, printer

__all__ = ["ca", "cli_env", "smtp"]
LTS = "mac:44:19:b6:12:34:56"


def test_acking_a_never_seen_mac_or_address_warns(cli_env: Path) -> None:
    db = str(cli_env / "h.db")
    with History(cli_env / "h.db", site="hq") as h:
        h.record(building([axis_camera()]))
    mac = run_camscan("ack", "0012.34AB.CDEF", "-r", "spare", "--db", db, "--site", "hq")
    assert mac.exit_code == 0
    assert "warning: mac:00:12:34:ab:cd:ef has never been seen at site hq" in mac.stderr
    addr = run_camscan("ack", "198.51.100.7", "-r", "lab", "--db", db, "--site", "hq")
    assert "warning: ip:198.51.100.7 has never been seen" in addr.stderr
    seen = run_camscan("ack", "192.0.2.40", "-r", "known", "--db", db, "--site", "hq")
    assert seen.exit_code == 0
    assert "warning" not in seen.stderr
    assert "acknowledged mac:ac:cc:8e:01:02:03 at site hq" in seen.stderr


def test_history_counts_acknowledged_apart_from_restricted(cli_env: Path) -> None:
    db = cli_env / "h.db"
    with History(db, site="hq") as h:
        h.add_ack(LTS, "replacement ordered")
        h.record(h.apply_acks(building([lts_camera(), amcrest_recorder()]), date.today()))
    out = run_camscan("history", "--db", str(db), "--site", "hq")
    header, row = out.stdout.splitlines()
    assert header.split()[4:7] == ["devices", "restr.", "ack."]
    assert row.split()[3:6] == ["2", "0", "1"]  # 2 devices, 0 open restricted, 1 acknowledged
    data = json.loads(run_camscan("history", "--db", str(db), "--site", "hq", "-f", "json").stdout)
    assert (data[0]["restricted"], data[0]["acknowledged"]) == (0, 1)


def test_a_device_that_returns_is_back_not_new(cli_env: Path) -> None:
    db = cli_env / "h.db"
    with History(db, site="hq") as h:
        h.record(building([axis_camera(), printer()]))
        h.record(building([axis_camera()]))  # the printer is off
        h.record(building([axis_camera(), printer(), lts_camera()]))
    result = run_camscan("diff", "--db", str(db), "--site", "hq", "-f", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [d["key"] for d in data["back"]] == ["mac:00:1b:a9:aa:bb:cc"]
    assert [d["key"] for d in data["new"]] == [LTS]
    text = run_camscan("diff", "--db", str(db), "--site", "hq").stdout
    assert "1 new, 1 back, 0 gone" in text
    assert "(back)" in text


@pytest.mark.parametrize("how", ["expired", "removed"])
def test_identify_of_a_saved_document_drops_an_ack_that_no_longer_holds(
    cli_env: Path, how: str
) -> None:
    db = cli_env / "h.db"
    lts = lts_camera()
    acked = lts.model_copy(
        update={"policy": PolicyResult(restricted=True, matches=lts.policy.matches,
                                       acknowledged="replacement ordered")}
    )  # fmt: skip
    doc = save(building([acked, axis_camera()]), cli_env / "saved.json")
    with History(db, site="hq") as h:
        h.record(building([lts, axis_camera()]))
        if how == "expired":
            h.add_ack(LTS, "replacement ordered", until=date(2020, 1, 31))
    result = run_report(str(doc), "--no-record", "--db", str(db), "--site", "hq", "-f", "json")
    assert result.exit_code == ExitCode.FINDINGS
    devices = json.loads(result.stdout)["devices"]
    assert [d["policy"]["acknowledged"] for d in devices if d["mac"]] == [None, None]


@pytest.mark.parametrize("smtp", ["plain"], indirect=True)
def test_a_change_whose_mail_failed_is_mailed_on_the_next_run(
    cli_env: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    db = str(cli_env / "h.db")
    night1 = save(building([axis_camera()]), cli_env / "n1.json")
    night2 = save(building([axis_camera(), printer()]), cli_env / "n2.json")
    args = ("--db", db, "--site", "hq", "--email", "--email-on", "changes", "--fail-on", "never")
    assert run_report(str(night1), *args, env=_email_env(port)).exit_code == 0
    assert len(inbox.messages) == 1
    down = run_report(str(night2), *args, env=_email_env(_free_port()))  # mail server down
    assert down.exit_code == ExitCode.NOTIFY_FAILED
    assert run_report(str(night2), *args, env=_email_env(port)).exit_code == 0
    assert len(inbox.messages) == 2  # the printer that appeared while mail was down
    body = inbox.messages[1].get_body(("plain",))
    assert body is not None
    assert "192.0.2.90" in body.get_content()
    assert run_report(str(night2), *args, env=_email_env(port)).exit_code == 0
    assert len(inbox.messages) == 2  # delivered once; nothing changed since


def test_history_diff_and_ack_across_sites(cli_env: Path) -> None:
    db = cli_env / "h.db"
    for site, extra in (("hq", printer()), ("depot", lts_camera())):
        with History(db, site=site) as h:
            h.record(building([axis_camera()]))
            h.record(building([axis_camera(), extra]))
    listing = run_camscan("history", "--db", str(db), "--site", "all")
    assert sorted(line.split()[1] for line in listing.stdout.splitlines()[1:]) == [
        "depot", "depot", "hq", "hq",
    ]  # fmt: skip
    only = run_camscan("history", "--db", str(db), "--site", "depot")
    assert {line.split()[1] for line in only.stdout.splitlines()[1:]} == {"depot"}
    diff = run_camscan("diff", "--db", str(db), "--site", "all", "-f", "json")
    assert diff.exit_code == 1
    sites = json.loads(diff.stdout)["sites"]
    assert {s: [d["key"] for d in v["new"]] for s, v in sites.items()} == {
        "depot": [LTS], "hq": ["mac:00:1b:a9:aa:bb:cc"],
    }  # fmt: skip
    everywhere = run_camscan("ack", LTS, "-r", "estate exemption", "--db", str(db), "--site", "all")
    assert "at every site" in everywhere.stderr
    listing = run_camscan("ack", "--list", "--db", str(db), "--site", "hq")
    assert f"{LTS} [every site]: estate exemption" in listing.stdout


def test_prune_command_and_bad_periods(cli_env: Path) -> None:
    db = cli_env / "h.db"
    with History(db, site="hq") as h:
        h.record(building(), recorded_at="2020-01-01T02:00:00+00:00")
        h.record(building())
    result = run_camscan("history", "prune", "--keep", "400d", "--db", str(db), "--site", "hq")
    assert result.exit_code == 0, result.output
    assert "pruned 1 run of site hq" in result.stderr
    with History(db, site="hq") as h:
        assert len(h.runs()) == 1
    bad = run_camscan("history", "prune", "--keep", "forever", "--db", str(db))
    assert bad.exit_code == 2
    assert "400d" in bad.stderr


def test_scan_refuses_site_all_and_a_password_in_the_url(cli_env: Path) -> None:
    doc = str(save(building(), cli_env / "d.json"))
    assert "name one site" in run_report(doc, "--site", "all").stderr
    pw = run_report(doc, "--db", "postgresql://camscan:hunter2@127.0.0.1/h")
    assert pw.exit_code == 2
    assert "must not contain a password" in pw.stderr
    assert "hunter2" not in pw.stderr


def test_every_report_shows_an_acknowledgements_expiry(cli_env: Path) -> None:
    db = str(cli_env / "h.db")
    doc = save(building([lts_camera()]), cli_env / "d.json")
    refused = run_camscan("ack", "44:19:b6:12:34:56", "-r", "replacement ordered",
                          "--db", db, "--site", "hq")  # fmt: skip
    assert refused.exit_code == 2  # no runs at site hq yet: a mistyped --site is caught
    assert "no site 'hq' in the history" in refused.stderr
    run_camscan("ack", "44:19:b6:12:34:56", "-r", "replacement ordered", "--until", "2099-03-31",
                "--db", db, "--site", "hq", "--new-site")  # fmt: skip
    text = run_report(str(doc), "--db", db, "--site", "hq", "-f", "text")
    assert text.exit_code == 0
    assert "replacement ordered (until 2099-03-31)" in text.stdout
    data = json.loads(run_report(str(doc), "--db", db, "--site", "hq", "-f", "json").stdout)
    assert data["devices"][0]["policy"]["acknowledged"] == "replacement ordered (until 2099-03-31)"
