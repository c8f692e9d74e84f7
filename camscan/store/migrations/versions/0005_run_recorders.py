"""Runs record which recorders' channel lists were read, so a camera behind a recorder whose
login failed (or was not given) is "not enumerated this run", not gone.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``runs.recorders`` (NULL for the runs recorded before: not known)."""
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("runs")}
    if "recorders" not in columns:  # 0002 creates the tables as they stand now
        op.add_column("runs", sa.Column("recorders", sa.Text(), nullable=True))


def downgrade() -> None:
    """History is never downgraded."""
    raise NotImplementedError("camscan history migrations are one-way")
