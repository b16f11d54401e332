"""rate limits and page-session activity (rate_hits, session_activity)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "rate_hits",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_hits")),
    )
    op.create_index("ix_rate_hits_name_subject_at", "rate_hits", ["name", "subject", "at"])
    op.create_table(
        "session_activity",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_hash"],
            ["auth_tokens.token_hash"],
            name=op.f("fk_session_activity_token_hash_auth_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_session_activity")),
    )


def downgrade() -> None:
    op.drop_table("session_activity")
    op.drop_index("ix_rate_hits_name_subject_at", table_name="rate_hits")
    op.drop_table("rate_hits")
