"""speakers' lists and stewards of sessions (speeches, session_order, steward_posts)

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
At = sa.DateTime(timezone=True)
OPEN = sa.text("ended_at IS NULL")
FLOOR = sa.text("status = 'speaking'")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "speeches",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("session_id", Id, nullable=False),
        sa.Column("motion_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("requested_at", At, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("floor_at", At, nullable=True),
        sa.Column("ended_at", At, nullable=True),
        sa.Column("limit_seconds", sa.Integer(), nullable=True),
        sa.Column("is_overrun", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'speaking', 'spoken', 'withdrawn', 'lapsed')",
            name=op.f("ck_speeches_status"),
        ),
        _fk("speeches", "session_id", "sessions"),
        _fk("speeches", "motion_id", "motions"),
        _fk("speeches", "member_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speeches")),
    )
    op.create_index(op.f("ix_speeches_session_id"), "speeches", ["session_id"], unique=False)
    op.create_index(
        "uq_speeches_one_open",
        "speeches",
        ["session_id", "motion_id", "member_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "uq_speeches_one_floor",
        "speeches",
        ["session_id"],
        unique=True,
        sqlite_where=FLOOR,
        postgresql_where=FLOOR,
    )
    op.create_table(
        "session_order",
        sa.Column("session_id", Id, nullable=False),
        sa.Column("limit_seconds", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "limit_seconds IS NULL OR limit_seconds > 0", name=op.f("ck_session_order_limit")
        ),
        _fk("session_order", "session_id", "sessions"),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_order")),
    )
    op.create_table(
        "steward_posts",
        sa.Column("office_id", Id, nullable=False),
        sa.Column("session_id", Id, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _fk("steward_posts", "office_id", "offices"),
        _fk("steward_posts", "session_id", "sessions"),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_steward_posts")),
    )
    op.create_index(
        op.f("ix_steward_posts_session_id"), "steward_posts", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_steward_posts_session_id"), table_name="steward_posts")
    op.drop_table("steward_posts")
    op.drop_table("session_order")
    op.drop_index("uq_speeches_one_floor", table_name="speeches")
    op.drop_index("uq_speeches_one_open", table_name="speeches")
    op.drop_index(op.f("ix_speeches_session_id"), table_name="speeches")
    op.drop_table("speeches")
