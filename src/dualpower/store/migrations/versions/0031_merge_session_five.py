"""merge the branches of 0029 (capability motions, members' languages, unique council names,
the page indexes, the stored roll sizes)

Revision ID: 0031
Revises: 0030_h20c, 0030_h21, 0030_h21b, 0030_h24, 0030_h24b
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0031"
down_revision = ("0030_h20c", "0030_h21", "0030_h21b", "0030_h24", "0030_h24b")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
