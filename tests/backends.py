"""The databases of a test.

Tests that mean one database only are generated for it alone, instead of skipped on the other:

    @only_postgresql       # not generated at all without DUALPOWER_TEST_PG_URL (never in CI)
    def test_...(system): ...

They override the `database_url` fixture's parameters (tests/conftest.py), so `system`,
`federation` and everything built on them follow. Every test's database is a copy of one
migrated at the session's start (`copy_sqlite` here; CREATE DATABASE ... TEMPLATE on PostgreSQL)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

only_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
only_postgresql = pytest.mark.parametrize(
    "database_url", ["postgresql"] if os.environ.get("DUALPOWER_TEST_PG_URL") else [], indirect=True
)


def only_postgresql_world(fixture: str) -> pytest.MarkDecorator:
    """`only_postgresql` for a test whose world comes from another fixture parametrized by
    database (the recall worlds' `small_template`, tests/e2e/web/recall_web_support.py)."""
    return pytest.mark.parametrize(
        fixture, ["postgresql"] if os.environ.get("DUALPOWER_TEST_PG_URL") else [], indirect=True
    )


def copy_sqlite(template: Path, target: Path) -> None:
    """Copy a SQLite database file closed by its last connection (with its write-ahead log, should
    one be left), so the copy opens as the same migrated database."""
    for suffix in ("", "-wal"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{target}{suffix}")
