"""Operating a federation's database (issue 23): `migrate`, `backup FILE`, `restore FILE`.
(Registered in cli.py, whose helpers they import when run: cli.py imports this module.)

`dualpower migrate` is the only command that changes an existing database's schema (the others
refuse one that is older or newer than theirs, bootstrap.open_existing). `backup` writes a
consistent copy while the server runs: SQLite's online backup API; `pg_dump` in its custom
format for PostgreSQL. `restore` loads one into an empty database only, then checks it as
`dualpower audit verify` and `dualpower check` do; it refuses a backup of a newer release.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # imported when a command runs: the CLI starts without SQLAlchemy
    from sqlalchemy import Engine

BackupFile = Annotated[Path, typer.Argument(help="The backup file.")]


def _engine() -> Engine:
    from dualpower.store.db import DEFAULT_URL, database_url, make_engine

    return make_engine(database_url(DEFAULT_URL))


def _where(engine: Engine) -> str:
    return str(engine.url.render_as_string(hide_password=True))


def migrate(
    to: Annotated[str, typer.Option(help="A revision to stop at (default: the newest).")] = "heads",
) -> None:
    """Bring the database's schema to this release's (back it up first: `dualpower backup`)."""
    from dualpower.cli import fail, user_errors
    from dualpower.store.migrate import schema_status, upgrade

    with user_errors():
        engine = _engine()
        before = schema_status(engine)
        if before.state == "newer":
            fail(f"the database {_where(engine)} has a newer schema than this dualpower knows")
        if before.state == "foreign":
            fail(f"the database {_where(engine)} holds tables but no dualpower schema revision")
        upgrade(engine, to)
        after = schema_status(engine)
    old = ", ".join(sorted(before.current)) or "empty"
    new = ", ".join(sorted(after.current))
    if before.current == after.current:
        typer.echo(f"schema already at {new}: {_where(engine)}")
    else:
        typer.echo(f"schema migrated from {old} to {new}: {_where(engine)}")


def backup(file: BackupFile) -> None:
    """Write a consistent copy of the database to FILE (safe while the server runs; take one
    before `dualpower migrate`)."""
    from dualpower.cli import fail, user_errors
    from dualpower.store.backup import backup as run
    from dualpower.store.migrate import schema_status

    with user_errors():
        engine = _engine()
        if schema_status(engine).state in ("empty", "foreign"):
            fail(f"the database {_where(engine)} holds no dualpower schema to back up")
        if file.exists():
            fail(f"{file} exists already: choose a new file")
        run(engine, file)
    typer.echo(f"backed up {_where(engine)} to {file}")


def restore(file: BackupFile) -> None:
    """Load a backup into an empty database, then verify the audit log and the invariants
    (a backup of an earlier schema: after `dualpower migrate`)."""
    from dualpower.cli import fail, user_errors
    from dualpower.services.audit import verify_log
    from dualpower.services.check import check
    from dualpower.store.backup import restore as run
    from dualpower.store.migrate import schema_status
    from dualpower.store.uow import UnitOfWork

    with user_errors():
        engine = _engine()
        run(engine, file)
        status = schema_status(engine)
        revision = ", ".join(sorted(status.current))
        typer.echo(f"restored {file} into {_where(engine)} (schema {revision})")
        if status.state == "outdated":
            typer.echo("an earlier schema: run `dualpower migrate`, then `dualpower check`")
            return
        if status.state != "current":
            fail(f"the backup's schema ({revision}) is not this release's: {status.state}")
        report = verify_log(engine)
        problems = check(UnitOfWork(engine))
    if not report.ok:
        typer.echo(f"audit log broken: {report.reason}", err=True)
    for problem in problems:
        typer.echo(problem, err=True)
    if not report.ok or problems:
        raise typer.Exit(1)
    typer.echo(f"audit log: {report.reason}; every invariant holds")


def describe(system) -> str:  # type: ignore[no-untyped-def]
    """What `serve` opened: the database (no password), its schema and the federation."""
    from dualpower.store.migrate import schema_status

    revision = ", ".join(sorted(schema_status(system.engine).current))
    with system.reader() as uow:
        federation = uow.federations.only()
    named = (
        f"the federation {federation.name!r}"
        if federation
        else "no federation yet (found one: dualpower init --plan PLAN.json)"
    )
    return f"database {_where(system.engine)}, schema {revision}, {named}"


def proxies() -> str:
    """Addresses whose X-Forwarded-For/-Proto are believed (DUALPOWER_TRUSTED_PROXIES, comma
    separated; default 127.0.0.1, a proxy on the same machine)."""
    import os

    return os.environ.get("DUALPOWER_TRUSTED_PROXIES", "").strip() or "127.0.0.1"
