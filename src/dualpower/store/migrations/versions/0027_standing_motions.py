"""standing_order_motions: what an adopted motion changes in a council's standing orders

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "standing_order_motions",
        sa.Column(
            "motion_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["motions.id"],
            name=op.f("fk_standing_order_motions_motion_id_motions"),
        ),
        sa.PrimaryKeyConstraint("motion_id", name=op.f("pk_standing_order_motions")),
    )


def downgrade() -> None:
    op.drop_table("standing_order_motions")
