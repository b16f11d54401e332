"""indexes a page reads by (issue 24, pages at scale): a council's children and its units

A council page lists the councils and base units that elect it, and the home page reads the
tree level by level; without these indexes each was a scan of every council or unit of the
federation (10,000 councils, 20,000 units at a national scale).

Revision ID: 0030_h24
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0030_h24"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_councils_parent_id", "councils", ["parent_id"])
    op.create_index("ix_base_units_council_id", "base_units", ["council_id"])


def downgrade() -> None:
    op.drop_index("ix_base_units_council_id", table_name="base_units")
    op.drop_index("ix_councils_parent_id", table_name="councils")
