"""Fixtures shared by the suite: a fresh database on SQLite and, when DUALPOWER_TEST_PG_URL is
set (scripts/test sets it), on PostgreSQL too; a small founded federation on it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backends import copy_sqlite
from dualpower.bootstrap import System, build

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
# The password gate (web/guards.py) paces logins to a share of a process's time, so that a flood
# cannot starve ballots. Tests log members in one after another, often on a loaded machine, and
# are not a flood: they check passwords at full pace and wait long for their turn. The gate's
# own tests (test_ops_web.py) set its share and wait themselves; so do the serve processes a
# test starts, which inherit these.
os.environ.setdefault("DUALPOWER_PASSWORD_CHECK_SHARE", "1")
os.environ.setdefault("DUALPOWER_PASSWORD_CHECK_WAIT", "120")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _admin_engine():  # type: ignore[no-untyped-def]
    assert PG_URL is not None
    return create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A PostgreSQL database migrated once; each test copies it (CREATE DATABASE ... TEMPLATE)."""
    if not PG_URL:
        yield None
        return
    name = f"dp_tmpl_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    template = build(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    template.engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session (each xdist worker its own); each test copies it.

    Built by running the migrations at the session's start, never kept from an earlier run, so
    a migration added since is always in it (a copy takes milliseconds, a migration most of a
    second)."""
    path = tmp_path_factory.mktemp("sqlite_template") / "migrated.db"
    build(f"sqlite:///{path}").engine.dispose()
    return path


def _fresh_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        target = tmp_path / "test.db"
        copy_sqlite(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("pg_template")
    assert PG_URL and template
    name = f"dp_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty, migrated database (a copy of the session's migrated template):
    SQLite, and PostgreSQL when available."""
    yield from _fresh_url(request, request.param, tmp_path)


@pytest.fixture
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a database with no tables at all (for migration tests); SQLite only here,
    see tests/integration/migrations for PostgreSQL."""
    yield f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def system(database_url: str) -> Iterator[System]:
    sys_ = build(database_url, migrate=False)  # a copy of a migrated template
    yield sys_
    sys_.engine.dispose()


@pytest.fixture
def federation(system: System):  # type: ignore[no-untyped-def]
    """A small founded federation (see tests/factories.py)."""
    from factories import small_federation

    return small_federation(system)
