"""The first history schema (camscan ≤ 0.x, SQLite ``PRAGMA user_version = 1``).

Existing files of that version are stamped with this revision and upgraded; a new database
passes through it on its way to head.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the runs/devices/observations/acks tables of the first schema."""
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recorded_at", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text),
        sa.Column("finished_at", sa.Text),
        sa.Column("complete", sa.Integer, nullable=False),
        sa.Column("interrupted", sa.Integer, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("tool", sa.Text, nullable=False),
        sa.Column("device_count", sa.Integer, nullable=False),
        sa.Column("restricted_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE")),
        sa.Column("key", sa.Text, nullable=False),
        *(sa.Column(n, sa.Text) for n in ("address", "mac", "serial", "vendor", "brand")),
        *(sa.Column(n, sa.Text) for n in ("model", "firmware", "device_type")),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("restricted", sa.Integer, nullable=False),
        sa.Column("suspected", sa.Integer, nullable=False),
        sa.Column("acknowledged", sa.Text),
        sa.Column("policies", sa.Text, nullable=False),
        sa.Column("ports", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "key"),
    )
    op.create_table(
        "observations",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE")),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("signal", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("port", sa.Integer),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "acks",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("until", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """History is never downgraded."""
    raise NotImplementedError("camscan history migrations are one-way")
