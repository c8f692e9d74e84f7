"""One recording run per site and SQLite file at a time (a lock file held for the whole scan).

A scan holds the lock from before its first packet to the end of recording, so a second scan
of the same site on the same file is refused at once instead of after a long scan. Scans of
other sites may record to the same file meanwhile (SQLite serialises their transactions).
PostgreSQL needs no lock file: runs of one site are serialised by the advisory lock taken in
the run's transaction, and different sites write at the same time.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from camscan.store.engine import HistoryError, HistoryLocked, StoreTarget, sqlite_directory

_HELD: dict[Path, int] = {}


@contextmanager
def run_lock(target: StoreTarget | Path, site: str) -> Iterator[None]:
    """Hold ``<db>.<site>.lock`` for a SQLite target; re-entrant within one process."""
    db = target if isinstance(target, Path) else target.path
    if db is None:
        yield
        return
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in site)
    lock = db.with_name(f"{db.name}.{safe}.lock")
    sqlite_directory(db)
    try:
        key = lock.resolve()
        fd = -1 if key in _HELD else os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise HistoryError(f"{db}: cannot create history database: {exc.strerror or exc}") from None
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise HistoryLocked(
                f"another camscan run (pid {holder}) is recording site {site} to {db}; "
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
