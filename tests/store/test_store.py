"""History on real SQLite and a real PostgreSQL server: identity, transactions, migrations,
sites, storage growth, retention, acknowledgements. Every ``target`` test runs on both."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from camscan.models import Device, Observation
from camscan.store import (
    History,
    HistoryError,
    HistoryLocked,
    StoreTarget,
    apply_acks,
    assign_keys,
    device_key,
    parse_target,
    run_lock,
    states_of,
)
from camscan.store.schema import SQLITE_SCHEMA_VERSION, head_revision
from tests import pgserver
from tests.helpers import REPO
from tests.report.sample_docs import amcrest_recorder, axis_camera, building, lts_camera, printer

LEGACY = Path(__file__).with_name("data") / "legacy-v1.sqlite3"
LTS = "mac:44:19:b6:12:34:56"


def _count(h: History, table: str) -> int:
    with h.transaction() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_device_identity_prefers_mac_then_serial_then_wsd_then_address() -> None:
    assert device_key(lts_camera()) == LTS
    assert device_key(Device(address="192.0.2.1", mac="44-19-B6-12-34-56")) == LTS
    assert device_key(amcrest_recorder()) == "serial:AMC0123456789ABCDEF"
    wsd = Device(
        address="192.0.2.9",
        observations=[Observation(signal="wsd.endpoint", value="urn:uuid:1234-abcd")],
    )
    assert device_key(wsd) == "wsd:urn:uuid:1234-abcd"
    assert device_key(Device(address="192.0.2.8")) == "ip:192.0.2.8"
    sadp = Device(
        address="192.0.2.7", observations=[Observation(signal="sadp.DeviceSN", value=" DS-1X ")]
    )
    assert device_key(sadp) == "serial:DS-1X"
    placeholder = Device(
        address="192.0.2.6", observations=[Observation(signal="onvif.serial", value="00000000")]
    )
    assert device_key(placeholder) == "ip:192.0.2.6"


def _routed(address: str, serial: str, endpoint: str) -> Device:
    """A camera on another subnet (no MAC) reporting a serial and a WS-Discovery endpoint."""
    return Device(
        address=address,
        observations=[
            Observation(signal="onvif.serial", value=serial),
            Observation(signal="wsd.endpoint", value=endpoint),
        ],
    )


def test_devices_sharing_a_key_are_both_kept_and_fall_back_to_the_next_key() -> None:
    a = _routed("198.51.100.10", "SAMEBATCH01", "urn:uuid:fixed-in-firmware")
    b = _routed("198.51.100.11", "SAMEBATCH01", "urn:uuid:fixed-in-firmware")
    c = _routed("198.51.100.12", "UNIQUE-777", "urn:uuid:fixed-in-firmware")
    keys, shared = assign_keys([a, b, c])
    assert keys == ["ip:198.51.100.10", "ip:198.51.100.11", "serial:UNIQUE-777"]
    assert shared == {"serial:SAMEBATCH01", "wsd:urn:uuid:fixed-in-firmware"}
    assert len(states_of(building([a, b, c]))) == 3  # nobody is dropped


def test_shared_key_stays_retired_at_the_site_so_the_diff_does_not_flap(
    target: StoreTarget,
) -> None:
    a = _routed("198.51.100.10", "SAMEBATCH01", "urn:uuid:a")
    b = _routed("198.51.100.11", "SAMEBATCH01", "urn:uuid:b")
    with History(target, site="hq") as h:
        first = h.record(building([a, b]))
        second = h.record(building([a]))  # b is off tonight: a must not become serial:…
        third = h.record(building([a, b]))
        assert sorted(h.states(first)) == ["wsd:urn:uuid:a", "wsd:urn:uuid:b"]
        assert sorted(h.states(second)) == ["wsd:urn:uuid:a"]
        assert sorted(h.states(third)) == ["wsd:urn:uuid:a", "wsd:urn:uuid:b"]
        assert h.keys_for(building([a])) == ["wsd:urn:uuid:a"]
    with History(target, site="depot") as h:  # another site never saw the collision
        assert h.keys_for(building([a])) == ["serial:SAMEBATCH01"]


def test_record_and_read_back(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        first = h.record(building())
        second = h.record(building(complete=False))
        assert [r.id for r in h.runs()] == [second, first]
        assert [r.id for r in h.runs(complete_only=True)] == [first]
        assert h.run(first).site == "hq"
        states = h.states(first)
        assert len(states) == 5
        lts = states[LTS]
        assert (lts.vendor, lts.brand, lts.firmware, lts.restricted) == (
            "Hikvision", "LTS", "V5.5.82", True,
        )  # fmt: skip
        assert lts.ports == (80, 554)
        assert lts.policies == ("us-ndaa-889", "us-fcc-covered")
        assert lts.clauses == ("§889(f)(3)(B)", "47 CFR §1.50002")
        obs = h.observations(first, LTS)
        assert ("http.server", "App-webs/", 80, "http") in obs
        assert h.resolve("44-19-B6-12-34-56") == [LTS]
        assert h.resolve("192.0.2.30") == ["serial:AMC0123456789ABCDEF"]
        assert [r.id for r, _ in h.device_history(LTS)] == [first, second]  # time order


def test_storage_grows_with_change_not_with_runs(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        for _ in range(6):
            h.record(building())
        assert (_count(h, "runs"), _count(h, "states"), _count(h, "spans")) == (6, 5, 5)
        observations = _count(h, "observations")
        h.record(building([lts_camera(firmware="V5.7.3"), axis_camera(), printer()]))
        assert _count(h, "states") == 6  # only the re-flashed camera got a new state
        assert _count(h, "observations") == observations + len(lts_camera().observations)
        assert len(h.states(h.runs(1)[0].id)) == 3


def test_sites_are_kept_apart_and_read_together(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        hq = h.record(building([lts_camera(), axis_camera()]))
    with History(target, site="depot") as h:
        depot = h.record(building([lts_camera("192.0.2.99"), printer()]))
        assert [r.id for r in h.runs()] == [depot]
        assert sorted(h.states(depot)) == ["mac:00:1b:a9:aa:bb:cc", LTS]
    with History(target, site="all") as h:
        assert {(r.id, r.site) for r in h.runs()} == {(hq, "hq"), (depot, "depot")}
        assert h.resolve(LTS) == [f"depot/{LTS}", f"hq/{LTS}"]
        with pytest.raises(HistoryError, match="one site"):
            h.record(building())


def _inject_failure(h: History) -> None:
    """A real database error in the middle of a run's transaction (a trigger)."""
    with h.transaction() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER boom BEFORE INSERT ON observations "
                "WHEN NEW.signal = 'http.server' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.signal = 'http.server' THEN RAISE EXCEPTION 'disk on fire'; END IF; "
                "RETURN NEW; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER boom BEFORE INSERT ON observations FOR EACH ROW "
                "EXECUTE FUNCTION boom()"
            )


def test_failed_run_leaves_history_untouched(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        h.record(building([axis_camera()]))
        _inject_failure(h)
        with pytest.raises(HistoryError, match="disk on fire"):
            h.record(building())
        assert len(h.runs()) == 1
        assert (_count(h, "states"), _count(h, "devices"), _count(h, "spans")) == (1, 1, 1)
        with h.transaction() as conn:
            conn.exec_driver_sql(
                "DROP TRIGGER boom" + ("" if target.is_sqlite else " ON observations")
            )
        h.record(building())
        assert len(h.runs()) == 2


def test_existing_first_schema_history_migrates_in_place(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    shutil.copy(LEGACY, db)  # written by camscan's first history code (PRAGMA user_version 1)
    with History(db, site="old-building") as h:
        pass  # the migrated runs belong to the default site, not to this one
    with History(db, site="all") as h:
        runs = h.runs()
        assert [(r.devices, r.restricted) for r in runs] == [(3, 1), (4, 1)]
        site = runs[0].site
    with History(db, site=site) as h:
        old, new = sorted(r.id for r in h.runs())
        assert sorted(h.states(old)) == [
            "mac:00:1b:a9:aa:bb:cc", LTS, "mac:ac:cc:8e:01:02:03", "serial:AMC0123456789ABCDEF",
        ]  # fmt: skip
        assert h.states(new)[LTS].firmware == "V5.7.3"
        assert h.states(new)["mac:ac:cc:8e:01:02:03"].address == "192.0.2.41"
        assert ("http.server", "App-webs/", 80, "http") in h.observations(old, LTS)
        ack = h.acks()[LTS]
        assert (ack.reason, ack.until) == ("replacement ordered", date(2030, 1, 31))
        h.record(building())  # and it records on
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SQLITE_SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
    assert not list(conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'legacy%'"))
    conn.close()


def test_corrupt_database_is_reported_and_never_overwritten(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    garbage = b"this is not sqlite\x00" * 300
    db.write_bytes(garbage)
    with pytest.raises(HistoryError, match=r"unreadable.*left untouched"):
        History(db).open()
    assert db.read_bytes() == garbage


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE accounts (id INTEGER)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(HistoryError, match="not a camscan history database"):
        History(db).open()
    assert db.read_bytes() == before


def test_newer_schema_is_refused(target: StoreTarget, tmp_path: Path) -> None:
    with History(target):
        pass
    if target.path is not None:
        conn = sqlite3.connect(target.path)
        conn.execute(f"PRAGMA user_version = {SQLITE_SCHEMA_VERSION + 1}")
        conn.close()
        with pytest.raises(HistoryError, match="newer than this camscan"):
            History(target).open()
        conn = sqlite3.connect(target.path)
        conn.execute(f"PRAGMA user_version = {SQLITE_SCHEMA_VERSION}")
        conn.close()
    with History(target) as h, h.transaction() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(HistoryError, match="revision 9999 is newer than this camscan"):
        History(target).open()


def test_lock_blocks_a_second_process_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from camscan.store import run_lock
        with run_lock(Path({str(db)!r}), "hq"):
            print("held", flush=True)
            time.sleep(30)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"held"
        busy = rf"pid {proc.pid}\) is recording site hq"
        with pytest.raises(HistoryLocked, match=busy), run_lock(db, "hq"):
            pass
        with run_lock(db, "depot"):  # another site records meanwhile
            pass
    finally:
        proc.terminate()
        proc.wait()
    with run_lock(db, "hq"), run_lock(db, "hq"):  # free again, and re-entrant within a process
        pass


def test_acks_apply_until_their_last_day_and_stale_ones_are_cleared(target: StoreTarget) -> None:
    with History(target, site="hq") as h:
        h.add_ack(LTS, "scheduled for replacement", date(2026, 12, 31))
        acks = h.acks()
        keys = h.keys_for(building())
    doc = apply_acks(building(), acks, date(2026, 12, 31), keys)
    lts = next(d for d in doc.devices if d.mac == "44:19:b6:12:34:56")
    assert lts.policy.acknowledged == "scheduled for replacement (until 2026-12-31)"
    assert lts.policy.restricted  # still reported as restricted, just acknowledged
    # Expired: an acknowledgement the document still carries is cleared, not kept.
    later = apply_acks(doc, acks, date(2027, 1, 1), keys)
    assert all(d.policy.acknowledged is None for d in later.devices)
    with History(target, site="hq") as h:
        assert h.remove_ack(LTS)
        removed = h.apply_acks(doc, date(2026, 12, 1))
    assert all(d.policy.acknowledged is None for d in removed.devices)


def test_an_all_sites_ack_holds_everywhere_and_a_site_ack_only_there(target: StoreTarget) -> None:
    with History(target, site="all") as h:
        h.add_ack(LTS, "estate-wide exemption")
    with History(target, site="hq") as h:
        h.add_ack("serial:AMC0123456789ABCDEF", "hq only")
        assert set(h.acks()) == {LTS, "serial:AMC0123456789ABCDEF"}
    with History(target, site="depot") as h:
        assert set(h.acks()) == {LTS}


def test_prune_keeps_recent_runs_and_what_they_reference(target: StoreTarget) -> None:
    day = datetime(2025, 1, 1, 2, tzinfo=UTC)
    with History(target, site="hq") as h:
        ids = [
            h.record(building(), recorded_at=(day + timedelta(days=i)).isoformat())
            for i in range(5)
        ]
        h.record(
            building([lts_camera(firmware="V9")]),
            recorded_at=(day + timedelta(days=5)).isoformat(),
        )
        assert h.prune(day + timedelta(days=3)) == 3
        runs = sorted(r.id for r in h.runs())
        assert runs == [ids[3], ids[4], ids[5 - 1] + 1]
        assert len(h.states(ids[3])) == 5
        assert [r.id for r, _ in h.device_history(LTS)] == runs
        assert h.prune(day + timedelta(days=10)) == 3
        assert (_count(h, "states"), _count(h, "devices"), _count(h, "observations")) == (0, 0, 0)


def test_password_in_url_is_refused_with_the_ways_to_give_it() -> None:
    with pytest.raises(HistoryError, match=r"must not contain a password.*PGPASSWORD.*pgpass"):
        parse_target("postgresql://camscan:secret@127.0.0.1/history")
    with pytest.raises(HistoryError, match=r"\$NOPE is not set"):
        parse_target("postgresql://camscan@127.0.0.1/h", password_env="NOPE", env={})
    with pytest.raises(HistoryError, match=r"SQLite.*postgresql://"):
        parse_target("mysql://camscan@127.0.0.1/h")
    assert "secret" not in repr(
        parse_target("postgresql://c@127.0.0.1/h", password_env="P", env={"P": "secret"})
    )


def test_password_sources_against_a_real_server(
    pg_server: pgserver.PgServer, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    with pytest.raises(HistoryError, match="cannot open history database") as refused:
        History(parse_target(pg_url)).open()
    assert pg_server.password not in str(refused.value)
    secret = tmp_path / "db-password"
    secret.write_text(pg_server.password + "\n")
    with History(parse_target(pg_url, password_file=secret), site="hq") as h:
        h.record(building())
    monkeypatch.setenv("PGPASSWORD", pg_server.password)  # libpq's own variable
    with History(parse_target(pg_url), site="hq") as h:
        assert len(h.runs()) == 1
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_server.port}:*:camscan:{pg_server.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))  # ~/.pgpass, by its variable
    with History(parse_target(pg_url), site="hq") as h:
        assert len(h.runs()) == 1
