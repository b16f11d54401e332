"""alignment kept by triggers: seats per council, faction and kind; each council's composition

`alignment_counts` and `alignment_councils` (store/tables_alignment.py) are backfilled from the
mandates and electorates, then kept by triggers in the same transaction as every change of an
active mandate (INSERT, DELETE, UPDATE of council_id, electorate_id, faction_id or end_at) and of
an electorate's seats (INSERT, DELETE, UPDATE of council_id or seats).

Revision ID: 0010_alignment_counts
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_alignment_counts"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")

COUNTS = (
    "INSERT INTO alignment_counts (council_id, faction_id, is_unit, seats) "
    "SELECT m.council_id, COALESCE(m.faction_id, 0), e.kind = 'unit', count(*) "
    "FROM mandates m JOIN electorates e ON e.id = m.electorate_id "
    "WHERE m.end_at IS NULL GROUP BY m.council_id, COALESCE(m.faction_id, 0), e.kind = 'unit'"
)
# A council's counts as text, "faction_id:is_unit:seats" by faction and kind (`{council}`: its
# id; is_unit as 1 or 0).
_TRIPLE = "faction_id || ':' || (CASE WHEN is_unit THEN 1 ELSE 0 END) || ':' || seats"
_OF_COUNCIL = "FROM alignment_counts WHERE council_id = {council} AND seats <> 0"
TEXT = {
    "sqlite": f"COALESCE((SELECT group_concat(t, ',') FROM (SELECT {_TRIPLE} AS t "
    + _OF_COUNCIL
    + " ORDER BY faction_id, is_unit)), '')",
    "postgresql": f"COALESCE((SELECT string_agg({_TRIPLE}, ',' ORDER BY faction_id, is_unit) "
    + _OF_COUNCIL
    + "), '')",
}
COUNCILS = (
    "INSERT INTO alignment_councils (council_id, seats, composition) "
    "SELECT c.id, COALESCE((SELECT sum(e.seats) FROM electorates e WHERE e.council_id = c.id), 0), "
    "{text} FROM councils c"
)


def _sqlite_count(row: str, delta: int, when: str) -> str:
    """Add `delta` to the count of mandate `row` (OLD or NEW) when `when` holds."""
    return (
        "INSERT INTO alignment_counts (council_id, faction_id, is_unit, seats) "
        f"SELECT {row}.council_id, COALESCE({row}.faction_id, 0), e.kind = 'unit', {delta} "
        f"FROM electorates e WHERE e.id = {row}.electorate_id AND {when} "
        f"ON CONFLICT (council_id, faction_id, is_unit) DO UPDATE SET seats = seats + ({delta});"
    )


def _sqlite_text(council: str) -> str:
    """Rebuild the composition text of council `council` from its counts."""
    return (
        "INSERT INTO alignment_councils (council_id, seats, composition) "
        f"SELECT {council}, 0, {TEXT['sqlite'].format(council=council)} WHERE true "
        "ON CONFLICT (council_id) DO UPDATE SET composition = excluded.composition;"
    )


def _sqlite_seats(row: str, sign: str) -> str:
    return (
        "INSERT INTO alignment_councils (council_id, seats, composition) "
        f"VALUES ({row}.council_id, {sign}{row}.seats, '') "
        "ON CONFLICT (council_id) DO UPDATE SET seats = seats + excluded.seats;"
    )


_MANDATE_CHANGED = (
    "OLD.council_id IS NOT NEW.council_id OR OLD.electorate_id IS NOT NEW.electorate_id"
    " OR OLD.faction_id IS NOT NEW.faction_id OR (OLD.end_at IS NULL) <> (NEW.end_at IS NULL)"
)

SQLITE = [
    "CREATE TRIGGER mandates_alignment_insert AFTER INSERT ON mandates "
    "WHEN NEW.end_at IS NULL BEGIN "
    + _sqlite_count("NEW", 1, "1")
    + _sqlite_text("NEW.council_id")
    + " END",
    "CREATE TRIGGER mandates_alignment_delete AFTER DELETE ON mandates "
    "WHEN OLD.end_at IS NULL BEGIN "
    + _sqlite_count("OLD", -1, "1")
    + _sqlite_text("OLD.council_id")
    + " END",
    "CREATE TRIGGER mandates_alignment_update "
    "AFTER UPDATE OF council_id, electorate_id, faction_id, end_at ON mandates "
    f"WHEN {_MANDATE_CHANGED} BEGIN "
    + _sqlite_count("OLD", -1, "OLD.end_at IS NULL")
    + _sqlite_count("NEW", 1, "NEW.end_at IS NULL")
    + _sqlite_text("OLD.council_id")
    + _sqlite_text("NEW.council_id")
    + " END",
    "CREATE TRIGGER electorates_alignment_insert AFTER INSERT ON electorates BEGIN "
    + _sqlite_seats("NEW", "")
    + " END",
    "CREATE TRIGGER electorates_alignment_delete AFTER DELETE ON electorates BEGIN "
    + _sqlite_seats("OLD", "-")
    + " END",
    "CREATE TRIGGER electorates_alignment_update AFTER UPDATE OF council_id, seats "
    "ON electorates WHEN OLD.council_id IS NOT NEW.council_id OR OLD.seats IS NOT NEW.seats "
    "BEGIN " + _sqlite_seats("OLD", "-") + _sqlite_seats("NEW", "") + " END",
]

# PostgreSQL: statement-level triggers over the transition tables, so one statement that ends
# a cascade of mandates in several councils (services/mandates.release) updates the counts in
# one pass; each takes the advisory locks of the councils it changes in order of id first, so
# that two transactions changing the same councils queue rather than deadlock.
_CHANGED = (
    "(o.council_id <> n.council_id OR o.electorate_id <> n.electorate_id"
    " OR o.faction_id IS DISTINCT FROM n.faction_id OR (o.end_at IS NULL) <> (n.end_at IS NULL))"
)
_DELTAS = {
    "INSERT": "SELECT council_id, electorate_id, faction_id, 1 FROM new_rows WHERE end_at IS NULL",
    "DELETE": "SELECT council_id, electorate_id, faction_id, -1 FROM old_rows WHERE end_at IS NULL",
    "UPDATE": "SELECT o.council_id, o.electorate_id, o.faction_id, -1 "
    "FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.end_at IS NULL AND "
    + _CHANGED
    + " UNION ALL SELECT n.council_id, n.electorate_id, n.faction_id, 1 "
    "FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.end_at IS NULL AND " + _CHANGED,
}
_SEATS = {
    "INSERT": "SELECT council_id, seats FROM new_rows",
    "DELETE": "SELECT council_id, -seats FROM old_rows",
    "UPDATE": "SELECT council_id, -seats FROM old_rows UNION ALL SELECT council_id, seats FROM new_rows",
}


def _pg_gather(queries: dict[str, str], into: str, columns: str) -> str:
    """plpgsql: the rows of the query for this TG_OP, gathered into arrays."""
    branches = [
        f"{'IF' if i == 0 else 'ELSIF'} TG_OP = '{op_}' THEN\n"
        f"    SELECT {columns} INTO {into} FROM ({query}) AS d(c, x, y, z);"
        for i, (op_, query) in enumerate(queries.items())
    ]
    return "\n  ".join(branches) + "\n  END IF;"


POSTGRESQL = [
    """CREATE FUNCTION dualpower_alignment_lock(councils BIGINT[]) RETURNS void AS $$
DECLARE
  council BIGINT;
BEGIN
  FOR council IN SELECT DISTINCT c FROM unnest(councils) AS c ORDER BY c LOOP
    PERFORM pg_advisory_xact_lock(1917, (council % 2147483647)::integer);
  END LOOP;
END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION dualpower_alignment_mandates() RETURNS trigger AS $$
DECLARE
  v_councils BIGINT[];
  v_electorates BIGINT[];
  v_factions BIGINT[];
  v_deltas INTEGER[];
BEGIN
  """
    + _pg_gather(
        _DELTAS,
        "v_councils, v_electorates, v_factions, v_deltas",
        "array_agg(c), array_agg(x), array_agg(COALESCE(y, 0)), array_agg(z)",
    )
    + """
  IF v_councils IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM dualpower_alignment_lock(v_councils);
  INSERT INTO alignment_counts (council_id, faction_id, is_unit, seats)
  SELECT d.council, d.faction, e.kind = 'unit', sum(d.delta)
  FROM unnest(v_councils, v_electorates, v_factions, v_deltas) AS d(council, electorate, faction, delta)
  JOIN electorates e ON e.id = d.electorate
  GROUP BY d.council, d.faction, e.kind = 'unit' HAVING sum(d.delta) <> 0
  ORDER BY 1, 2, 3
  ON CONFLICT (council_id, faction_id, is_unit)
  DO UPDATE SET seats = alignment_counts.seats + EXCLUDED.seats;
  INSERT INTO alignment_councils (council_id, seats, composition)
  SELECT council, 0, """
    + TEXT["postgresql"].format(council="council")
    + """
  FROM (SELECT DISTINCT unnest(v_councils) AS council) AS changed ORDER BY council
  ON CONFLICT (council_id) DO UPDATE SET composition = EXCLUDED.composition;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION dualpower_alignment_electorates() RETURNS trigger AS $$
DECLARE
  v_councils BIGINT[];
  v_deltas INTEGER[];
BEGIN
  """
    + _pg_gather(
        {k: v.replace(" FROM", ", 0, 0 FROM") for k, v in _SEATS.items()},
        "v_councils, v_deltas",
        "array_agg(c), array_agg(x)",
    )
    + """
  IF v_councils IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM dualpower_alignment_lock(v_councils);
  INSERT INTO alignment_councils (council_id, seats, composition)
  SELECT d.council, sum(d.delta), ''
  FROM unnest(v_councils, v_deltas) AS d(council, delta)
  GROUP BY d.council HAVING sum(d.delta) <> 0 ORDER BY 1
  ON CONFLICT (council_id) DO UPDATE SET seats = alignment_councils.seats + EXCLUDED.seats;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    *(
        f"CREATE TRIGGER {table}_alignment_{event.lower()} AFTER {event} ON {table} "
        f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION dualpower_alignment_{table}()"
        for table in ("mandates", "electorates")
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
        "alignment_counts",
        sa.Column("council_id", Id, nullable=False),
        sa.Column("faction_id", Id, nullable=False),
        sa.Column("is_unit", sa.Boolean(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_alignment_counts_council_id_councils")
        ),
        sa.PrimaryKeyConstraint(
            "council_id", "faction_id", "is_unit", name=op.f("pk_alignment_counts")
        ),
    )
    op.create_table(
        "alignment_councils",
        sa.Column("council_id", Id, nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("composition", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_alignment_councils_council_id_councils")
        ),
        sa.PrimaryKeyConstraint("council_id", name=op.f("pk_alignment_councils")),
    )
    op.execute(COUNTS)
    op.execute(COUNCILS.format(text=TEXT[dialect].format(council="c.id")))
    for statement in SQLITE if dialect == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("mandates", "electorates"):
        for name in ("insert", "delete", "update"):
            op.execute(
                f"DROP TRIGGER {table}_alignment_{name}" + ("" if is_sqlite else f" ON {table}")
            )
    if not is_sqlite:
        op.execute("DROP FUNCTION dualpower_alignment_mandates()")
        op.execute("DROP FUNCTION dualpower_alignment_electorates()")
        op.execute("DROP FUNCTION dualpower_alignment_lock(BIGINT[])")
    op.drop_table("alignment_councils")
    op.drop_table("alignment_counts")
