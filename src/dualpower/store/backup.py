"""Backups of the database (issue 23), consistent while the server runs.

SQLite: the online backup API copies the database as of one read transaction (in WAL mode
writers go on meanwhile). PostgreSQL: `pg_dump --format=custom` (one snapshot), restored by
`pg_restore`; the binaries are found on PATH, in DUALPOWER_PG_BIN, or in Debian's
/usr/lib/postgresql/<version>/bin (the newest). A restore goes only into an empty database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Connection, Engine

from dualpower.store.db import is_sqlite
from dualpower.store.migrate import is_empty


def backup(engine: Engine, file: Path) -> None:
    if is_sqlite(engine):
        _sqlite_backup(engine, file)
    else:
        options = ["--format=custom", "--no-owner", "--no-privileges", f"--file={file}"]
        _run(engine, "pg_dump", *options)


def restore(engine: Engine, file: Path) -> None:
    """Load `file` into the database, which must be empty (no table at all)."""
    if not file.is_file():
        raise ValueError(f"{file} is not a file")
    if not is_empty(engine):
        where = engine.url.render_as_string(hide_password=True)
        raise ValueError(f"the database {where} is not empty: restore only into a new database")
    if is_sqlite(engine):
        _sqlite_restore(engine, file)
    else:
        _run(
            engine,
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={engine.url.database}",
            str(file),
        )
    engine.dispose()  # pooled connections opened before the restore know no tables


def _sqlite_backup(engine: Engine, file: Path) -> None:
    target = sqlite3.connect(file)
    try:
        with engine.connect() as conn:
            _driver(conn).backup(target)
    finally:
        target.close()


def _sqlite_restore(engine: Engine, file: Path) -> None:
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        try:
            tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as error:
            raise ValueError(f"{file} is not a SQLite backup: {error}") from None
        if "alembic_version" not in tables:
            raise ValueError(f"{file} is not a backup of a dualpower database")
        with engine.connect() as conn:
            source.backup(_driver(conn))
    finally:
        source.close()


def _driver(conn: Connection) -> sqlite3.Connection:
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def _binary(name: str) -> str:
    configured = os.environ.get("DUALPOWER_PG_BIN")
    if configured:
        return str(Path(configured) / name)
    found = shutil.which(name)
    if found:
        return found
    debian = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3])
    )
    if debian:
        return str(debian[-1])
    raise ValueError(f"{name} not found: install PostgreSQL's client or set DUALPOWER_PG_BIN")


def _run(engine: Engine, program: str, *options: str) -> None:
    url = engine.url
    env = {
        **os.environ,
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGDATABASE": url.database or "",
    }
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where ps shows it
    done = subprocess.run([_binary(program), *options], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ValueError(f"{program} failed: {last}")
