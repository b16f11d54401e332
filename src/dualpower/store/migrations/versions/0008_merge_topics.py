"""merge the topic branches (offices, councils at work, register, discussion)

Revision ID: 0008
Revises: 0004, 0005, 0006, 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0008"
down_revision = ("0004", "0005", "0006", "0007")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
