"""stipend motions: a council sets an office's stipend by adopting a motion (DESIGN.md 2.4)

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "stipend_motions",
        sa.Column("motion_id", ID, nullable=False),
        sa.Column("office_id", ID, nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lapsed_reason", sa.String(300), nullable=True),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_stipend_motions_amount")),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_stipend_motions_motion_id_motions")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_stipend_motions_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("motion_id", name=op.f("pk_stipend_motions")),
    )
    op.create_index(
        op.f("ix_stipend_motions_office_id"), "stipend_motions", ["office_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stipend_motions_office_id"), table_name="stipend_motions")
    op.drop_table("stipend_motions")
