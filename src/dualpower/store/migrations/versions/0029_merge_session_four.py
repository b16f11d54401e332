"""merge the branches of 0027 (the outbox's cursors, votes on paper and stance motions, the
roll's verification, structure changes and factions)

Revision ID: 0029
Revises: 0028_outbox, 0028_paper, 0028_roll_factions
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0029"
down_revision = ("0028_outbox", "0028_paper", "0028_roll_factions")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
