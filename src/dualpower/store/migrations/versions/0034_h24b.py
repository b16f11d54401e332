"""popular bases kept, refreshed by the clock (issue 24)

`popular_bases` (store/tables_alignment.py) holds the popular base's figures as
`AlignmentRepo.represented` counts them, for every council (council_id 0: the federation's unit
seats), and `popular_base_state` the time they are as of. The clock's early runs refresh them
(services/alignment.refresh_bases) when a roll, a mandate, an electorate or the tree changed
since the last refresh: these tables' triggers mark it in `popular_base_changes`, appending a
row per statement on PostgreSQL (no row for two writers to wait on each other for), one row on
SQLite (its writers are serial). A refresh deletes the marks it sees before counting, so a
change committed while it counts leaves its mark for the next.

Revision ID: 0034_h24b
Revises: 0033
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034_h24b"
down_revision = "0033"
branch_labels = None
depends_on = None

Id = sa.Integer().with_variant(sa.BigInteger(), "postgresql")

WATCHED = ("memberships", "mandates", "electorates", "councils", "base_units")
EVENTS = ("INSERT", "UPDATE", "DELETE")

POSTGRESQL = [
    "CREATE FUNCTION dualpower_popular_base_changed() RETURNS trigger AS $$\nBEGIN\n"
    "  INSERT INTO popular_base_changes DEFAULT VALUES;\n  RETURN NULL;\nEND $$ LANGUAGE plpgsql",
    *(
        f"CREATE TRIGGER {table}_popular_base AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION dualpower_popular_base_changed()"
        for table in WATCHED
    ),
]
SQLITE = [
    f"CREATE TRIGGER {table}_popular_base_{event.lower()} AFTER {event} ON {table} BEGIN "
    "INSERT OR IGNORE INTO popular_base_changes (id) VALUES (1); END"
    for table in WATCHED
    for event in EVENTS
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "popular_bases",
        sa.Column("council_id", Id, nullable=False),  # 0: the federation (its unit seats)
        sa.Column("faction_id", Id, nullable=False),  # 0: no faction
        sa.Column("is_unit", sa.Boolean(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("members", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "council_id", "faction_id", "is_unit", "seats", name=op.f("pk_popular_bases")
        ),
    )
    op.create_table(
        "popular_base_state",
        sa.Column("id", sa.Integer(), nullable=False),  # 1: one row
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_popular_base_state")),
    )
    op.create_table(
        "popular_base_changes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_popular_base_changes")),
    )
    # No state yet: the page counts the popular base itself until the clock's first refresh.
    for statement in SQLITE if dialect == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    if is_sqlite:
        for table in WATCHED:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER {table}_popular_base_{event.lower()}")
    else:
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_popular_base ON {table}")
        op.execute("DROP FUNCTION dualpower_popular_base_changed()")
    op.drop_table("popular_base_changes")
    op.drop_table("popular_base_state")
    op.drop_table("popular_bases")
