"""Sites, deduplicated device states and spans; the first-schema runs are carried over.

Every run of a first-schema history is re-recorded, in order, under the default site (this
host's name), so its devices, identities, observations and acknowledgements survive.

This revision creates the layout of ``camscan.store.schema`` as it stands at 0002 and writes
through ``camscan.store.ingest``; a later revision must change tables with ``op.*`` calls.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from camscan.models import Observation
from camscan.store import ingest, schema
from camscan.store.engine import default_site
from camscan.store.identity import DeviceState

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_LEGACY = ("observations", "devices", "acks", "runs")
_STATE = ("key", "address", "mac", "serial", "vendor", "brand", "model", "firmware",
          "device_type", "confidence", "restricted", "suspected", "acknowledged", "policies",
          "ports")  # fmt: skip


def _entries(conn: sa.Connection, run_id: int) -> list[ingest.Entry]:
    obs: dict[str, list[Observation]] = {}
    for key, signal, value, port, source in conn.execute(
        sa.text("SELECT key, signal, value, port, source FROM legacy_observations "
                "WHERE run_id = :r ORDER BY rowid"), {"r": run_id}
    ):  # fmt: skip
        obs.setdefault(key, []).append(
            Observation(signal=signal, value=value, port=port, source=source)
        )
    rows = conn.execute(
        sa.text(f"SELECT {', '.join(_STATE)} FROM legacy_devices WHERE run_id = :r ORDER BY key"),
        {"r": run_id},
    )
    entries = []
    for r in rows:
        values = dict(zip(_STATE, r, strict=True))
        values["restricted"] = bool(values["restricted"])
        values["suspected"] = bool(values["suspected"])
        values["policies"] = tuple(json.loads(values["policies"]))
        values["ports"] = tuple(json.loads(values["ports"]))
        entries.append(ingest.Entry(DeviceState(**values), obs.get(values["key"], [])))
    return entries


def _carry_over(conn: sa.Connection) -> None:
    site = ingest.site_id(conn, default_site(), create=True)
    assert site is not None
    legacy_runs = conn.execute(
        sa.text("SELECT id, recorded_at, started_at, finished_at, complete, interrupted, scope, "
                "tool FROM legacy_runs ORDER BY id")
    ).all()  # fmt: skip
    for run_id, recorded, started, finished, complete, interrupted, scope, tool in legacy_runs:
        run = {"recorded_at": recorded, "started_at": started, "finished_at": finished,
               "complete": bool(complete), "interrupted": bool(interrupted), "scope": scope,
               "tool": tool}  # fmt: skip
        ingest.write_run(conn, site, run, _entries(conn, run_id))
    conn.execute(
        sa.text("INSERT INTO acks (site, key, reason, until, created_at) "
                "SELECT :site, key, reason, until, created_at FROM legacy_acks"),
        {"site": default_site()},
    )  # fmt: skip


def upgrade() -> None:
    """Move the first-schema tables aside, create the new ones, carry the runs over."""
    conn = op.get_bind()
    has_runs = conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one() > 0
    has_acks = conn.execute(sa.text("SELECT count(*) FROM acks")).scalar_one() > 0
    if not (has_runs or has_acks):
        for name in _LEGACY:
            op.drop_table(name)
        schema.metadata.create_all(conn)
        return
    for name in _LEGACY:
        op.rename_table(name, f"legacy_{name}")
    schema.metadata.create_all(conn)
    _carry_over(conn)
    for name in _LEGACY:
        op.drop_table(f"legacy_{name}")


def downgrade() -> None:
    """History is never downgraded."""
    raise NotImplementedError("camscan history migrations are one-way")
