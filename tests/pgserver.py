"""A throwaway PostgreSQL cluster from Debian's ``postgresql`` package, for tests and benchmarks.

Also a pytest plugin (listed in tests/conftest.py): the session fixture ``pg_server`` and
``pg_url`` (a fresh empty database per test). Without PostgreSQL binaries they skip with the
reason — and fail under CAMSCAN_REQUIRE_ROOT_TESTS=1 (CI), where ``scripts/system-deps.sh``
has installed Debian's ``postgresql`` package.

``with PgServer() as pg:`` runs ``initdb`` in a temporary directory (as the ``postgres`` user
through ``runuser`` when we are root, since the server refuses to run as root), starts it on
127.0.0.1 with a free port and a private unix socket, and on exit stops it and deletes the
directory — also when the block raises. TCP logins need a password (SCRAM), so the password
paths of ``camscan.store.engine`` are exercised for real.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import psycopg
import pytest

USER = "camscan"
PW_VAR = "CAMSCAN_TEST_PGPASSWORD"  # where tests hand the cluster's password to camscan


def bindir() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def problem() -> str | None:
    """Why a throwaway cluster cannot start here (None when it can)."""
    if bindir() is None:
        return "PostgreSQL server binaries missing (run `make system-deps` as root)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser missing (needed to run PostgreSQL as a non-root user)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "no 'postgres' user (Debian's postgresql package creates it)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One private PostgreSQL cluster (see the module docstring)."""

    def __init__(self, *, fsync: bool = False, keep: Path | None = None) -> None:
        """``keep``: a directory the cluster lives in and stays in after :meth:`stop` (a
        benchmark's database measured again later); started again when it holds one."""
        self.fsync = fsync
        self.port = 0
        self.keep = keep
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        self.dir = keep or Path(tempfile.mkdtemp(prefix="camscan-pg-"))
        saved = self.dir / "password"
        self.password = saved.read_text().strip() if saved.exists() else secrets.token_urlsafe(16)
        self._bin = bindir()
        self._as: list[str] = []

    def _run(self, *args: str) -> None:
        assert self._bin is not None
        cmd = [*self._as, str(self._bin / args[0]), *args[1:]]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr.strip()}\n{tail}")

    def __enter__(self) -> PgServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """initdb (unless a kept cluster exists) and start; waits until it accepts connections."""
        data = self.dir / "data"
        fresh = not data.exists()
        (self.dir / "sock").mkdir(exist_ok=True)
        pwfile = self.dir / "pw"
        if fresh:
            pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            for path in (self.dir, self.dir / "sock", *([pwfile] if fresh else [])):
                os.chown(path, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        if fresh:
            self._run("initdb", "-D", str(data), "-U", USER, f"--pwfile={pwfile}", "-E", "UTF8",
                      "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")  # fmt: skip
            pwfile.unlink()
            if self.keep is not None:
                saved = self.dir / "password"
                saved.write_text(self.password + "\n")
                saved.chmod(0o600)
        self.port = _free_port()
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.dir / 'sock'} -c max_connections=60" + (
            "" if self.fsync else " -c fsync=off -c synchronous_commit=off"
        )
        self._run("pg_ctl", "-D", str(data), "-l", str(self.dir / "server.log"), "-w",
                  "-t", "60", "-o", opts, "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server (if it runs) and delete its directory."""
        pidfile = self.dir / "data" / "postmaster.pid"
        if pidfile.exists():
            pid = int(pidfile.read_text().split()[0])
            try:
                self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)  # the postmaster this object started
        if self.keep is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """A superuser connection over the private socket (autocommit)."""
        return psycopg.connect(
            host=str(self.dir / "sock"), port=self.port, user=USER, dbname="postgres",
            autocommit=True,
        )  # fmt: skip

    def create_database(self, name: str | None = None) -> str:
        """A new empty database (a random name unless given); its name."""
        name = name or "t_" + secrets.token_hex(6)
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database made by :meth:`create_database` (closing its sessions)."""
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    def url(self, name: str) -> str:
        """The database's URL for ``--db`` (no password in it)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A private PostgreSQL cluster for the whole session, removed at the end."""
    why = problem()
    if why:
        if os.environ.get("CAMSCAN_REQUIRE_ROOT_TESTS") == "1":
            pytest.fail(f"PostgreSQL tests cannot run under CAMSCAN_REQUIRE_ROOT_TESTS=1: {why}")
        pytest.skip(why)
    with PgServer() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh empty PostgreSQL database's URL (the password is ``pg_server.password``)."""
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)
