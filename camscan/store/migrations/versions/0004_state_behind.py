"""Device states record the recorder and channel a camera was reached through, so a diff
judges a camera behind a recorder by the recorder's address.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``states.behind`` (NULL for the states recorded before)."""
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("states")}
    if "behind" not in columns:  # 0002 creates the tables as they stand now
        op.add_column("states", sa.Column("behind", sa.Text(), nullable=True))


def downgrade() -> None:
    """History is never downgraded."""
    raise NotImplementedError("camscan history migrations are one-way")
