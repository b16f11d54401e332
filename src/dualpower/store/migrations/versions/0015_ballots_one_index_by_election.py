"""ballots: drop ix_ballots_election_id, which the unique (election_id, voter_id) already covers

The unique constraint's index leads with the election: every lookup of an election's ballots
uses it. The second index only cost one more index entry for every ballot stored.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ballots") as batch_op:
        batch_op.drop_index("ix_ballots_election_id")


def downgrade() -> None:
    with op.batch_alter_table("ballots") as batch_op:
        batch_op.create_index("ix_ballots_election_id", ["election_id"], unique=False)
