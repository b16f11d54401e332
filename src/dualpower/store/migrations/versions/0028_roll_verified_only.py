"""councils.verified_only: a standing order that only verified members vote, stand and sign

Revision ID: 0028_roll_verified_only
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_roll_verified_only"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("councils") as batch:
        batch.add_column(
            sa.Column("verified_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("councils") as batch:
        batch.drop_column("verified_only")
