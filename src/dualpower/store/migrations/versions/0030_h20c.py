"""capability_motions: a council gives one of its offices a capability, or takes it back, by a
motion it adopts (issue 20)

Revision ID: 0030_h20c
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_h20c"
down_revision = "0029"
branch_labels = None
depends_on = None

ID = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "capability_motions",
        sa.Column("motion_id", ID, nullable=False),
        sa.Column("office_id", ID, nullable=False),
        sa.Column("capability", sa.String(length=40), nullable=False),
        sa.Column("gives", sa.Boolean(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_capability_motions_motion_id_motions")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_capability_motions_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("motion_id", name=op.f("pk_capability_motions")),
    )
    op.create_index(
        op.f("ix_capability_motions_office_id"), "capability_motions", ["office_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_capability_motions_office_id"), table_name="capability_motions")
    op.drop_table("capability_motions")
