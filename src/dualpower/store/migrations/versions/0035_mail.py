"""mail follows the notification rows (issue 27: mail survives a crash)

`notifications.mail_claimed_at` and `mailed_at`: a mailer (mail.py) claims the rows still to
mail for a while, sends them, then marks them mailed; a row whose mailer died is claimed again
once its claim is old. A partial index holds the rows still to mail. Rows written before this
revision count as mailed: their mail went (or was lost) with the process that wrote them.

Revision ID: 0035_mail
Revises: 0034_h24b
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035_mail"
down_revision = "0034_h24b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE notifications SET mailed_at = created_at")
    op.create_index(
        "ix_notifications_to_mail",
        "notifications",
        ["id"],
        unique=False,
        sqlite_where=sa.text("mailed_at IS NULL"),
        postgresql_where=sa.text("mailed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_to_mail", table_name="notifications")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("mailed_at")
        batch_op.drop_column("mail_claimed_at")
