"""Engines for the two databases.

SQLite (the embedded default): WAL, foreign keys on and `synchronous=FULL` on every connection,
a busy timeout, and write transactions that take the write lock at BEGIN (BEGIN IMMEDIATE), so
two writers queue instead of failing on a lock upgrade. PostgreSQL through
`DUALPOWER_DATABASE_URL=postgresql+psycopg://...`.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

READ_ONLY = "dualpower_read_only"
DEFAULT_URL = "sqlite:///dualpower.db"
DEMO_URL = "sqlite:///dualpower-demo.db"


def database_url(default: str = DEFAULT_URL) -> str:
    return os.environ.get("DUALPOWER_DATABASE_URL") or default


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql+psycopg://")


def _sqlite_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        parent = Path(url.removeprefix("sqlite:///")).parent
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
