"""structure_motions: what an adopted motion changes in the federation's units (issue 21)

Revision ID: 0028_roll_structure
Revises: 0028_roll_verified_only
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_roll_structure"
down_revision = "0028_roll_verified_only"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "structure_motions",
        sa.Column(
            "motion_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_structure_motions_motion_id_motions")
        ),
        sa.PrimaryKeyConstraint("motion_id", name=op.f("pk_structure_motions")),
    )


def downgrade() -> None:
    op.drop_table("structure_motions")
