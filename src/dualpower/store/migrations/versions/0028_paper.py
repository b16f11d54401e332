"""paper_votes, paper_signatures: votes and signatures the electoral commission entered from
paper; stance_motions: a council's stance on a directive decided by its vote

Revision ID: 0028_paper
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_paper"
down_revision = "0027"
branch_labels = None
depends_on = None

ID = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
AT = sa.DateTime(timezone=True)


def _paper(name: str, subject: str, parent: str, parent_table: str) -> None:
    op.create_table(
        name,
        sa.Column(subject, ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("entered_by", ID, nullable=False),
        sa.Column("entered_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            [subject], [f"{parent}.id"], name=op.f(f"fk_{name}_{subject}_{parent}")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f(f"fk_{name}_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["members.id"], name=op.f(f"fk_{name}_entered_by_members")
        ),
        sa.ForeignKeyConstraint(
            [subject, "member_id"],
            [f"{parent_table}.{subject}", f"{parent_table}.member_id"],
            name=op.f(f"fk_{name}_{subject}_{parent_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(subject, "member_id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _paper("paper_votes", "election_id", "elections", "participations")
    _paper("paper_signatures", "petition_id", "recall_petitions", "recall_signatures")
    op.create_table(
        "stance_motions",
        sa.Column("motion_id", ID, nullable=False),
        sa.Column("directive_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("stance_id", ID, nullable=True),
        sa.Column("applied_at", AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_stance_motions_motion_id_motions")
        ),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name=op.f("fk_stance_motions_directive_id_directives"),
        ),
        sa.ForeignKeyConstraint(
            ["stance_id"], ["stances.id"], name=op.f("fk_stance_motions_stance_id_stances")
        ),
        sa.PrimaryKeyConstraint("motion_id", name=op.f("pk_stance_motions")),
    )
    op.create_index(
        op.f("ix_stance_motions_directive_id"), "stance_motions", ["directive_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stance_motions_directive_id"), table_name="stance_motions")
    op.drop_table("stance_motions")
    op.drop_table("paper_signatures")
    op.drop_table("paper_votes")
