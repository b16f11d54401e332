"""a council's name is unique in its federation (issue 21): two concurrent acts adding a council
of the same name cannot both commit

Adding a council (services/structure.py) checked the name before inserting; the unique index makes
the rule hold in the database, the loser of a race answered 409. Founding plans already refuse
two councils of one name (domain/founding.py), so existing databases hold no duplicate.

Revision ID: 0030_h21b
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0030_h21b"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("uq_councils_name", "councils", ["federation_id", "name"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_councils_name", table_name="councils")
