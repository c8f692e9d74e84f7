"""The history store of one site (or, for reading, of every site): open, migrate, record, read.

``with History(target, site="hq") as h:`` opens the database (creating and migrating it; a
SQLite file that is not a camscan history is refused and left untouched), and every method
runs its own transaction. ``site="all"`` reads every site; recording needs one site.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from camscan import diff as run_diff  # a module: camscan.diff imports camscan.store.identity
from camscan.estate import Estate
from camscan.models import ScanDocument
from camscan.store import acks as ack_store
from camscan.store import ingest, queries, schema
from camscan.store.engine import (
    SITE_ALL,
    HistoryError,
    StoreTarget,
    check_site,
    default_site,
    make_engine,
    parse_target,
    sqlite_directory,
)
from camscan.store.estate import build_estate
from camscan.store.identity import DeviceState, assign_keys
from camscan.store.queries import RunInfo

SQLITE_APPLICATION_ID = 0x63616D73  # "cams": tells our database from any other SQLite file
_MIGRATION_LOCK = 0x63616D74


def now_iso() -> str:
    """The current UTC time as history stores it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _create_sqlite(path: Path) -> None:
    """Create a new SQLite history file, readable by its owner only (0600, like the reports),
    in a directory :func:`sqlite_directory` accepts; :class:`HistoryError` says why not."""
    sqlite_directory(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return
    except OSError as exc:
        raise HistoryError(
            f"{path}: cannot create history database: {exc.strerror or exc}"
        ) from None


def _check_sqlite(path: Path) -> bool:
    """Refuse a file that is not ours or is newer; True when it is a first-schema history."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rwc", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: cannot open history database: {exc}") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if app_id != SQLITE_APPLICATION_ID and (app_id != 0 or names):
            raise HistoryError(
                f"{path}: not a camscan history database; camscan will not modify it "
                "(choose another --db)"
            )
        if version > schema.SQLITE_SCHEMA_VERSION:
            raise HistoryError(
                f"{path}: history schema {version} is newer than this camscan understands "
                f"({schema.SQLITE_SCHEMA_VERSION}); upgrade camscan"
            )
        conn.execute("PRAGMA journal_mode = WAL")
        return version == 1 and "alembic_version" not in names
    except sqlite3.DatabaseError as exc:
        raise HistoryError(
            f"{path}: history database is unreadable ({exc}); it was left untouched "
            "— move it aside to start a new history"
        ) from exc
    finally:
        conn.close()


class History:
    """The history database; use as a context manager."""

    def __init__(self, target: StoreTarget | Path | str, site: str | None = None) -> None:
        self.target = target if isinstance(target, StoreTarget) else parse_target(target)
        self.site = check_site(site or default_site(), allow_all=True)
        self._engine: Engine | None = None

    def __enter__(self) -> History:
        self.open()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The open engine."""
        if self._engine is None:
            raise HistoryError(f"{self.target}: history database is not open")
        return self._engine

    @property
    def reading_site(self) -> str | None:
        """The site to read (None: every site)."""
        return None if self.site == SITE_ALL else self.site

    def open(self) -> None:
        """Open (creating or migrating) the database."""
        legacy = False
        if self.target.path is not None:
            _create_sqlite(self.target.path)
            legacy = _check_sqlite(self.target.path)
        engine = make_engine(self.target)
        try:
            with engine.connect() as conn:
                current = schema.current_revision(conn)
                conn.rollback()
            if current is not None and not schema.known_revision(current):
                raise HistoryError(
                    f"{self.target}: history revision {current} is newer than this camscan "
                    "understands; upgrade camscan"
                )
            if current != schema.head_revision():
                with engine.begin() as conn:
                    self._migrate(conn, legacy)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise HistoryError(f"{self.target}: cannot open history database: {_why(exc)}") from exc
        except HistoryError:
            engine.dispose()
            raise
        self._engine = engine

    def _migrate(self, conn: Connection, legacy: bool) -> None:
        if conn.dialect.name == "postgresql":  # two scanners meeting an empty database
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        if schema.current_revision(conn) == schema.head_revision():
            return
        schema.upgrade(conn, stamp_legacy=legacy)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA application_id = {SQLITE_APPLICATION_ID}")
            conn.exec_driver_sql(f"PRAGMA user_version = {schema.SQLITE_SCHEMA_VERSION}")

    def at_site(self, site: str) -> History:
        """The same open database as another site (shares the engine: close only ``self``)."""
        other = History(self.target, site)
        other._engine = self.engine
        return other

    def close(self) -> None:
        """Release the engine."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; database errors become HistoryError."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except (OperationalError, DBAPIError) as exc:
            raise HistoryError(f"{self.target}: {_why(exc)}") from exc

    def _writing_site(self) -> str:
        if self.site == SITE_ALL:
            raise HistoryError("recording needs one site, not --site all")
        return self.site

    # --- identity and acknowledgements ------------------------------------------------------

    def keys_for(self, doc: ScanDocument) -> list[str]:
        """The identity key of each device of ``doc`` at this site."""
        with self.transaction() as conn:
            site_id = ingest.site_id(conn, self._writing_site(), create=False)
            if site_id is None:
                return assign_keys(doc.devices)[0]
            ambiguous = ingest.ambiguous_for(conn, site_id)
            return assign_keys(doc.devices, ambiguous, ingest.channel_keys(conn, site_id))[0]

    def states_of(self, doc: ScanDocument) -> dict[str, DeviceState]:
        """The devices of ``doc`` by their identity at this site."""
        keys = self.keys_for(doc)
        return {k: DeviceState.of(d, k) for k, d in zip(keys, doc.devices, strict=True)}

    def apply_acks(self, doc: ScanDocument, today: date) -> ScanDocument:
        """``doc`` with this site's active acknowledgements (and no stale ones)."""
        return ack_store.apply_acks(doc, self.acks(), today, self.keys_for(doc))

    def acks(self) -> dict[str, ack_store.Ack]:
        """The acknowledgements that apply at this site, by key."""
        with self.transaction() as conn:
            return ack_store.acks_for(conn, self._writing_site())

    def all_acks(self) -> list[ack_store.Ack]:
        """Every acknowledgement of this site (or of every site)."""
        with self.transaction() as conn:
            return ack_store.list_acks(conn, self.reading_site)

    def add_ack(self, key: str, reason: str, until: date | None = None) -> ack_store.Ack:
        """Acknowledge a device at this site (``--site all``: at every site)."""
        site = schema.ALL_SITES if self.site == SITE_ALL else self.site
        ack = ack_store.Ack(site=site, key=key, reason=reason, until=until, created_at=now_iso())
        with self.transaction() as conn:
            ack_store.upsert_ack(conn, ack)
        return ack

    def remove_ack(self, key: str) -> bool:
        """Withdraw an acknowledgement; False when there was none."""
        site = schema.ALL_SITES if self.site == SITE_ALL else self.site
        with self.transaction() as conn:
            return ack_store.delete_ack(conn, site, key)

    # --- recording -------------------------------------------------------------------------

    def record(self, doc: ScanDocument, *, recorded_at: str | None = None) -> int:
        """Store one run of this site in one transaction; returns its id."""
        site = self._writing_site()
        with self.transaction() as conn:
            site_id = ingest.site_id(conn, site, create=True)
            assert site_id is not None
            ingest.lock_site(conn, site_id)
            keys, shared = assign_keys(doc.devices, ingest.ambiguous_for(conn, site_id),
                                       ingest.channel_keys(conn, site_id))  # fmt: skip
            entries = [
                ingest.Entry(DeviceState.of(d, k), d.observations)
                for k, d in zip(keys, doc.devices, strict=True)
            ]
            run = {
                "recorded_at": recorded_at or now_iso(),
                "started_at": doc.started_at.isoformat() if doc.started_at else None,
                "finished_at": doc.finished_at.isoformat() if doc.finished_at else None,
                "complete": doc.complete,
                "interrupted": doc.interrupted,
                "scope": json.dumps(doc.scope),
                "ports": json.dumps(doc.ports) if doc.ports else None,
                "recorders": json.dumps(run_diff.recorder_outcomes(doc)),
                "unread": json.dumps(run_diff.unread_outcomes(doc, keys)),
                "tool": doc.tool.model_dump_json(),
            }
            return ingest.write_run(conn, site_id, run, entries, shared)

    def recorded_as(self, doc: ScanDocument) -> int | None:
        """The run of this site that recorded ``doc`` already: same start, finish and scope, and
        the same devices (None also for a document without a start time)."""
        if doc.started_at is None:
            return None
        end = doc.finished_at.isoformat() if doc.finished_at else None
        with self.transaction() as conn:
            like = queries.runs_like(conn, self._writing_site(), doc.started_at.isoformat(),
                                     end, json.dumps(doc.scope))  # fmt: skip
        keys = set(self.keys_for(doc)) if like else set()
        return next((r for r in like if set(self.states(r)) == keys), None)

    def mark_notified(self, run_id: int, delivered: bool) -> None:
        """Say whether the run's mail was delivered (a failed one is mailed again next run)."""
        with self.transaction() as conn:
            conn.execute(
                schema.runs.update().where(schema.runs.c.id == run_id).values(notified=delivered)
            )

    def prune(self, older_than: datetime) -> int:
        """Delete this site's (or every site's) runs recorded before ``older_than``."""
        cutoff = older_than.astimezone(UTC).isoformat(timespec="seconds")
        with self.transaction() as conn:
            return queries.prune(conn, cutoff, self.reading_site)

    # --- reading ---------------------------------------------------------------------------

    def runs(
        self, limit: int = 20, *, complete_only: bool = False, usable_for_mail: bool = False
    ) -> list[RunInfo]:
        """The most recent runs of this site (or every site), newest first."""
        with self.transaction() as conn:
            return queries.list_runs(
                conn, self.reading_site, limit, complete_only=complete_only,
                usable_for_mail=usable_for_mail,
            )  # fmt: skip

    def site_names(self) -> list[str]:
        """Every site in the history, by name."""
        with self.transaction() as conn:
            query = select(schema.sites.c.name).order_by(schema.sites.c.name)
            return [str(n) for n in conn.execute(query).scalars()]

    def sites_with_runs(self) -> list[str]:
        """Every site that has at least one recorded run, by name."""
        with self.transaction() as conn:
            query = (
                select(schema.sites.c.name)
                .where(select(schema.runs.c.id).where(
                    schema.runs.c.site_id == schema.sites.c.id).exists())
                .order_by(schema.sites.c.name)
            )  # fmt: skip
            return [str(n) for n in conn.execute(query).scalars()]

    def run(self, run_id: int) -> RunInfo:
        """One run by id."""
        with self.transaction() as conn:
            info = queries.get_run(conn, run_id)
        if info is None:
            raise HistoryError(f"{self.target}: no run {run_id}")
        return info

    def states(self, run_id: int) -> dict[str, DeviceState]:
        """The devices of one run by identity."""
        run = self.run(run_id)
        with self.transaction() as conn:
            return queries.states_at(conn, run)

    def keys_seen(self, run_id: int) -> set[str]:
        """Keys the run's site saw in that run or before."""
        run = self.run(run_id)
        with self.transaction() as conn:
            return queries.keys_seen(conn, run.site, run.id)

    def resolve(self, ref: str) -> list[str]:
        """Identity keys matching a reference at this site (every site: ``site/key``)."""
        with self.transaction() as conn:
            found = queries.resolve(conn, self.reading_site, ref)
        if self.reading_site is None:
            return [f"{s}/{k}" for s, k in found]
        return [k for _, k in found]

    def device_history(self, key: str, limit: int = 20) -> list[tuple[RunInfo, DeviceState]]:
        """One device at this site across runs, oldest first (``site/key`` with --site all)."""
        site = self.reading_site
        if site is None:
            site, _, key = key.partition("/")
        with self.transaction() as conn:
            return queries.device_history(conn, site, key, limit)

    def compare(self, old: RunInfo, new: RunInfo) -> run_diff.RunDiff:
        """What changed from run ``old`` to run ``new``, over what both looked at."""
        known = self.keys_seen(old.id) if old.site == new.site else set()
        diff = run_diff.diff_states(
            self.states(old.id), self.states(new.id), known,
            old_cov=coverage(old), new_cov=coverage(new),
        )  # fmt: skip
        notes = [
            f"run {r.id} was {state_word(r)}: a device it did not reach is not counted as gone "
            "or new"
            for r in (old, new) if not (r.complete and not r.interrupted)
        ]  # fmt: skip
        return replace(diff, notes=(*notes, *diff.notes))

    def compare_scan(self, old: RunInfo, doc: ScanDocument) -> run_diff.RunDiff:
        """What changed from run ``old`` to a new scan document (before it is recorded)."""
        keys = self.keys_for(doc)
        now = {k: DeviceState.of(d, k) for k, d in zip(keys, doc.devices, strict=True)}
        return run_diff.diff_states(
            self.states(old.id), now, self.keys_seen(old.id),
            old_cov=coverage(old),
            new_cov=run_diff.Coverage("this scan", tuple(doc.scope), tuple(doc.ports) or None,
                             doc.complete and not doc.interrupted,
                             run_diff.recorder_outcomes(doc),
                             run_diff.unread_outcomes(doc, keys)),
        )  # fmt: skip

    def estate(self, since: date | None = None, today: date | None = None) -> Estate:
        """The organisation report's data for this site (or every site)."""
        with self.transaction() as conn:
            return build_estate(conn, self.reading_site, since=since, today=today)

    def observations(self, run_id: int, key: str) -> list[tuple[str, str, int | None, str]]:
        """The observations stored for one device of one run."""
        run = self.run(run_id)
        with self.transaction() as conn:
            return queries.observations_at(conn, run, key)


def state_word(run: RunInfo) -> str:
    """'interrupted', 'complete' or 'partial'."""
    return "interrupted" if run.interrupted else ("complete" if run.complete else "partial")


def coverage(run: RunInfo) -> run_diff.Coverage:
    """What a recorded run looked at."""
    return run_diff.Coverage(
        f"run {run.id}",
        run.scope,
        run.ports,
        run.complete and not run.interrupted,
        run.recorders,
        run.unread,
    )


def _why(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0]
