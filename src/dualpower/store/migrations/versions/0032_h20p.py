"""paper_votes: the operator enters a founding election's paper ballots (no member entered them)

While no electoral commission exists (the founding elections are the bootstrap, DESIGN.md 2.4),
the operator enters a founding election's paper ballots from the command line: such a row has no
`entered_by` and `is_operator` set; every other row names the member who entered it. SQLite
cannot alter a column's NOT NULL nor add a CHECK in place: the table is copied (batch mode).
A downgrade refuses while operator rows exist (they could not be kept as they are).

Revision ID: 0032_h20p
Revises: 0031
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032_h20p"
down_revision = "0031"
branch_labels = None
depends_on = None

ID = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
ONE_OR_THE_OTHER = (
    "(entered_by IS NOT NULL AND NOT is_operator) OR (entered_by IS NULL AND is_operator)"
)


def upgrade() -> None:
    with op.batch_alter_table("paper_votes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_operator", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.alter_column("entered_by", existing_type=ID, nullable=True)
        batch_op.create_check_constraint(op.f("ck_paper_votes_entered_by"), ONE_OR_THE_OTHER)


def downgrade() -> None:
    operator_rows = op.get_bind().execute(
        sa.text("SELECT count(*) FROM paper_votes WHERE entered_by IS NULL")
    )
    if operator_rows.scalar_one():
        raise RuntimeError(
            "paper_votes holds ballots the operator entered in founding elections: the schema "
            "before 0032_h20p cannot hold them"
        )
    with op.batch_alter_table("paper_votes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_paper_votes_entered_by"), type_="check")
        batch_op.alter_column("entered_by", existing_type=ID, nullable=False)
        batch_op.drop_column("is_operator")
