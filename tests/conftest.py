"""Fixtures shared by the suite: a fresh database on SQLite and, when DUALPOWER_TEST_PG_URL is
set (scripts/test sets it), on PostgreSQL too; a small founded federation on it."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backends import copy_sqlite
from dualpower.bootstrap import System, build
from dualpower.store.uow import utcnow
from factories import Small, small_federation
from pg_copies import DROPPER, SPARES

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
    _SPARES.finish()  # no copy of it is being made while it is dropped
    _DROPPER.drop(name)
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


def _copy_url(backend: str, source: str, tmp_path: Path) -> Iterator[str]:
    """A URL of a new database copied from `source` (a SQLite file, or a PostgreSQL template)."""
    if backend == "sqlite":
        target = tmp_path / "test.db"
        copy_sqlite(Path(source), target)
        yield f"sqlite:///{target}"
        return
    assert PG_URL
    name = _SPARES.take(source)  # made while the previous test ran (tests/pg_copies.py)
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _DROPPER.drop(name)


# Each xdist worker's threads that make (and drop) PostgreSQL test databases off the tests' path.
_DROPPER = DROPPER
_SPARES = SPARES


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _SPARES.finish()
    _DROPPER.finish()


def _fresh_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    fixture = "sqlite_template" if backend == "sqlite" else "pg_template"
    source = request.getfixturevalue(fixture)
    assert source
    yield from _copy_url(backend, str(source), tmp_path)


@dataclass
class _World:
    """A small federation founded once in a template database (see `federation_templates`)."""

    source: str  # a SQLite file, or a PostgreSQL database to copy
    small: Small  # its ids (its `system` is closed)
    built_at: float


class FederationTemplates:
    """The small federation (tests/factories.py) founded in a template database, which each test
    that asks for `federation` copies instead of founding it again (its founding elections cost
    half a second a test). The copy is the world `small_federation` builds, rows, log and ids
    alike; only its moment differs, by at most MAX_AGE seconds: an older template is founded
    again, so a test never meets a world founded long before it started."""

    MAX_AGE = 60.0

    def __init__(self, request: pytest.FixtureRequest, tmp: Path) -> None:
        self._request = request
        self._tmp = tmp
        self._latest: dict[str, _World] = {}
        self._pg_names: list[str] = []
        self.copies: dict[str, Small] = {}  # a test database's URL -> the world copied in it

    def latest(self, backend: str) -> _World:
        world = self._latest.get(backend)
        if world is None or time.monotonic() - world.built_at > self.MAX_AGE:
            if world is not None and backend == "postgresql":
                _SPARES.retire(world.source)  # its spares were copied from the older world
            world = self._latest[backend] = self._found(backend)
        return world

    def _found(self, backend: str) -> _World:
        if backend == "sqlite":
            path = self._tmp / f"federation_{uuid.uuid4().hex[:8]}.db"
            copy_sqlite(self._request.getfixturevalue("sqlite_template"), path)
            source, url = str(path), f"sqlite:///{path}"
        else:
            assert PG_URL
            source = _SPARES.take(self._request.getfixturevalue("pg_template"))
            self._pg_names.append(source)
            url = make_url(PG_URL).set(database=source).render_as_string(hide_password=False)
        built = build(url, migrate=False)
        try:
            small = small_federation(built)
        finally:
            built.engine.dispose()
        return _World(source, small, time.monotonic())

    def drop(self) -> None:
        if not self._pg_names:
            return
        _SPARES.finish()  # no copy of them is being made while they are dropped
        for name in self._pg_names:
            _DROPPER.drop(name)


@pytest.fixture(scope="session")
def federation_templates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FederationTemplates]:
    templates = FederationTemplates(request, tmp_path_factory.mktemp("federation_templates"))
    yield templates
    templates.drop()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty, migrated database (a copy of the session's migrated template):
    SQLite, and PostgreSQL when available. A test that asks for `federation` gets a copy of
    the federation's template instead (the same database `small_federation` would leave)."""
    if "federation_templates" not in request.fixturenames:
        yield from _fresh_url(request, request.param, tmp_path)
        return
    templates: FederationTemplates = request.getfixturevalue("federation_templates")
    world = templates.latest(request.param)
    for url in _copy_url(request.param, world.source, tmp_path):
        templates.copies[url] = world.small
        try:
            yield url
        finally:
            del templates.copies[url]


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
def federation(system: System, federation_templates: FederationTemplates) -> Small:
    """A small founded federation (see tests/factories.py); copied from a template when the
    system's database came from `database_url`, founded on it otherwise."""
    url = system.engine.url.render_as_string(hide_password=False)
    world = federation_templates.copies.get(url)
    if world is None:
        return small_federation(system)
    if system.clock is not utcnow or system.subscribers or system.handlers:
        pytest.fail(
            "the federation's template was founded by the real clock with nobody listening: "
            "call factories.small_federation(system) for a world founded otherwise",
            pytrace=False,
        )
    return replace(
        world,
        system=system,
        members=dict(world.members),
        factions=dict(world.factions),
        councils=dict(world.councils),
        units=dict(world.units),
    )
