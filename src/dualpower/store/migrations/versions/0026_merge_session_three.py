"""merge the branches of 0015 (the cycle's windows, members and invitations, the currency)

Revision ID: 0026
Revises: 0016_cycle, 0018_members, 0025_currency
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0026"
down_revision = ("0016_cycle", "0018_members", "0025_currency")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
