"""Only `dualpower migrate` changes an existing database's schema (issue 23): every other
command refuses an outdated or a newer schema with one line saying what to run, and changes
nothing; `init` gives a new database its schema; `audit verify` writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ops_support import dualpower
from ops_support import new_database as new_database  # a fixture
from sqlalchemy import insert, select, text
from test_cli import one_clear_line

from dualpower.bootstrap import build
from dualpower.cli_ops import describe
from dualpower.store import tables as t
from dualpower.store.db import make_engine
from dualpower.store.migrate import schema_status, upgrade
from dualpower.store.sequencer import settle
from factories import small_federation


def test_an_outdated_schema_is_refused_until_migrated(new_database) -> None:  # type: ignore[no-untyped-def]
    url = new_database()
    engine = make_engine(url)
    upgrade(engine, "0015")
    for args in (["check"], ["init"], ["audit", "verify"], ["export", "/nonexistent-x"]):
        done = dualpower(url, *args)
        assert done.returncode == 2, (args, done.stderr)
        line = one_clear_line(done.stderr)
        assert "0015" in line and "dualpower migrate" in line, line
    assert schema_status(engine).current == {"0015"}  # nothing changed it
    migrated = dualpower(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "from 0015 to" in migrated.stdout
    assert schema_status(engine).is_current
    assert "already" in dualpower(url, "migrate").stdout
    assert dualpower(url, "check").returncode == 0
    engine.dispose()


def test_a_newer_schema_is_refused_even_by_migrate(database_url: str) -> None:
    url = database_url  # a copy of the session's migrated database (tests/conftest.py)
    engine = build(url, migrate=False).engine
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_future')"))
    for args in (["check"], ["migrate"]):
        done = dualpower(url, *args)
        assert done.returncode == 2 and "newer" in one_clear_line(done.stderr), done.stderr
    engine.dispose()


def test_init_creates_a_new_databases_schema(new_database) -> None:  # type: ignore[no-untyped-def]
    url = new_database()
    done = dualpower(url, "init")
    assert done.returncode == 0, done.stderr
    engine = make_engine(url)
    assert schema_status(engine).is_current
    engine.dispose()
    empty = new_database()
    refused = dualpower(empty, "check")
    assert refused.returncode == 2 and "dualpower init" in one_clear_line(refused.stderr)


def test_audit_verify_writes_nothing(database_url: str) -> None:
    url = database_url
    system = build(url, migrate=False)
    small_federation(system, elect=False)
    settle(system.engine)  # this process's sealer is done: nothing wakes it again
    old = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    with system.engine.begin() as conn:
        conn.execute(
            insert(t.audit_log).values(
                act="test.forged", payload="{}", actor=None, is_operator=False, recorded_at=old
            )
        )
    done = dualpower(url, "audit", "verify")
    assert done.returncode == 1 and "test.forged" in done.stderr, done.stderr
    with system.engine.connect() as conn:
        row = conn.execute(select(t.audit_log.c.seq).where(t.audit_log.c.act == "test.forged"))
        assert row.scalar_one() is None  # still unsealed: the verifier sealed nothing
    system.engine.dispose()


def test_serve_says_which_database_it_opened(database_url: str) -> None:
    system = build(database_url, migrate=False)
    said = describe(system)
    assert "no federation yet" in said and "schema " in said
    small_federation(system, elect=False)
    said = describe(system)
    where = system.engine.url.render_as_string(hide_password=True)
    assert said.startswith(f"database {where}, schema ") and "the federation " in said
    assert system.engine.url.password is None or str(system.engine.url.password) not in said
    system.engine.dispose()
