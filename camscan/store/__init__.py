"""Scan history: SQLite for one building, PostgreSQL for an organisation of many sites.

Modules, one job each: :mod:`~camscan.store.engine` (``--db`` paths and URLs, passwords, the
SQLAlchemy engine), :mod:`~camscan.store.schema` (tables and the Alembic migrations shipped in
``migrations/``), :mod:`~camscan.store.identity` (which device is which across runs),
:mod:`~camscan.store.acks` (acknowledgements), :mod:`~camscan.store.ingest` (writing a run),
:mod:`~camscan.store.queries` (reading and retention), :mod:`~camscan.store.estate` (the
organisation report), :mod:`~camscan.store.lock` (one SQLite writer per scan) and
:mod:`~camscan.store.history` (the facade the CLI uses).

The names below are imported on first use (PEP 562), so that code needing only the
SQLAlchemy-free parts (``engine``'s site and path helpers, ``identity``) does not pay for
SQLAlchemy and Alembic at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from camscan.store.acks import Ack, apply_acks
    from camscan.store.engine import (
        SITE_ALL,
        HistoryError,
        HistoryLocked,
        StoreTarget,
        default_db_path,
        default_site,
        parse_target,
    )
    from camscan.store.history import History
    from camscan.store.identity import DeviceState, assign_keys, device_key, states_of
    from camscan.store.lock import run_lock
    from camscan.store.queries import RunInfo

_WHERE = {
    "Ack": "acks",
    "apply_acks": "acks",
    "SITE_ALL": "engine",
    "HistoryError": "engine",
    "HistoryLocked": "engine",
    "StoreTarget": "engine",
    "default_db_path": "engine",
    "default_site": "engine",
    "parse_target": "engine",
    "History": "history",
    "DeviceState": "identity",
    "assign_keys": "identity",
    "device_key": "identity",
    "states_of": "identity",
    "run_lock": "lock",
    "RunInfo": "queries",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "SITE_ALL",
    "Ack",
    "DeviceState",
    "History",
    "HistoryError",
    "HistoryLocked",
    "RunInfo",
    "StoreTarget",
    "apply_acks",
    "assign_keys",
    "default_db_path",
    "default_site",
    "device_key",
    "parse_target",
    "run_lock",
    "states_of",
]
