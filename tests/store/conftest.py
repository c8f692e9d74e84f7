"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL server.

``target`` gives each test a fresh SQLite file or a fresh PostgreSQL database (the
``pg_server`` / ``pg_url`` fixtures of tests/pgserver.py, a plugin of the root conftest).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from camscan.store import StoreTarget, parse_target
from tests import pgserver
from tests.pgserver import PW_VAR


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> StoreTarget:
    """A fresh history on each backend."""
    if request.param == "sqlite":
        return parse_target(tmp_path / "h.sqlite3")
    url = request.getfixturevalue("pg_url")
    server: pgserver.PgServer = request.getfixturevalue("pg_server")
    return parse_target(url, password_env=PW_VAR, env={PW_VAR: server.password})
