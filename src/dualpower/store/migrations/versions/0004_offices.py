"""offices and pay: wages, the council's pay cap scope, recall petitions against office terms

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = ("offices",)
depends_on = None

ID = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
UNDECIDED = sa.text("status IN ('open', 'vote_open')")
TARGET = (
    "(mandate_id IS NOT NULL AND office_term_id IS NULL) OR "
    "(mandate_id IS NULL AND office_term_id IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "wages",
        sa.Column("member_id", ID, nullable=False),
        sa.Column("unit_id", ID, nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_wages_amount")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_wages_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["base_units.id"], name=op.f("fk_wages_unit_id_base_units")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_wages")),
    )
    with op.batch_alter_table("wages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wages_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "pay_cap_scope", sa.String(length=10), nullable=False, server_default="federation"
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_councils_pay_cap_scope"), "pay_cap_scope IN ('federation', 'territory')"
        )

    with op.batch_alter_table("recall_petitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_term_id", ID, nullable=True))
        batch_op.alter_column("mandate_id", existing_type=ID, nullable=True)
        batch_op.create_foreign_key(
            op.f("fk_recall_petitions_office_term_id_office_terms"),
            "office_terms",
            ["office_term_id"],
            ["id"],
        )
        batch_op.create_check_constraint(op.f("ck_recall_petitions_target"), TARGET)
        batch_op.create_index(
            batch_op.f("ix_recall_petitions_office_term_id"), ["office_term_id"], unique=False
        )
        batch_op.create_index(
            "uq_recall_petitions_one_undecided_term",
            ["office_term_id"],
            unique=True,
            sqlite_where=UNDECIDED,
            postgresql_where=UNDECIDED,
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM recall_signatures WHERE petition_id IN "
        "(SELECT id FROM recall_petitions WHERE office_term_id IS NOT NULL)"
    )
    op.execute("DELETE FROM recall_petitions WHERE office_term_id IS NOT NULL")
    with op.batch_alter_table("recall_petitions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_recall_petitions_one_undecided_term",
            sqlite_where=UNDECIDED,
            postgresql_where=UNDECIDED,
        )
        batch_op.drop_index(batch_op.f("ix_recall_petitions_office_term_id"))
        batch_op.drop_constraint(op.f("ck_recall_petitions_target"), type_="check")
        batch_op.drop_constraint(
            op.f("fk_recall_petitions_office_term_id_office_terms"), type_="foreignkey"
        )
        batch_op.alter_column("mandate_id", existing_type=ID, nullable=False)
        batch_op.drop_column("office_term_id")

    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_councils_pay_cap_scope"), type_="check")
        batch_op.drop_column("pay_cap_scope")

    with op.batch_alter_table("wages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wages_unit_id"))
    op.drop_table("wages")
