"""the audit log is append-only: triggers refuse UPDATE and DELETE on both databases

The one UPDATE allowed is the sequencer's: setting seq, prev_hash and entry_hash on an entry that
has none yet, leaving everything else as it was.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CHANGED = (
    "OLD.entry_hash IS NOT NULL OR NEW.id {ne} OLD.id OR NEW.act {ne} OLD.act"
    " OR NEW.payload {ne} OLD.payload OR NEW.actor {ne} OLD.actor"
    " OR NEW.is_operator {ne} OLD.is_operator OR NEW.recorded_at {ne} OLD.recorded_at"
    " OR NEW.entry_hash IS NULL OR NEW.seq IS NULL"
)

SQLITE = [
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN "
    + _CHANGED.format(ne="IS NOT")
    + " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads "
    "BEGIN SELECT RAISE(ABORT, 'audit_heads is append-only'); END",
    "CREATE TRIGGER audit_heads_no_update BEFORE UPDATE ON audit_heads "
    "BEGIN SELECT RAISE(ABORT, 'audit_heads is append-only'); END",
]

POSTGRESQL = [
    """CREATE FUNCTION dualpower_audit_log_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'audit_log is append-only';
  END IF;
  IF """
    + _CHANGED.format(ne="IS DISTINCT FROM")
    + """ THEN
    RAISE EXCEPTION 'audit_log is append-only';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION dualpower_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION dualpower_audit_log_guard()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION dualpower_append_only()",
    "CREATE TRIGGER audit_heads_guard BEFORE UPDATE OR DELETE ON audit_heads "
    "FOR EACH ROW EXECUTE FUNCTION dualpower_append_only()",
    "CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads "
    "FOR EACH STATEMENT EXECUTE FUNCTION dualpower_append_only()",
]


def upgrade() -> None:
    statements = SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("log_no_delete", "log_no_update", "heads_no_delete", "heads_no_update"):
            op.execute(f"DROP TRIGGER audit_{name}")
        return
    for trigger, table in (
        ("audit_log_guard", "audit_log"),
        ("audit_log_no_truncate", "audit_log"),
        ("audit_heads_guard", "audit_heads"),
        ("audit_heads_no_truncate", "audit_heads"),
    ):
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    op.execute("DROP FUNCTION dualpower_audit_log_guard()")
    op.execute("DROP FUNCTION dualpower_append_only()")
