"""Alembic migrations, run from code: `upgrade(engine)` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def wipe(engine: Engine) -> None:
    """Drop every table of the schema (migrations down to nothing)."""
    if "alembic_version" in inspect(engine).get_table_names():
        downgrade(engine, "base")


def schema_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
