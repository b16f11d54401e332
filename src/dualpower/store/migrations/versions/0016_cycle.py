"""the cycle runs itself: vote windows in the standing orders, nominations' close on elections

Standing orders gain the windows of every vote the clock runs for a council's seats
(nominations, then voting, in seconds), whether its seats' elections are secret, and how long
a vote in session may run; an election
gains the moment its nominations close (ballots are taken after it, until `closes_at`).

Revision ID: 0016_cycle
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_cycle"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("standing_orders") as batch_op:
        batch_op.add_column(sa.Column("nominations_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("voting_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("secret_elections", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("session_vote_seconds", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "windows", "nominations_seconds IS NULL OR nominations_seconds > 0"
        )
        batch_op.create_check_constraint("voting", "voting_seconds IS NULL OR voting_seconds > 0")
        batch_op.create_check_constraint(
            "session_vote", "session_vote_seconds IS NULL OR session_vote_seconds > 0"
        )
    with op.batch_alter_table("elections") as batch_op:
        batch_op.add_column(
            sa.Column("nominations_close_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_elections_due", ["status", "closes_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch_op:
        batch_op.drop_index("ix_elections_due")
        batch_op.drop_column("nominations_close_at")
    with op.batch_alter_table("standing_orders") as batch_op:
        batch_op.drop_constraint(op.f("ck_standing_orders_session_vote"), type_="check")
        batch_op.drop_constraint(op.f("ck_standing_orders_voting"), type_="check")
        batch_op.drop_constraint(op.f("ck_standing_orders_windows"), type_="check")
        batch_op.drop_column("session_vote_seconds")
        batch_op.drop_column("secret_elections")
        batch_op.drop_column("voting_seconds")
        batch_op.drop_column("nominations_seconds")
