"""History in real SQLite: identity, transactions, migrations, corruption, locking."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from camscan.models import Device, Observation
from camscan.store import (
    SCHEMA_VERSION,
    History,
    HistoryError,
    HistoryLocked,
    apply_acks,
    device_key,
    run_lock,
)
from tests.helpers import REPO
from tests.report.sample_docs import amcrest_recorder, axis_camera, building, lts_camera


def test_device_identity_prefers_mac_then_serial_then_wsd_then_address() -> None:
    assert device_key(lts_camera()) == "mac:44:19:b6:12:34:56"
    assert device_key(Device(address="192.0.2.1", mac="44-19-B6-12-34-56")) == (
        "mac:44:19:b6:12:34:56"
    )
    assert device_key(amcrest_recorder()) == "serial:AMC0123456789ABCDEF"
    wsd = Device(
        address="192.0.2.9",
        observations=[Observation(signal="wsd.endpoint", value="urn:uuid:1234-abcd")],
    )
    assert device_key(wsd) == "wsd:urn:uuid:1234-abcd"
    assert device_key(Device(address="192.0.2.8")) == "ip:192.0.2.8"
    sadp = Device(
        address="192.0.2.7", observations=[Observation(signal="sadp.DeviceSN", value=" DS-1 ")]
    )
    assert device_key(sadp) == "serial:DS-1"


def test_record_and_read_back(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        first = h.record(building())
        second = h.record(building(complete=False))
        assert [r.id for r in h.runs()] == [second, first]
        assert [r.id for r in h.runs(complete_only=True)] == [first]
        states = h.states(first)
        assert len(states) == 5
        lts = states["mac:44:19:b6:12:34:56"]
        assert (lts.vendor, lts.brand, lts.firmware, lts.restricted) == (
            "Hikvision", "LTS", "V5.5.82", True,
        )  # fmt: skip
        assert lts.ports == (80, 554)
        assert lts.policies == ("us-ndaa-889", "us-fcc-covered")
        obs = h.observations(first, "mac:44:19:b6:12:34:56")
        assert ("http.server", "App-webs/", 80, "http") in obs
        assert h.resolve("44-19-B6-12-34-56") == ["mac:44:19:b6:12:34:56"]
        assert h.resolve("192.0.2.30") == ["serial:AMC0123456789ABCDEF"]
        assert len(h.device_history("mac:44:19:b6:12:34:56")) == 2
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_failed_run_leaves_history_untouched(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        h.record(building())
        # a real SQLite failure in the middle of the run's transaction
        h.conn.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON observations WHEN NEW.signal = 'onvif.model' "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
        with pytest.raises(sqlite3.IntegrityError, match="disk on fire"):
            h.record(building())
        assert len(h.runs()) == 1
        assert h.conn.execute("SELECT count(*) FROM devices").fetchone()[0] == 5
        h.conn.execute("DROP TRIGGER boom")
        h.record(building())
        assert len(h.runs()) == 2


def test_killed_writer_never_damages_earlier_runs(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    with History(db) as h:
        h.record(building())
    # A separate process records a big run and is SIGKILLed while writing.
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from camscan.models import Observation
        from camscan.store import History
        from tests.report.sample_docs import building, lts_camera
        from pathlib import Path
        many = [Observation(signal="http.body", value="x" * 200)] * 20000
        devs = [
            lts_camera(f"192.0.2.{{i}}").model_copy(
                update={{"mac": f"02:00:00:00:00:{{i:02x}}", "observations": many}}
            )
            for i in range(1, 60)
        ]
        with History(Path({str(db)!r})) as h:
            print("go", flush=True)
            while True:
                h.record(building(devs))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"go"
        time.sleep(0.3)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with History(db) as h:
        assert h.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = sorted(h.runs(1000), key=lambda r: r.id)
        assert runs[0].devices == 5
        assert len(h.states(runs[0].id)) == 5
        for run in runs[1:]:  # every run that made it in is whole
            assert len(h.states(run.id)) == run.devices == 59


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


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    with History(db):
        pass
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(HistoryError, match="newer than this camscan"):
        History(db).open()


def test_lock_blocks_a_second_process_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from camscan.store import run_lock
        with run_lock(Path({str(db)!r})):
            print("held", flush=True)
            time.sleep(30)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"held"
        with pytest.raises(HistoryLocked, match=rf"pid {proc.pid}\) is recording"), run_lock(db):
            pass
    finally:
        proc.terminate()
        proc.wait()
    with run_lock(db), run_lock(db):  # free again, and re-entrant within a process
        pass


def test_acks_apply_until_their_last_day(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as h:
        h.add_ack("mac:44:19:b6:12:34:56", "scheduled for replacement", date(2026, 12, 31))
        acks = h.acks()
    doc = apply_acks(building(), acks, date(2026, 12, 31))
    lts = next(d for d in doc.devices if d.mac == "44:19:b6:12:34:56")
    assert lts.policy.acknowledged == "scheduled for replacement"
    assert lts.policy.restricted  # still reported as restricted, just acknowledged
    later = apply_acks(building(), acks, date(2027, 1, 1))
    assert all(d.policy.acknowledged is None for d in later.devices)
    assert axis_camera().policy.acknowledged is None
