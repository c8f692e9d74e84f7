"""The history schema (Alembic head) as SQLAlchemy Core tables, and the migration runner.

Storage grows with change, not with runs: a device's *state* (identification, verdict, ports,
location and its observations) is stored once per distinct content (``states.digest``), and a
*span* says "this device was in this state from run A to run B of its site". A nightly run in
which nothing changed only moves ``spans.last_run_id`` forward.

- ``sites``: one row per site name.
- ``runs``: one row per run (site, times, scope and ports swept, counts, mail delivery state).
- ``devices``: one identity (``key``) per site, with the run that first saw it.
- ``states`` / ``observations``: distinct device states and their observations.
- ``spans``: device × state × consecutive runs of its site.
- ``acks``: acknowledgements by site (``*`` = every site) and identity key.
- ``ambiguous_keys``: identity keys seen shared by two devices at a site; never used again
  there, so identity does not flap when one of the two is offline.

Timestamps are ISO 8601 UTC text (``2026-11-30T02:00:00+00:00``), so they sort as text.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

ALL_SITES = "*"  # acks.site for an acknowledgement that holds at every site
SQLITE_SCHEMA_VERSION = 6  # PRAGMA user_version mirror: older camscans refuse a newer file

metadata = MetaData()

sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("started_at", String(40)),
    Column("finished_at", String(40)),
    Column("complete", Boolean, nullable=False),
    Column("interrupted", Boolean, nullable=False),
    Column("scope", Text, nullable=False),
    Column("tool", Text, nullable=False),
    Column("device_count", Integer, nullable=False),
    Column("restricted_count", Integer, nullable=False),  # restricted, not acknowledged
    Column("suspected_count", Integer, nullable=False),
    Column("acknowledged_count", Integer, nullable=False),
    Column("notified", Boolean),  # None: no mail asked; False: the mail failed
    Column("ports", Text),  # JSON list of the TCP ports swept (None: not recorded)
    # JSON {recorder address: "" (channels read) or why not} (None: not recorded)
    Column("recorders", Text),
    # JSON {identity key: why a probe could not read it ("login refused")} (None: not recorded)
    Column("unread", Text),
    Index("runs_site", "site_id", "id"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("key", String(300), nullable=False),
    Column("first_run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("site_id", "key", name="devices_site_key"),
)

states = Table(
    "states",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("address", String(100), nullable=False),
    Column("mac", String(40)),
    Column("serial", Text),
    Column("vendor", Text),
    Column("brand", Text),
    Column("model", Text),
    Column("firmware", Text),
    Column("device_type", String(40), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("restricted", Boolean, nullable=False),
    Column("suspected", Boolean, nullable=False),
    Column("acknowledged", Text),
    Column("policies", Text, nullable=False),  # JSON list of policy ids
    Column("clauses", Text, nullable=False),  # JSON list of policy clauses
    Column("ports", Text, nullable=False),  # JSON list of open ports
    Column("switch", Text),
    Column("switch_port", Text),
    Column("vlan", Integer),
    Column("behind", Text),  # "<recorder address>#<channel>" for a camera behind a recorder
    UniqueConstraint("device_id", "digest", name="states_device_digest"),
)

observations = Table(
    "observations",
    metadata,
    Column("state_id", Integer, ForeignKey("states.id", ondelete="CASCADE"), nullable=False),
    Column("signal", String(100), nullable=False),
    Column("value", Text, nullable=False),
    Column("port", Integer),
    Column("source", String(40), nullable=False),
    Index("observations_state", "state_id"),
)

spans = Table(
    "spans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("state_id", Integer, ForeignKey("states.id", ondelete="CASCADE"), nullable=False),
    Column("first_run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("last_run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Index("spans_device", "device_id", "last_run_id"),
    Index("spans_last", "last_run_id"),
    Index("spans_first", "first_run_id"),
)

acks = Table(
    "acks",
    metadata,
    Column("site", String(100), primary_key=True),  # a site name, or ALL_SITES
    Column("key", String(300), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("until", String(10)),  # YYYY-MM-DD, the last day it holds
    Column("created_at", String(40), nullable=False),
)

ambiguous_keys = Table(
    "ambiguous_keys",
    metadata,
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("key", String(300), primary_key=True),
)

MIGRATIONS = Path(__file__).with_name("migrations")


def _alembic_config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest migration this camscan ships."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The database's Alembic revision (None: never migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


def known_revision(revision: str) -> bool:
    """True when this camscan ships ``revision`` (False: the database is newer)."""
    script = ScriptDirectory(str(MIGRATIONS))
    return any(s.revision == revision for s in script.walk_revisions())


def upgrade(conn: Connection, *, stamp_legacy: bool = False) -> None:
    """Migrate to head inside the caller's transaction (a v1 SQLite file is stamped first)."""
    cfg = _alembic_config(conn)
    if stamp_legacy:
        command.stamp(cfg, "0001")
    command.upgrade(cfg, "head")
