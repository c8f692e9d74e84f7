"""Scan history in SQLite: runs, the devices seen in each, their observations, and acks.

One run is written in one transaction, so an interrupted or failed run never damages earlier
history. Schema changes go through ``PRAGMA user_version`` migrations; a file that is not a
camscan history database is reported and never overwritten. A lock file (fcntl) keeps two
runs from recording at once.

Device identity across runs: MAC, else serial number (ONVIF / SADP / DHIP / UPnP), else the
WS-Discovery endpoint, else the address. A device that moves address keeps its identity.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import platformdirs

from camscan.facts import ports
from camscan.models import Device, PolicyResult, ScanDocument
from camscan.oui import normalise_mac

APPLICATION_ID = 0x63616D73  # "cams": tells our database from any other SQLite file
SERIAL_SIGNALS = ("onvif.serial", "sadp.DeviceSN", "dhip.SerialNo", "upnp.serial")

_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        complete INTEGER NOT NULL,
        interrupted INTEGER NOT NULL,
        scope TEXT NOT NULL,
        tool TEXT NOT NULL,
        device_count INTEGER NOT NULL,
        restricted_count INTEGER NOT NULL
    );
    CREATE TABLE devices (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        address TEXT NOT NULL,
        mac TEXT,
        serial TEXT,
        vendor TEXT,
        brand TEXT,
        model TEXT,
        firmware TEXT,
        device_type TEXT NOT NULL,
        confidence REAL NOT NULL,
        restricted INTEGER NOT NULL,
        suspected INTEGER NOT NULL,
        acknowledged TEXT,
        policies TEXT NOT NULL,
        ports TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    );
    CREATE INDEX devices_key ON devices(key);
    CREATE TABLE observations (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        signal TEXT NOT NULL,
        value TEXT NOT NULL,
        port INTEGER,
        source TEXT NOT NULL
    );
    CREATE INDEX observations_run ON observations(run_id, key);
    CREATE TABLE acks (
        key TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        until TEXT,
        created_at TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


class HistoryError(RuntimeError):
    """The history database cannot be used; the message says which file and why."""


class HistoryLocked(HistoryError):
    """Another camscan run is recording to the same database."""


def default_db_path() -> Path:
    """The history database in the user data directory (e.g. ~/.local/share/camscan)."""
    return Path(platformdirs.user_data_dir("camscan")) / "history.sqlite3"


def _norm_mac(mac: str) -> str:
    """A MAC in the one form history keys use; anything else kept as given, lower-cased."""
    return normalise_mac(mac) or mac.strip().lower()


def serial_of(device: Device) -> str | None:
    """The serial number the device reported, if any protocol gave one."""
    for signal in SERIAL_SIGNALS:
        for o in device.observations:
            if o.signal == signal and o.value.strip():
                return o.value.strip()
    return device.identification.serial


def device_key(device: Device) -> str:
    """A device's identity across runs: mac:…, serial:…, wsd:… or ip:…."""
    if device.mac:
        return "mac:" + _norm_mac(device.mac)
    if serial := serial_of(device):
        return "serial:" + serial
    for o in device.observations:
        if o.signal == "wsd.endpoint" and o.value.strip():
            return "wsd:" + o.value.strip()
    return "ip:" + device.address


@dataclass(frozen=True)
class DeviceState:
    """What history keeps of one device in one run; what diff compares."""

    key: str
    address: str
    mac: str | None
    serial: str | None
    vendor: str | None
    brand: str | None
    model: str | None
    firmware: str | None
    device_type: str
    confidence: float
    restricted: bool
    suspected: bool
    acknowledged: str | None
    policies: tuple[str, ...]
    ports: tuple[int, ...]

    @classmethod
    def of(cls, device: Device) -> DeviceState:
        """The state of a device from a scan document."""
        ident = device.identification
        return cls(
            key=device_key(device),
            address=device.address,
            mac=_norm_mac(device.mac) if device.mac else None,
            serial=serial_of(device),
            vendor=ident.vendor,
            brand=ident.brand,
            model=ident.model,
            firmware=ident.firmware,
            device_type=ident.device_type,
            confidence=ident.confidence,
            restricted=device.policy.restricted,
            suspected=device.policy.suspected,
            acknowledged=device.policy.acknowledged,
            policies=tuple(dict.fromkeys(m.policy for m in device.policy.matches)),
            ports=tuple(ports(device)),
        )


def states_of(doc: ScanDocument) -> dict[str, DeviceState]:
    """Device states of a document by identity (the first device wins a shared identity)."""
    out: dict[str, DeviceState] = {}
    for d in doc.devices:
        state = DeviceState.of(d)
        out.setdefault(state.key, state)
    return out


@dataclass(frozen=True)
class RunInfo:
    """One recorded run."""

    id: int
    recorded_at: str
    started_at: str | None
    complete: bool
    interrupted: bool
    scope: tuple[str, ...]
    devices: int
    restricted: int


@dataclass(frozen=True)
class Ack:
    """An acknowledged device: it still shows in reports but no longer fails the run."""

    key: str
    reason: str
    until: date | None
    created_at: str

    def active(self, today: date) -> bool:
        """True until the end of the ``until`` day."""
        return self.until is None or today <= self.until


def apply_acks(doc: ScanDocument, acks: Mapping[str, Ack], today: date) -> ScanDocument:
    """Mark the devices with an active acknowledgement (reason kept in ``policy.acknowledged``)."""
    devices = []
    for d in doc.devices:
        ack = acks.get(device_key(d))
        if ack is not None and ack.active(today) and d.policy.acknowledged != ack.reason:
            policy = PolicyResult(
                restricted=d.policy.restricted,
                suspected=d.policy.suspected,
                matches=d.policy.matches,
                acknowledged=ack.reason,
            )
            d = d.model_copy(update={"policy": policy})
        devices.append(d)
    return doc.model_copy(update={"devices": devices})


_HELD: dict[Path, int] = {}


@contextmanager
def run_lock(db: Path) -> Iterator[None]:
    """Hold ``<db>.lock`` for the duration of a run; re-entrant within one process."""
    lock = db.with_name(db.name + ".lock")
    key = lock.resolve()
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise HistoryLocked(
                f"another camscan run (pid {holder}) is recording to {db}; "
                "wait for it to finish, or use --no-db / another --db"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD[key] = 1
        try:
            yield
        finally:
            del _HELD[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class History:
    """The history database; use as a context manager (``with History(path) as h:``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> History:
        self.open()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection."""
        if self._conn is None:
            raise HistoryError(f"{self.path}: history database is not open")
        return self._conn

    def open(self) -> None:
        """Open (creating or migrating) the database; refuse anything that is not ours."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot open history database: {exc}") from exc
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id != APPLICATION_ID and (app_id != 0 or tables):
                raise HistoryError(
                    f"{self.path}: not a camscan history database; camscan will not "
                    "modify it (choose another --db)"
                )
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"{self.path}: history schema {version} is newer than this camscan "
                    f"understands ({SCHEMA_VERSION}); upgrade camscan"
                )
            conn.execute("PRAGMA journal_mode = WAL")
            self._migrate(conn, version)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise HistoryError(
                f"{self.path}: history database is unreadable ({exc}); it was left untouched "
                "— move it aside to start a new history"
            ) from exc
        except HistoryError:
            conn.close()
            raise
        self._conn = conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {number + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def record(self, doc: ScanDocument) -> int:
        """Store one run in one transaction; returns its id."""
        conn = self.conn
        states = states_of(doc)
        try:
            conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute(
                "INSERT INTO runs (recorded_at, started_at, finished_at, complete, interrupted,"
                " scope, tool, device_count, restricted_count) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    _now(),
                    doc.started_at.isoformat() if doc.started_at else None,
                    doc.finished_at.isoformat() if doc.finished_at else None,
                    int(doc.complete),
                    int(doc.interrupted),
                    json.dumps(doc.scope),
                    doc.tool.model_dump_json(),
                    len(states),
                    sum(1 for s in states.values() if s.restricted),
                ),
            )
            run_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO devices VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        run_id, s.key, s.address, s.mac, s.serial, s.vendor, s.brand, s.model,
                        s.firmware, s.device_type, s.confidence, int(s.restricted),
                        int(s.suspected), s.acknowledged, json.dumps(s.policies),
                        json.dumps(s.ports),
                    )
                    for s in states.values()
                ],
            )  # fmt: skip
            seen: set[str] = set()
            rows: list[tuple[int, str, str, str, int | None, str]] = []
            for d in doc.devices:
                key = device_key(d)
                if key in seen:
                    continue
                seen.add(key)
                rows.extend(
                    (run_id, key, o.signal, o.value, o.port, o.source) for o in d.observations
                )
            conn.executemany("INSERT INTO observations VALUES (?,?,?,?,?,?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return run_id

    @staticmethod
    def _run(row: tuple[object, ...]) -> RunInfo:
        return RunInfo(
            id=int(str(row[0])),
            recorded_at=str(row[1]),
            started_at=None if row[2] is None else str(row[2]),
            complete=bool(row[3]),
            interrupted=bool(row[4]),
            scope=tuple(json.loads(str(row[5]))),
            devices=int(str(row[6])),
            restricted=int(str(row[7])),
        )

    _RUN_COLUMNS = (
        "id, recorded_at, started_at, complete, interrupted, scope, device_count, restricted_count"
    )

    def runs(self, limit: int = 20, *, complete_only: bool = False) -> list[RunInfo]:
        """The most recent runs, newest first."""
        where = "WHERE complete = 1 AND interrupted = 0" if complete_only else ""
        rows = self.conn.execute(
            f"SELECT {self._RUN_COLUMNS} FROM runs {where} ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [self._run(r) for r in rows]

    def run(self, run_id: int) -> RunInfo:
        """One run by id."""
        row = self.conn.execute(
            f"SELECT {self._RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None:
            raise HistoryError(f"{self.path}: no run {run_id}")
        return self._run(row)

    @staticmethod
    def _state(row: tuple[object, ...]) -> DeviceState:
        return DeviceState(
            key=str(row[0]),
            address=str(row[1]),
            mac=None if row[2] is None else str(row[2]),
            serial=None if row[3] is None else str(row[3]),
            vendor=None if row[4] is None else str(row[4]),
            brand=None if row[5] is None else str(row[5]),
            model=None if row[6] is None else str(row[6]),
            firmware=None if row[7] is None else str(row[7]),
            device_type=str(row[8]),
            confidence=float(str(row[9])),
            restricted=bool(row[10]),
            suspected=bool(row[11]),
            acknowledged=None if row[12] is None else str(row[12]),
            policies=tuple(json.loads(str(row[13]))),
            ports=tuple(json.loads(str(row[14]))),
        )

    _STATE_COLUMNS = (
        "key, address, mac, serial, vendor, brand, model, firmware, device_type, confidence,"
        " restricted, suspected, acknowledged, policies, ports"
    )

    def states(self, run_id: int) -> dict[str, DeviceState]:
        """The devices of one run by identity."""
        rows = self.conn.execute(
            f"SELECT {self._STATE_COLUMNS} FROM devices WHERE run_id = ? ORDER BY key", (run_id,)
        ).fetchall()
        return {str(r[0]): self._state(r) for r in rows}

    def resolve(self, ref: str) -> list[str]:
        """Identity keys matching a user's reference: a key, MAC, serial or address."""
        ref = ref.strip()
        mac = _norm_mac(ref)
        rows = self.conn.execute(
            "SELECT DISTINCT key FROM devices WHERE key = ? OR mac = ? OR serial = ? OR address = ?"
            " ORDER BY key",
            (ref, mac, ref, ref),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def device_history(self, key: str, limit: int = 20) -> list[tuple[RunInfo, DeviceState]]:
        """One device across runs, newest first."""
        rows = self.conn.execute(
            f"SELECT {', '.join('r.' + c.strip() for c in self._RUN_COLUMNS.split(','))}, "
            f"{', '.join('d.' + c.strip() for c in self._STATE_COLUMNS.split(','))} "
            "FROM devices d JOIN runs r ON r.id = d.run_id WHERE d.key = ? "
            "ORDER BY r.id DESC LIMIT ?",
            (key, limit),
        ).fetchall()
        return [(self._run(r[:8]), self._state(r[8:])) for r in rows]

    def observations(self, run_id: int, key: str) -> list[tuple[str, str, int | None, str]]:
        """The observations stored for one device of one run."""
        rows = self.conn.execute(
            "SELECT signal, value, port, source FROM observations WHERE run_id = ? AND key = ?",
            (run_id, key),
        ).fetchall()
        return [
            (str(r[0]), str(r[1]), None if r[2] is None else int(r[2]), str(r[3])) for r in rows
        ]

    def add_ack(self, key: str, reason: str, until: date | None = None) -> Ack:
        """Acknowledge a device (replacing an earlier acknowledgement)."""
        ack = Ack(key=key, reason=reason, until=until, created_at=_now())
        with self._transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO acks VALUES (?,?,?,?)",
                (key, reason, until.isoformat() if until else None, ack.created_at),
            )
        return ack

    def remove_ack(self, key: str) -> bool:
        """Withdraw an acknowledgement; False when there was none."""
        with self._transaction():
            cur = self.conn.execute("DELETE FROM acks WHERE key = ?", (key,))
        return cur.rowcount > 0

    def acks(self) -> dict[str, Ack]:
        """Every acknowledgement (expired ones included) by identity key."""
        rows = self.conn.execute(
            "SELECT key, reason, until, created_at FROM acks ORDER BY key"
        ).fetchall()
        return {
            str(r[0]): Ack(
                key=str(r[0]),
                reason=str(r[1]),
                until=None if r[2] is None else date.fromisoformat(str(r[2])),
                created_at=str(r[3]),
            )
            for r in rows
        }

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
