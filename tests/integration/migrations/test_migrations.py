"""Migrations (issue 2): upgrade from an empty database to head, on SQLite and PostgreSQL; the
migrated schema equals `tables.metadata`; downgrade to base and upgrade again."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from dualpower.store.db import make_engine
from dualpower.store.migrate import alembic_config, downgrade, is_empty, upgrade, wipe
from dualpower.store.schema import metadata  # the core tables and every topic's

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TRIGGERS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
}


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no tables at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    assert PG_URL
    name = f"dp_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(TRIGGERS[engine.dialect.name])).scalars())


def test_upgrade_from_empty_matches_the_tables(empty_engine: Engine) -> None:
    assert is_empty(empty_engine)
    upgrade(empty_engine)
    assert set(metadata.tables) <= set(inspect(empty_engine).get_table_names())
    assert differences(empty_engine) == []
    with empty_engine.connect() as conn:
        versions = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    assert versions == set(ScriptDirectory.from_config(alembic_config(empty_engine)).get_heads())


def test_the_audit_triggers_come_with_the_migrations(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    names = triggers(empty_engine)
    assert len(names) >= 4
    assert any("audit_log" in n for n in names) and any("audit_heads" in n for n in names)


def test_downgrade_to_base_and_upgrade_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    assert triggers(empty_engine) == set()
    upgrade(empty_engine)
    assert differences(empty_engine) == []
    assert len(triggers(empty_engine)) >= 4


def test_upgrade_is_idempotent(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert differences(empty_engine) == []


def test_wipe_drops_everything_even_with_data(empty_engine: Engine) -> None:
    """The demo rebuild wipes the database; data a downgrade could choke on must not stop it."""
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (act, payload, is_operator, recorded_at) "
                "VALUES ('test.act', '{}', false, '2030-01-01T00:00:00+00:00')"
            )
        )
    wipe(empty_engine)
    assert inspect(empty_engine).get_table_names() == []
    assert triggers(empty_engine) == set()
    if empty_engine.dialect.name == "postgresql":
        with empty_engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'dualpower%'")
            ).scalar()
        assert left == 0
    upgrade(empty_engine)
    assert differences(empty_engine) == []
