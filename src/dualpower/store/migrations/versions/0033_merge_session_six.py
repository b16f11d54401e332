"""merge the branches of 0031 (the operator's paper ballots of founding elections, the stipend
before a stipend motion)

Revision ID: 0033
Revises: 0032_h20p, 0032_h25
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0033"
down_revision = ("0032_h20p", "0032_h25")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
