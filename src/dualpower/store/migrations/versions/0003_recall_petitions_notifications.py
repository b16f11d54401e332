"""recall petitions, notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('founding', 'general', 'by')"
KINDS_AFTER = "kind IN ('founding', 'general', 'by', 'recall')"


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "member_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_notifications_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_member_id"), ["member_id"], unique=False)

    op.create_table(
        "recall_petitions",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "mandate_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "opened_by", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "vote_election_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "by_election_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "status IN ('open', 'vote_open', 'recalled', 'rejected')",
            name=op.f("ck_recall_petitions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["by_election_id"],
            ["elections.id"],
            name=op.f("fk_recall_petitions_by_election_id_elections"),
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandates.id"], name=op.f("fk_recall_petitions_mandate_id_mandates")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["members.id"], name=op.f("fk_recall_petitions_opened_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["vote_election_id"],
            ["elections.id"],
            name=op.f("fk_recall_petitions_vote_election_id_elections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recall_petitions")),
    )
    with op.batch_alter_table("recall_petitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recall_petitions_mandate_id"), ["mandate_id"], unique=False
        )
        batch_op.create_index(
            "uq_recall_petitions_one_undecided",
            ["mandate_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('open', 'vote_open')"),
            postgresql_where=sa.text("status IN ('open', 'vote_open')"),
        )

    op.create_table(
        "recall_signatures",
        sa.Column(
            "petition_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "member_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_recall_signatures_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["recall_petitions.id"],
            name=op.f("fk_recall_signatures_petition_id_recall_petitions"),
        ),
        sa.PrimaryKeyConstraint("petition_id", "member_id", name=op.f("pk_recall_signatures")),
    )
    with op.batch_alter_table("elections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f("ck_elections_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_elections_kind"), KINDS_AFTER)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("email")

    op.drop_table("recall_signatures")
    with op.batch_alter_table("recall_petitions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_recall_petitions_one_undecided",
            sqlite_where=sa.text("status IN ('open', 'vote_open')"),
            postgresql_where=sa.text("status IN ('open', 'vote_open')"),
        )
        batch_op.drop_index(batch_op.f("ix_recall_petitions_mandate_id"))

    op.drop_table("recall_petitions")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_member_id"))

    op.drop_table("notifications")
    # Recall votes cannot exist before this revision: they go, with their ballots.
    recall_votes = "SELECT id FROM elections WHERE kind = 'recall'"
    for table in ("ballots", "participations", "candidates"):
        op.execute(f"DELETE FROM {table} WHERE election_id IN ({recall_votes})")
    op.execute("DELETE FROM elections WHERE kind = 'recall'")
    with op.batch_alter_table("elections", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_elections_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_elections_kind"), KINDS_BEFORE)
        batch_op.drop_column("closes_at")
