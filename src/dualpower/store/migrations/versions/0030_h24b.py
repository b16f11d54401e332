"""unit rolls kept by triggers: the members on each base unit's roll (issue 24)

`unit_rolls` (store/tables_alignment.py) holds, per base unit, the number of its active
memberships (the sum of the unit's rows: on PostgreSQL each statement that changes a roll
appends a row of change, see below). It is backfilled from the memberships, then kept by triggers in the same
transaction as every change of an active membership (INSERT, DELETE, UPDATE of unit_id or
end_at), whichever code makes it: an import, a member added, leaving, a transfer, a sync, a
structure change that moves members, a member forgotten. The alignment page's popular base reads
these rows instead of counting every membership of the federation on each view; `dualpower
check` compares them with the count (services/invariants/rolls.py).

Revision ID: 0030_h24b
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_h24b"
down_revision = "0029"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")

BACKFILL = (
    "INSERT INTO unit_rolls (unit_id, members) "
    "SELECT unit_id, count(*) FROM memberships WHERE end_at IS NULL GROUP BY unit_id"
)


def _sqlite_add(row: str, delta: int, when: str) -> str:
    """Add `delta` to the roll of membership `row`'s unit (OLD or NEW) when `when` holds: to its
    one row (SQLite's writers are serial, so one row a unit takes no lock worth avoiding)."""
    unit = f"{row}.unit_id"
    return (
        f"UPDATE unit_rolls SET members = members + ({delta}) WHERE {when} AND id = "
        f"(SELECT min(id) FROM unit_rolls WHERE unit_id = {unit}); "
        f"INSERT INTO unit_rolls (unit_id, members) SELECT {unit}, {delta} WHERE {when} "
        f"AND NOT EXISTS (SELECT 1 FROM unit_rolls WHERE unit_id = {unit});"
    )


_CHANGED_SQLITE = "OLD.unit_id IS NOT NEW.unit_id OR (OLD.end_at IS NULL) <> (NEW.end_at IS NULL)"

SQLITE = [
    "CREATE TRIGGER memberships_rolls_insert AFTER INSERT ON memberships "
    "WHEN NEW.end_at IS NULL BEGIN " + _sqlite_add("NEW", 1, "1") + " END",
    "CREATE TRIGGER memberships_rolls_delete AFTER DELETE ON memberships "
    "WHEN OLD.end_at IS NULL BEGIN " + _sqlite_add("OLD", -1, "1") + " END",
    "CREATE TRIGGER memberships_rolls_update AFTER UPDATE OF unit_id, end_at ON memberships "
    f"WHEN {_CHANGED_SQLITE} BEGIN "
    + _sqlite_add("OLD", -1, "OLD.end_at IS NULL")
    + _sqlite_add("NEW", 1, "NEW.end_at IS NULL")
    + " END",
]

# PostgreSQL: a statement-level trigger over the transition tables appends one row of change
# per unit and statement (an import of 10,000 members adds a row per unit, not per member).
# Appending, not updating a row per unit: a transfer from A to B and one from B to A at the
# same time would otherwise each lock one unit's row and wait for the other's (a deadlock), and
# every join to a unit would wait for the last one's commit. Readers sum a unit's rows;
# AlignmentRepo.compact_rolls folds them into one a unit (concurrent appends are kept).
_CHANGED = "(o.unit_id <> n.unit_id OR (o.end_at IS NULL) <> (n.end_at IS NULL))"
_DELTAS = {
    "INSERT": "SELECT unit_id, 1 FROM new_rows WHERE end_at IS NULL",
    "DELETE": "SELECT unit_id, -1 FROM old_rows WHERE end_at IS NULL",
    "UPDATE": "SELECT o.unit_id, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id "
    f"WHERE o.end_at IS NULL AND {_CHANGED} UNION ALL "
    "SELECT n.unit_id, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id "
    f"WHERE n.end_at IS NULL AND {_CHANGED}",
}


def _pg_branch(i: int, op_: str, query: str) -> str:
    return (
        f"{'IF' if i == 0 else 'ELSIF'} TG_OP = '{op_}' THEN\n"
        "    INSERT INTO unit_rolls (unit_id, members)\n"
        f"    SELECT u, sum(d) FROM ({query}) AS deltas(u, d) GROUP BY u HAVING sum(d) <> 0;"
    )


POSTGRESQL = [
    "CREATE FUNCTION dualpower_rolls_memberships() RETURNS trigger AS $$\nBEGIN\n  "
    + "\n  ".join(_pg_branch(i, op_, q) for i, (op_, q) in enumerate(_DELTAS.items()))
    + "\n  END IF;\n  RETURN NULL;\nEND $$ LANGUAGE plpgsql",
    *(
        f"CREATE TRIGGER memberships_rolls_{event.lower()} AFTER {event} ON memberships "
        f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION dualpower_rolls_memberships()"
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        )
    ),
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "unit_rolls",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("unit_id", Id, nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["base_units.id"], name=op.f("fk_unit_rolls_unit_id_base_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_rolls")),
    )
    op.create_index("ix_unit_rolls_unit_id", "unit_rolls", ["unit_id"])
    op.execute(BACKFILL)
    for statement in SQLITE if dialect == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    for name in ("insert", "delete", "update"):
        op.execute(
            f"DROP TRIGGER memberships_rolls_{name}" + ("" if is_sqlite else " ON memberships")
        )
    if not is_sqlite:
        op.execute("DROP FUNCTION dualpower_rolls_memberships()")
    op.drop_table("unit_rolls")
