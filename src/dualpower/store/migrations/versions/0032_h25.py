"""stipend motions keep the stipend they would change: `stipend_motions.previous`, the office's
stipend when the motion was put, which its text names ("(now 0.00 RUB)"), so a page can say the
text again in the reader's language (issue 25, defect 7). Backfilled from each motion's
`stipend.propose` entry in the audit log (its "from"); the log itself is read, never changed.

Revision ID: 0032_h25
Revises: 0031
Create Date: 2026-12-07
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0032_h25"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stipend_motions") as batch:
        batch.add_column(sa.Column("previous", sa.Integer(), nullable=True))
    conn = op.get_bind()
    proposed = conn.execute(
        sa.text("SELECT payload FROM audit_log WHERE act = 'stipend.propose' ORDER BY id")
    )
    update = sa.text("UPDATE stipend_motions SET previous = :previous WHERE motion_id = :motion")
    for (payload,) in proposed:
        entry = json.loads(str(payload))
        if entry.get("motion") is not None and entry.get("from") is not None:
            conn.execute(update, {"previous": int(entry["from"]), "motion": int(entry["motion"])})


def downgrade() -> None:
    with op.batch_alter_table("stipend_motions") as batch:
        batch.drop_column("previous")
