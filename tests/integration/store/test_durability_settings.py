"""Durability settings on every pooled connection (issue 7 item 3): SQLite in WAL mode with
synchronous=FULL and foreign keys on; PostgreSQL with fsync, synchronous_commit and
full_page_writes on. Checked on every connection the engine hands out: several held at once,
again after the pool is thrown away, and after a connection is invalidated (a reconnect)."""

from __future__ import annotations

from contextlib import ExitStack

from sqlalchemy import Connection, Engine, text

from dualpower.bootstrap import System
from dualpower.store.db import READ_ONLY, rebuildable

HELD = 6

SQLITE = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}  # 2 is FULL
POSTGRESQL = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


def settings(conn: Connection) -> dict[str, object]:
    if conn.dialect.name == "sqlite":
        return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in SQLITE}
    return {name: conn.execute(text(f"SHOW {name}")).scalar() for name in POSTGRESQL}


def expected(engine: Engine) -> dict[str, object]:
    return dict(SQLITE) if engine.dialect.name == "sqlite" else dict(POSTGRESQL)


def check_all_held(engine: Engine) -> set[int]:
    """Hold HELD connections at once (so they are distinct), check each; their DBAPI ids."""
    seen = set()
    with ExitStack() as stack:
        for _ in range(HELD):
            # read-only: on SQLite a writer takes the write lock at BEGIN, and six could not
            # all hold one
            conn = stack.enter_context(engine.connect()).execution_options(**{READ_ONLY: True})
            got = settings(conn)
            assert got == expected(engine), (
                f"a pooled {engine.dialect.name} connection is not durable: {got}"
                + (
                    " (the PostgreSQL server runs with these off: scripts/test keeps them on)"
                    if engine.dialect.name == "postgresql"
                    else ""
                )
            )
            seen.add(id(conn.connection.dbapi_connection))
    return seen


def test_every_pooled_connection_is_durable(system: System) -> None:
    engine = system.engine
    first = check_all_held(engine)
    assert len(first) == HELD
    # a connection invalidated (as after a dropped link) is replaced by a fresh one: checked too
    with engine.connect() as conn:
        conn.invalidate()
    check_all_held(engine)
    # the whole pool thrown away and built again
    engine.dispose()
    again = check_all_held(engine)
    assert len(again) == HELD


def test_the_units_of_work_run_on_durable_connections(system: System) -> None:
    for _ in range(3):
        with system.uow() as uow:
            assert settings(uow.conn) == expected(system.engine)
        with system.reader() as uow:
            assert settings(uow.conn) == expected(system.engine)


RELAXED = {"sqlite": ("synchronous", 1), "postgresql": ("synchronous_commit", "off")}  # 1: NORMAL


def test_a_rebuildable_build_waits_for_no_disk_and_durability_comes_back(system: System) -> None:
    """The demo's build (store/db.py `rebuildable`): its connections commit without waiting
    for the disk; every connection after it is durable again, and nothing else was relaxed."""
    engine = system.engine
    name, relaxed = RELAXED[engine.dialect.name]
    check_all_held(engine)  # connections opened before: durable, and not reused inside
    with rebuildable(engine):
        with system.uow() as uow:
            assert settings(uow.conn)[name] == relaxed
        with system.reader() as uow:
            assert settings(uow.conn)[name] == relaxed
    with system.uow() as uow:
        assert settings(uow.conn) == expected(engine)
    assert len(check_all_held(engine)) == HELD
