"""Runs record the TCP ports their sweep tried, so a diff compares only ports both runs swept.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``runs.ports`` (NULL for the runs recorded before: their ports are unknown)."""
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("runs")}
    if "ports" not in columns:  # 0002 creates the tables as they stand now
        op.add_column("runs", sa.Column("ports", sa.Text(), nullable=True))


def downgrade() -> None:
    """History is never downgraded."""
    raise NotImplementedError("camscan history migrations are one-way")
