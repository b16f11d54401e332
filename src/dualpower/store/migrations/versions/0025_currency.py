"""the federation's currency (issue 25): an ISO 4217 code; amounts stay in its minor unit

Revision ID: 0025_currency
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_currency"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # XXX is ISO 4217's "no currency": federations founded before this say none.
    with op.batch_alter_table("federations") as batch:
        batch.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="XXX")
        )


def downgrade() -> None:
    with op.batch_alter_table("federations") as batch:
        batch.drop_column("currency")
