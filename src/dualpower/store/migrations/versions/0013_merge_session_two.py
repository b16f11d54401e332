"""merge the branches of 0009 (kept alignment counts, speakers and stewards, stipend motions)

Revision ID: 0013
Revises: 0010_alignment_counts, 0011, 0012
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0013"
down_revision = ("0010_alignment_counts", "0011", "0012")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
