"""faction_members: who registered or joined a faction (issue 21)

Revision ID: 0028_roll_factions
Revises: 0028_roll_structure
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_roll_factions"
down_revision = "0028_roll_structure"
branch_labels = None
depends_on = None

ID = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "faction_members",
        sa.Column("faction_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["faction_id"], ["factions.id"], name=op.f("fk_faction_members_faction_id_factions")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_faction_members_member_id_members")
        ),
        sa.PrimaryKeyConstraint("faction_id", "member_id", name=op.f("pk_faction_members")),
    )
    op.create_index(
        op.f("ix_faction_members_member_id"), "faction_members", ["member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_faction_members_member_id"), table_name="faction_members")
    op.drop_table("faction_members")
