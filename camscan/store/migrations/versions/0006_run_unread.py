"""Runs record which devices a probe could not read (login refused, probe cut short), so a
model or firmware that run could not read is "not read", not a change to none.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``runs.unread`` (NULL for the runs recorded before: not known)."""
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("runs")}
    if "unread" not in columns:  # 0002 creates the tables as they stand now
        op.add_column("runs", sa.Column("unread", sa.Text(), nullable=True))


def downgrade() -> None:
    """History is never downgraded."""
    raise NotImplementedError("camscan history migrations are one-way")
