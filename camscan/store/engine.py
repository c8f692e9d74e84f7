"""Where history lives: a SQLite file or a PostgreSQL server, and the SQLAlchemy engine for it.

``--db`` / ``[history] db`` is a path (SQLite; the default is ``history.sqlite3`` in the user
data directory) or a ``postgresql://user@host:port/dbname`` URL. A URL that embeds a password
is refused: it would show in ``ps``, shell history and logs. The password comes from
``[history] password_env`` (a variable name), ``[history] password_file``, or libpq's own
``PGPASSWORD`` / ``PGPASSFILE`` / ``~/.pgpass``, which psycopg reads itself.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions and a 30 s busy timeout, so
concurrent writers wait for each other instead of failing; PostgreSQL uses READ COMMITTED
plus a per-site advisory lock while a run is written (see :mod:`camscan.store.ingest`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from camscan.secrets import SecretError, read_secret

if TYPE_CHECKING:  # SQLAlchemy is imported when a store is used, not by every CLI start
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

_PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
SITE_ALL = "all"


class HistoryError(RuntimeError):
    """The history database cannot be used; the message says which database and why."""


class HistoryLocked(HistoryError):
    """Another camscan run is recording to the same database and site."""


def default_db_path() -> Path:
    """The SQLite history in the user data directory (e.g. ~/.local/share/camscan)."""
    return Path(platformdirs.user_data_dir("camscan")) / "history.sqlite3"


def sqlite_directory(path: Path) -> None:
    """Make sure an SQLite history's directory exists: only the default file's is created.

    A ``--db`` or ``[history] db`` in a directory that does not exist is a mistake (a typo in a
    cron line would start a fresh, empty history elsewhere) and raises :class:`HistoryError`."""
    if path.absolute() == default_db_path().absolute():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"{path}: cannot create history database: {exc.strerror or exc}"
            ) from None
    elif not path.parent.is_dir():
        raise HistoryError(
            f"{path}: cannot create history database: no such directory {path.parent} "
            "(camscan creates only the default history's directory)"
        )


def default_site() -> str:
    """The site a run is filed under when none is configured: this host's short name."""
    name = socket.gethostname().split(".")[0].strip().lower()
    return name or "default"


def check_site(name: str, *, allow_all: bool = False) -> str:
    """A site name as given, or HistoryError (empty, too long, control characters, 'all')."""
    name = name.strip()
    if name == SITE_ALL and allow_all:
        return name
    if not name or len(name) > 100 or any(not c.isprintable() for c in name):
        raise HistoryError(f"site name {name!r}: give 1-100 printable characters")
    if name == SITE_ALL:
        raise HistoryError("'all' names every site; it cannot be a site of its own")
    return name


@dataclass(frozen=True)
class StoreTarget:
    """A parsed ``--db``: a SQLite path or a PostgreSQL URL (never with a password in it)."""

    url: URL
    path: Path | None  # the SQLite file; None for PostgreSQL
    password: str | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        """True for a SQLite file."""
        return self.path is not None

    def __str__(self) -> str:
        return str(self.path) if self.path else self.url.render_as_string(hide_password=True)

    def exists(self) -> bool:
        """False only for a SQLite file not created yet (a server is assumed to exist)."""
        return self.path is None or self.path.exists()


def parse_target(
    value: str | Path,
    *,
    password_env: str | None = None,
    password_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> StoreTarget:
    """Turn ``--db`` into a target; HistoryError for a password in the URL or a bad URL."""
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import ArgumentError

    text = str(value)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if not scheme:
        path = Path(text).expanduser()
        return StoreTarget(url=URL.create("sqlite+pysqlite", database=str(path)), path=path)
    if scheme not in _PG_SCHEMES:
        raise HistoryError(
            f"--db {text.split('://', 1)[0]}://…: give a file path (SQLite) or a postgresql:// URL"
        )
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise HistoryError(f"--db: not a valid PostgreSQL URL ({exc})") from None
    if url.password is not None:
        raise HistoryError(
            "--db: the URL must not contain a password (it would show in ps, shell history "
            "and logs); set PGPASSWORD, use ~/.pgpass, or set [history] password_env / "
            "password_file in the config"
        )
    if not url.database:
        raise HistoryError("--db: the PostgreSQL URL needs a database name (…/dbname)")
    env = os.environ if env is None else env
    password: str | None = None
    if password_env or password_file:
        try:
            password = read_secret("history password", password_env, password_file, env)
        except SecretError as exc:
            raise HistoryError(str(exc)) from None
    return StoreTarget(url=url.set(drivername="postgresql+psycopg"), path=None, password=password)


def _sqlite_on_connect(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN IMMEDIATE
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def make_engine(target: StoreTarget) -> Engine:
    """An engine for the target (SQLite: no pooling, immediate write transactions)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    if target.path is not None:
        engine = create_engine(target.url, poolclass=NullPool)
        event.listen(engine, "connect", _sqlite_on_connect)

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    args: dict[str, Any] = {"connect_timeout": 15, "application_name": "camscan"}
    if target.password is not None:
        args["password"] = target.password
    # A small pool: one command runs many short transactions, and a SCRAM login costs ~30 ms.
    return create_engine(target.url, connect_args=args, pool_size=2, max_overflow=2)
