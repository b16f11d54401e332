"""The spare test databases (tests/pg_copies.py): each is a copy of its source as it stands,
handed over once; a retired source's spares are dropped, never handed over."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pg_copies import Dropper, Spares, admin_sql

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs DUALPOWER_TEST_PG_URL")


def _sql(name: str, statement: str) -> list[tuple[object, ...]]:
    assert PG_URL
    engine = create_engine(make_url(PG_URL).set(database=name))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _exists(name: str) -> bool:
    assert PG_URL
    rows = _sql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    return bool(rows)


@pytest.fixture
def sources() -> Iterator[list[str]]:
    """Two template databases, each holding one row that names it."""
    assert PG_URL
    names = [f"dp_src_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for name in names:
        admin_sql(PG_URL, f'CREATE DATABASE "{name}"')
        _sql(name, "CREATE TABLE t (v text)")
        _sql(name, f"INSERT INTO t VALUES ('{name}')")
    yield names
    for name in names:
        admin_sql(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_for_spare(spares: Spares, source: str) -> None:
    deadline = time.monotonic() + 60
    while not spares._ready.get(source) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert spares._ready.get(source), "no spare made within a minute"


def test_each_copy_is_the_source_and_handed_over_once(sources: list[str]) -> None:
    assert PG_URL
    dropper = Dropper(PG_URL)
    spares = Spares(PG_URL, dropper)
    taken = [spares.take(sources[0])]
    _wait_for_spare(spares, sources[0])  # made while "the test" ran
    taken += [spares.take(sources[0]), spares.take(sources[0])]
    try:
        assert len(set(taken)) == 3
        _sql(taken[0], "INSERT INTO t VALUES ('written by the first test')")
        assert _sql(taken[1], "SELECT v FROM t") == [(sources[0],)]
        assert _sql(taken[2], "SELECT v FROM t") == [(sources[0],)]
        _wait_for_spare(spares, sources[0])
        left = spares._ready[sources[0]][0]
    finally:
        spares.finish()  # drops the spares no test took
        for name in taken:
            dropper.drop(name)
        dropper.finish()
    assert not any(_exists(name) for name in [*taken, left])


def test_a_retired_sources_spares_are_dropped_not_handed_over(sources: list[str]) -> None:
    assert PG_URL
    dropper = Dropper(PG_URL)
    spares = Spares(PG_URL, dropper)
    first = spares.take(sources[0])
    _wait_for_spare(spares, sources[0])
    spare = spares._ready[sources[0]][0]
    spares.retire(sources[0])
    dropper.finish()  # waits for the drops given so far
    assert not _exists(spare)
    second = spares.take(sources[1])
    try:
        assert _sql(second, "SELECT v FROM t") == [(sources[1],)]
    finally:
        spares.finish()
        dropper.drop(first)
        dropper.drop(second)
        dropper.finish()
    assert not any(_exists(name) for name in (first, second))
