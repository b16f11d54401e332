"""Sealing off the request path (DESIGN.md 2.8, issue 4): an act's commit wakes a background
sealer and returns without waiting for it; readers of the log still never see an unsealed tail;
the thread stops with its engine; on SQLite it checkpoints the WAL (no committing request
does); a pooled connection killed behind the pool's back (a restarted server) is replaced."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from backends import only_postgresql, only_sqlite
from dualpower.bootstrap import System, build
from dualpower.services.audit import entries, verify_log
from dualpower.store import sequencer
from dualpower.store import tables as t
from dualpower.store.db import PING_AFTER_IDLE, writers_lock_path
from dualpower.store.sequencer import LOCK_KEY, settle

LOG = t.audit_log


def _act(system: System, n: int) -> None:
    with system.uow() as uow:
        uow.record("test.act", {"n": n})
        uow.commit()


def _unsealed(system: System) -> int:
    with system.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(LOG.c.seq.is_(None))).scalar_one())


def _sealers() -> list[threading.Thread]:
    return [th for th in threading.enumerate() if th.name == "dualpower-sealer" and th.is_alive()]


def test_the_background_sealer_seals_without_any_reader(system: System) -> None:
    _act(system, 0)
    assert settle(system.engine)
    assert _unsealed(system) == 0
    with system.engine.connect() as conn:
        assert conn.execute(select(func.max(t.audit_heads.c.size))).scalar() == 1


@only_sqlite
def test_sqlite_acts_do_not_wait_for_a_sealer_waiting_for_its_turn(system: System) -> None:
    _act(system, 0)
    settle(system.engine)
    database = system.engine.url.database
    assert database is not None
    with open(writers_lock_path(database), "a+b") as turn:
        fcntl.flock(turn.fileno(), fcntl.LOCK_EX)  # the sealer's write turn is taken
        try:
            for n in range(1, 4):
                _act(system, n)  # returns: acts do not wait for the turn
            assert not settle(system.engine, timeout=0.5)  # the sealer waits for it
            assert _unsealed(system) == 3
            # a reader seals what is pending itself
            log = [e["payload"]["n"] for e in entries(system.engine) if e["act"] == "test.act"]
            assert log == [0, 1, 2, 3] and _unsealed(system) == 0
        finally:
            fcntl.flock(turn.fileno(), fcntl.LOCK_UN)
    assert settle(system.engine) and verify_log(system.engine).ok


@only_sqlite
def test_the_sqlite_sealer_checkpoints_so_the_wal_stops_growing(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Committing connections never checkpoint (wal_autocheckpoint=0); the sealer does."""
    monkeypatch.setattr(sequencer, "CHECKPOINT_SECONDS", 0.0)
    with system.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    wal = f"{system.engine.url.database}-wal"

    def acts(count: int) -> int:
        for n in range(count):
            _act(system, n)
            assert settle(system.engine)
        return os.path.getsize(wal)

    after_some = acts(20)
    after_many = acts(200)  # without checkpoints the WAL would grow about tenfold
    assert after_many <= 2 * after_some
    assert verify_log(system.engine).ok


@only_postgresql  # the advisory lock of the sealer
def test_an_act_does_not_wait_for_a_blocked_sealer_and_readers_still_see_it(
    system: System,
) -> None:
    _act(system, 0)
    settle(system.engine)
    with system.engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})  # sealing blocked
        start = time.perf_counter()
        for n in range(1, 4):
            _act(system, n)
        assert time.perf_counter() - start < 5  # the acts returned while sealing is blocked
        assert _unsealed(system) == 3
        with ThreadPoolExecutor(1) as pool:
            read = pool.submit(entries, system.engine)  # a reader waits for the sealer's lock
            time.sleep(0.3)
            assert not read.done()
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            holder.commit()
            log = read.result(timeout=30)
    assert [e["payload"]["n"] for e in log if e["act"] == "test.act"] == [0, 1, 2, 3]
    assert _unsealed(system) == 0 and verify_log(system.engine).ok


def test_concurrent_acts_end_sealed_in_one_chain(system: System) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: _act(system, n), range(64)))
    assert settle(system.engine)
    assert _unsealed(system) == 0
    report = verify_log(system.engine)
    assert report.ok and report.size == 64


def test_the_sealer_stops_with_its_engine_and_leaks_no_thread(database_url: str) -> None:
    before = len(_sealers())
    systems = [build(database_url) for _ in range(4)]
    for i, system in enumerate(systems):
        _act(system, i)
    assert len(_sealers()) == before + 4
    for system in systems:
        system.engine.dispose()  # seals what it was woken for, then the thread ends
    assert len(_sealers()) == before
    assert _unsealed(systems[0]) == 0
    # a disposed engine can still be used: its next act starts a new sealer
    _act(systems[0], 9)
    assert settle(systems[0].engine) and _unsealed(systems[0]) == 0
    for system in systems:
        system.engine.dispose()
    assert len(_sealers()) == before


def _kill_other_connections(url: str) -> None:
    """What a restarted server does to every pooled connection."""
    killer = create_engine(url)
    with killer.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        conn.commit()
    killer.dispose()


@only_postgresql
def test_a_killed_connection_is_replaced(database_url: str) -> None:
    system = build(database_url)
    try:
        with ThreadPoolExecutor(3) as pool:  # a few connections in the pool
            list(pool.map(lambda n: _act(system, n), range(3)))
        settle(system.engine)
        # A connection idle for a moment is pinged on checkout and replaced: the act succeeds.
        _kill_other_connections(database_url)
        time.sleep(PING_AFTER_IDLE + 0.2)
        _act(system, 3)
        _act(system, 4)
        assert settle(system.engine)
        log = [e["payload"]["n"] for e in entries(system.engine) if e["act"] == "test.act"]
        assert sorted(log[:3]) == [0, 1, 2] and log[3:] == [3, 4]  # the first three raced
    finally:
        system.engine.dispose()


@only_postgresql
def test_a_connection_used_a_moment_ago_fails_once_then_the_pool_recovers(
    database_url: str,
) -> None:
    """The price of pinging only idle connections: one statement fails on a connection that
    died less than PING_AFTER_IDLE after its last use; that invalidates the pool."""
    system = build(database_url)
    try:
        _act(system, 0)  # the pool holds one connection
        settle(system.engine)
        _kill_other_connections(database_url)
        with pytest.raises(DBAPIError) as failed, system.engine.connect() as conn:
            conn.execute(select(1))  # used a moment ago: not pinged, its statement fails
        assert failed.value.connection_invalidated
        _act(system, 1)
        log = entries(system.engine)
        assert [e["payload"]["n"] for e in log if e["act"] == "test.act"] == [0, 1]
    finally:
        system.engine.dispose()


def test_under_load_one_run_seals_the_acts_of_many_commits(system: System) -> None:
    """Acts committing one after another (each within LINGER of the last) join one run, up to
    LINGER_MAX: a run per LINGER_MAX of commits, not one per LINGER; every act is sealed."""
    _act(system, 0)
    assert settle(system.engine)
    found = sequencer.sealer(system.engine)
    runs = found.runs
    begun = time.monotonic()
    for n in range(1, 31):
        _act(system, n)
    spent = time.monotonic() - begun
    assert settle(system.engine)
    assert _unsealed(system) == 0
    # + 3: a commit stalled past LINGER by a busy machine ends a run early
    assert found.runs - runs <= spent / sequencer.LINGER_MAX + 3, (found.runs - runs, spent)


def test_a_reader_settling_does_not_wait_out_the_linger(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The linger gathers the commits of the next moment into one run; a reader that waits for
    the run (settle) ends it: nothing it waits for comes from lingering longer."""
    _act(system, 0)
    assert settle(system.engine)
    monkeypatch.setattr(sequencer, "LINGER", 5.0)
    monkeypatch.setattr(sequencer, "LINGER_MAX", 10.0)
    _act(system, 1)
    begun = time.monotonic()
    assert settle(system.engine, timeout=30)
    assert time.monotonic() - begun < 2.5  # not LINGER's 5 s
    assert _unsealed(system) == 0
