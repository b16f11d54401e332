"""outbox_cursors: how far each event handler has been delivered the sealed audit log

Revision ID: 0028_outbox
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_outbox"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_cursors",
        sa.Column("handler", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("handler", name=op.f("pk_outbox_cursors")),
    )


def downgrade() -> None:
    op.drop_table("outbox_cursors")
