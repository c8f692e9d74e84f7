"""Scan history: SQLite for one building, PostgreSQL for an organisation of many sites.

Modules, one job each: :mod:`~camscan.store.engine` (``--db`` paths and URLs, passwords, the
SQLAlchemy engine), :mod:`~camscan.store.schema` (tables and the Alembic migrations shipped in
``migrations/``), :mod:`~camscan.store.identity` (which device is which across runs),
:mod:`~camscan.store.acks` (acknowledgements), :mod:`~camscan.store.ingest` (writing a run),
:mod:`~camscan.store.queries` (reading and retention), :mod:`~camscan.store.estate` (the
organisation report), :mod:`~camscan.store.lock` (one SQLite writer per scan) and
:mod:`~camscan.store.history` (the facade the CLI uses).
"""

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
