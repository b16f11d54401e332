"""The demo's fixed seed means the same database: two builds agree row for row in every table
(issue 25, defect 4: three builds gave 142, 144 and 145 elections, and lot seeds, receipts and
the order of secret ballots came from the operating system's randomness).

The second build is `dualpower demo --no-serve` itself, run over a copy of the first: so this
one build also shows, on SQLite, that the command rebuilds an earlier demo and that what it
builds passes `check` and `audit verify` (on PostgreSQL: tests/e2e/cli/test_cli.py). A build is
~16 s of CPU (issue 27): each is made once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from test_cli import run

import demo_build
from backends import copy_sqlite
from dualpower.store import tables as t

pytestmark = pytest.mark.slow


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {
                name: [
                    tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1'))
                ]
                for name in tables
            }
    finally:
        engine.dispose()


def test_the_command_rebuilds_the_demo_as_the_same_database(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The run's build (tests/demo_build.py, made in-process by whichever test asked first,
    maybe in another worker) against the command's build over a copy of it: two independent
    builds, the second wiping the first (an earlier demo may be rebuilt)."""
    shared = demo_build.built(tmp_path_factory)
    copy_sqlite(shared.path, tmp_path / "first.db")
    copy_sqlite(shared.path, tmp_path / "second.db")
    url = f"sqlite:///{tmp_path / 'second.db'}"
    proc = run(url, "demo", "--no-serve")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip("\n") == shared.summary
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.federations)).scalar() == 1
    engine.dispose()
    first, second = _dump(tmp_path / "first.db"), _dump(tmp_path / "second.db")
    assert first.keys() == second.keys()
    # The sealer records a tree head per batch it seals, and where a batch ends depends on the
    # thread's timing: the log is the same, so its last head is too (size, root).
    heads = [[row[1:3] for row in db.pop("audit_heads")] for db in (first, second)]
    assert heads[0][-1] == heads[1][-1]
    differ = [name for name in first if first[name] != second[name]]
    assert differ == [], f"tables that differ between two builds: {differ}"
    assert run(url, "check").returncode == 0
    assert run(url, "audit", "verify").returncode == 0
