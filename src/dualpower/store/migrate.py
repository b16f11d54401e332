"""Alembic migrations, run from code: `upgrade(engine)` brings a database to the newest schema.

Only `dualpower migrate` upgrades an existing database (`init` and `demo` create a new one's
schema); every other command and the server first ask `schema_status` and refuse a database
whose schema is older or newer than this code's, with one line saying what to run
(`require_current`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, MetaData, ScalarResult, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"

# The newest revision of the scripts under MIGRATIONS (a test holds the two together): a command
# finds its database current with one query, without loading Alembic (a tenth of a second of
# every command's start); Alembic reads the scripts only when the database is not current.
HEAD = "0035_mail"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

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
            functions: ScalarResult[str] = conn.execute(
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


@cache
def head_revisions() -> frozenset[str]:
    """The newest revisions this code knows (one per branch not merged yet)."""
    return frozenset(_scripts().get_heads())


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(rev.revision for rev in _scripts().walk_revisions())


def _scripts() -> ScriptDirectory:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def _stamped(conn: Connection) -> frozenset[str]:
    """The revisions the database is at (what Alembic's version table holds; none without it)."""
    if not inspect(conn).has_table("alembic_version"):
        return frozenset()
    return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


@dataclass(frozen=True)
class SchemaStatus:
    """`state`: "current", "empty" (no table), "outdated" (migrate it), "newer" (a later
    release's schema: upgrade dualpower) or "foreign" (tables but no revision of ours)."""

    state: str
    current: frozenset[str]
    heads: frozenset[str]

    @property
    def is_current(self) -> bool:
        return self.state == "current"

    def revisions(self) -> dict[str, list[str]]:
        return {"revision": sorted(self.current), "needed": sorted(self.heads)}


def schema_status(engine: Engine) -> SchemaStatus:
    with engine.connect() as conn:
        current = _stamped(conn)
        has_tables = current == {HEAD} or bool(inspect(conn).get_table_names())
        conn.rollback()
    if current == {HEAD}:
        return SchemaStatus("current", current, current)
    heads = head_revisions()
    if current == heads:
        state = "current"
    elif not current:
        state = "foreign" if has_tables else "empty"
    elif current - _known_revisions():
        state = "newer"
    else:
        state = "outdated"
    return SchemaStatus(state, current, heads)


class SchemaMismatch(ValueError):
    """The database's schema is not this code's: the message says what to run."""


def require_current(engine: Engine) -> SchemaStatus:
    status = schema_status(engine)
    if status.is_current:
        return status
    where = engine.url.render_as_string(hide_password=True)
    have = ", ".join(sorted(status.current)) or "none"
    need = ", ".join(sorted(status.heads))
    message = {
        "empty": f"the database {where} is empty: run `dualpower init` first",
        "foreign": f"the database {where} holds tables but no dualpower schema revision",
        "outdated": (
            f"the database {where} has schema revision {have}, this dualpower needs {need}: "
            "back it up (`dualpower backup FILE`), then run `dualpower migrate`"
        ),
        "newer": (
            f"the database {where} has schema revision {have}, newer than this dualpower "
            f"knows ({need}): run the dualpower release that wrote it"
        ),
    }[status.state]
    raise SchemaMismatch(message)
