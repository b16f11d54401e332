"""members getting in: invitation and reset codes, marks of operator-set passwords

Revision ID: 0018_members
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_members"
down_revision = "0015"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('join', 'reset')", name=op.f("ck_invitations_purpose")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_invitations_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invitations_code_hash")),
    )
    op.create_index("ix_invitations_member_id", "invitations", ["member_id"])
    op.create_table(
        "operator_passwords",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_operator_passwords_member_id_members")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_operator_passwords")),
    )
    op.create_table(
        "operator_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_hash"],
            ["auth_tokens.token_hash"],
            name=op.f("fk_operator_sessions_token_hash_auth_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_operator_sessions")),
    )


def downgrade() -> None:
    op.drop_table("operator_sessions")
    op.drop_table("operator_passwords")
    op.drop_index("ix_invitations_member_id", table_name="invitations")
    op.drop_table("invitations")
