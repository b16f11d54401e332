"""the dual power register: authorities, directives, stances

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = ("register",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authorities",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "federation_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("formed_on", sa.Date(), nullable=True),
        sa.Column("is_old_style", sa.Boolean(), nullable=False),
        sa.Column(
            "council_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_authorities_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_authorities_federation_id_federations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorities")),
        sa.UniqueConstraint("federation_id", "name", name=op.f("uq_authorities_federation_id")),
    )
    op.create_table(
        "directives",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "authority_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("is_old_style", sa.Boolean(), nullable=False),
        sa.Column(
            "recorded_by_council_id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            nullable=True,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_directives_authority_id_authorities"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_council_id"],
            ["councils.id"],
            name=op.f("fk_directives_recorded_by_council_id_councils"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directives")),
    )
    with op.batch_alter_table("directives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directives_authority_id"), ["authority_id"], unique=False
        )

    op.create_table(
        "stances",
        sa.Column(
            "id",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "directive_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column(
            "council_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("counter_order", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "decided_by", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.Column("is_operator", sa.Boolean(), nullable=False),
        sa.Column(
            "superseded_by", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True
        ),
        sa.CheckConstraint(
            "kind IN ('endorse', 'support_conditionally', 'countermand')",
            name=op.f("ck_stances_kind"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_stances_version")),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_stances_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["members.id"], name=op.f("fk_stances_decided_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["directive_id"], ["directives.id"], name=op.f("fk_stances_directive_id_directives")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"], ["stances.id"], name=op.f("fk_stances_superseded_by_stances")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stances")),
        sa.UniqueConstraint("directive_id", "council_id", "version", name="uq_stances_version"),
    )
    with op.batch_alter_table("stances", schema=None) as batch_op:
        batch_op.create_index(
            "uq_stances_one_current",
            ["directive_id", "council_id"],
            unique=True,
            sqlite_where=sa.text("superseded_by IS NULL"),
            postgresql_where=sa.text("superseded_by IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("stances", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_stances_one_current",
            sqlite_where=sa.text("superseded_by IS NULL"),
            postgresql_where=sa.text("superseded_by IS NULL"),
        )

    op.drop_table("stances")
    with op.batch_alter_table("directives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directives_authority_id"))

    op.drop_table("directives")
    op.drop_table("authorities")
