"""Alembic migrations, run from code: `upgrade(engine)` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, inspect, text

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def wipe(engine: Engine) -> None:
    """Drop every table of the schema, with its data, and our PostgreSQL trigger functions.

    Not by running the migrations down: a downgrade may restore a rule that the data no longer
    meets (a CHECK that a later kind of row breaks), and a wipe must not depend on that.
    """
    present = MetaData()
    present.reflect(engine)
    with engine.begin() as conn:
        present.drop_all(conn)  # children first; dropping a table drops its triggers
        if conn.dialect.name == "postgresql":
            functions = conn.execute(
                text(
                    "SELECT p.oid::regprocedure::text FROM pg_proc p "
                    "JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = current_schema() AND p.proname LIKE 'dualpower\\_%'"
                )
            ).scalars()
            for function in list(functions):
                conn.execute(text(f"DROP FUNCTION IF EXISTS {function}"))


def schema_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
