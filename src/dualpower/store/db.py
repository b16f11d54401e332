"""Engines for the two databases.

SQLite (the embedded default): WAL, foreign keys on and `synchronous=FULL` on every connection,
a busy timeout, and write transactions that take the write lock at BEGIN (BEGIN IMMEDIATE), so
two writers queue instead of failing on a lock upgrade. PostgreSQL through
`DUALPOWER_DATABASE_URL=postgresql+psycopg://...`: a pooled connection that sat idle for
PING_AFTER_IDLE seconds or more is pinged when checked out and replaced if the server no longer
answers (a restarted server), so a busy pool pays no round trip per checkout; a connection found
dead by a statement invalidates the whole pool (SQLAlchemy's disconnect handling).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import Engine, create_engine, event, exc

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's busy handler alone serialises the writers
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

# A database as services hold it: they pass it on to the store's functions and run no statement
# on it themselves (issue 27: services speak no SQL).
Database: TypeAlias = Engine

READ_ONLY = "dualpower_read_only"
DEFAULT_URL = "sqlite:///dualpower.db"
DEMO_URL = "sqlite:///dualpower-demo.db"
PING_AFTER_IDLE = 1.0  # seconds
# psycopg prepares a statement run five times; PostgreSQL then plans it once for any parameters
# (a "generic plan") and keeps that plan. Planned while a table was nearly empty (the ballots,
# participations and rate-limit hits of an election that has just opened), a generic plan scans
# the whole table and stays after the table has grown: measured in bench/cast.py, lookups of 50
# keys took 25 ms instead of 0.2-0.3 ms. Custom plans are made with each run's parameters and the
# table's current size, for a fraction of a millisecond of planning.
PLAN_CACHE_MODE = "force_custom_plan"
_IDLE_SINCE = "dualpower_idle_since"
POOLER_ENV = "DUALPOWER_DATABASE_POOLER"


def database_url(default: str = DEFAULT_URL) -> str:
    return os.environ.get("DUALPOWER_DATABASE_URL") or default


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_size=10, max_overflow=20, connect_args=pg_connect_args())
        ping_idle_connections(engine)
        return engine
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql+psycopg://")


def pg_connect_args() -> dict[str, Any]:
    """With DUALPOWER_DATABASE_POOLER=pgbouncer (transaction pooling, docs/scale.md) no
    statement is prepared on the server (a prepared statement lives on one server connection,
    the next transaction may run on another) and no startup option is sent (pgbouncer refuses
    them); unprepared statements get a plan for their own parameters anyway."""
    pooler = os.environ.get(POOLER_ENV, "").strip().lower()
    if pooler == "pgbouncer":
        return {"prepare_threshold": None}
    if pooler:
        raise ValueError(f"{POOLER_ENV} must be pgbouncer or empty, not {pooler!r}")
    return {"options": f"-c plan_cache_mode={PLAN_CACHE_MODE}"}


def ping_idle_connections(engine: Engine, after: float = PING_AFTER_IDLE) -> None:
    """Ping a connection on checkout only when it has been idle in the pool for `after` seconds
    (SQLAlchemy's pessimistic disconnect handling, without a round trip per checkout)."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < after:
            return  # a new connection, or one used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001
            # The pool closes this connection and checks out (or opens) another one.
            raise exc.DisconnectionError(f"a pooled connection is dead: {error}") from error


def _sqlite_engine(url: str) -> Engine:
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ""
    if path in ("", ":memory:") or path.startswith((":memory:?", "file::memory:")):
        # Each pooled connection (and the audit sealer's own) would open an empty database.
        raise ValueError(f"an in-memory SQLite database is not supported ({url!r}): use a file")
    parent = Path(path).parent
    if not parent.exists():
        raise ValueError(f"directory {parent} for the SQLite database does not exist")
    # As many connections as the web server has worker threads (40 by default), so a busy
    # server queues in SQLite's busy handler rather than failing on the pool's limit.
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        pool_size=16,
        max_overflow=32,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # No checkpoint inside a committing request: the audit sealer's thread checkpoints
        # (store/sequencer.py), and the last connection to close checkpoints the rest.
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Readers take no lock at BEGIN (WAL lets them read beside a writer); writers take the
        # write lock at once, so two writers queue instead of failing on a lock upgrade.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def rebuildable(engine: Engine) -> Iterator[None]:
    """Commits that do not wait for the disk, for a database built from scratch that is built
    again rather than recovered (the demo): SQLite's `synchronous=NORMAL` (in WAL mode a commit
    is not synced, a checkpoint is) and PostgreSQL's `synchronous_commit=off`. Both keep the
    database consistent through a power cut; they may lose its last commits, which a crash in
    the middle of a build loses anyway. Afterwards the pool is emptied, so every connection
    opened after is durable again. Through pgbouncer (no startup option) nothing changes."""
    setting = _REBUILDABLE.get(engine.dialect.name)
    if setting is None or os.environ.get(POOLER_ENV):
        yield
        return

    def relax(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(setting)
        cursor.close()
        if engine.dialect.name == "postgresql":
            dbapi_connection.commit()  # psycopg opened a transaction for the SET

    engine.dispose()  # connections opened before are durable: none of them is used
    event.listen(engine, "connect", relax)
    try:
        yield
    finally:
        event.remove(engine, "connect", relax)
        engine.dispose()


_REBUILDABLE = {
    "sqlite": "PRAGMA synchronous=NORMAL",
    "postgresql": "SET synchronous_commit = off",
}


def checkpoint(engine: Engine) -> None:
    """Copy the WAL of a SQLite database back into the database file (a passive checkpoint:
    it waits for no reader or writer), so the WAL stays small; nothing on PostgreSQL."""
    if not is_sqlite(engine):
        return
    with engine.connect() as conn:
        # On the driver's connection: SQLAlchemy would begin a transaction first (BEGIN
        # IMMEDIATE, see _on_begin), and SQLite checkpoints only outside a transaction.
        driver = conn.connection.driver_connection
        if driver is not None:  # None only once the connection is closed
            driver.execute("PRAGMA wal_checkpoint(PASSIVE)").close()


def writers_lock_path(database: str) -> str:
    """The file beside a SQLite database whose `flock` is the write turn (`write_turns`)."""
    return f"{database}.writers.lock"


@contextmanager
def write_turns(engine: Engine) -> Iterator[Callable[[], AbstractContextManager[None]]]:
    """A factory of write turns for a thread that writes again and again (the ballot writers,
    the audit sealer): on a SQLite file an exclusive `flock` on `writers_lock_path`, which
    hands over at once where SQLite's busy handler polls the write lock in sleeps of up to
    100 ms; nothing on PostgreSQL (its writers run side by side)."""
    database = engine.url.database if is_sqlite(engine) else None
    if not database or fcntl is None:
        yield nullcontext
        return
    try:
        lock_file = open(writers_lock_path(database), "a+b")  # noqa: SIM115 - closed below
    except OSError:  # a read-only directory: SQLite's busy handler alone serialises
        log.warning("no lock file beside %s; writers queue on SQLite's busy handler", database)
        yield nullcontext
        return
    with lock_file:

        @contextmanager
        def turn() -> Iterator[None]:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

        yield turn
