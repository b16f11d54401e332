"""The demo's fixed seed means the same database: two builds agree row for row in every table
(issue 25, defect 4: three builds gave 142, 144 and 145 elections, and lot seeds, receipts and
the order of secret ballots came from the operating system's randomness)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

import demo_build
from backends import copy_sqlite

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


def test_two_builds_of_the_demo_are_the_same_database(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The run's build (tests/demo_build.py, made by whichever test asked first, maybe in
    another worker) against a build of this test's own: two independent builds."""
    from dualpower.scenarios.petrograd import build_demo

    shared = demo_build.built(tmp_path_factory)
    copy_sqlite(shared.path, tmp_path / "first.db")
    system, summary = build_demo(f"sqlite:///{tmp_path / 'second.db'}")
    at = system.clock()
    system.engine.dispose()
    assert shared.at == at  # the clock a copy of the run's build is given
    summaries = [shared.summary, summary]
    first, second = _dump(tmp_path / "first.db"), _dump(tmp_path / "second.db")
    assert summaries[0] == summaries[1]
    assert first.keys() == second.keys()
    # The sealer records a tree head per batch it seals, and where a batch ends depends on the
    # thread's timing: the log is the same, so its last head is too (size, root).
    heads = [[row[1:3] for row in db.pop("audit_heads")] for db in (first, second)]
    assert heads[0][-1] == heads[1][-1]
    differ = [name for name in first if first[name] != second[name]]
    assert differ == [], f"tables that differ between two builds: {differ}"
