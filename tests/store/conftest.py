"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL server.

``pg_server`` is one throwaway cluster per session (tests/pgserver.py); ``target`` gives each
test a fresh SQLite file or a fresh PostgreSQL database. Without PostgreSQL binaries the
PostgreSQL half skips with the reason — and fails under CAMSCAN_REQUIRE_ROOT_TESTS=1 (CI),
where ``scripts/system-deps.sh`` has installed them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from camscan.store import StoreTarget, parse_target
from tests import pgserver

PW_VAR = "CAMSCAN_TEST_PGPASSWORD"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    """A private PostgreSQL cluster for the whole session, removed at the end."""
    why = pgserver.problem()
    if why:
        if os.environ.get("CAMSCAN_REQUIRE_ROOT_TESTS") == "1":
            pytest.fail(f"PostgreSQL tests cannot run under CAMSCAN_REQUIRE_ROOT_TESTS=1: {why}")
        pytest.skip(why)
    with pgserver.PgServer() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: pgserver.PgServer) -> Iterator[str]:
    """A fresh empty PostgreSQL database's URL (password in $CAMSCAN_TEST_PGPASSWORD)."""
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> StoreTarget:
    """A fresh history on each backend."""
    if request.param == "sqlite":
        return parse_target(tmp_path / "h.sqlite3")
    url = request.getfixturevalue("pg_url")
    server: pgserver.PgServer = request.getfixturevalue("pg_server")
    return parse_target(url, password_env=PW_VAR, env={PW_VAR: server.password})
