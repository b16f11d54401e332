"""Tests that mean one database only: generated for it alone, instead of skipped on the other.

    @only_postgresql       # not generated at all without DUALPOWER_TEST_PG_URL (never in CI)
    def test_...(system): ...

They override the `database_url` fixture's parameters (tests/conftest.py), so `system`,
`federation` and everything built on them follow."""

from __future__ import annotations

import os

import pytest

only_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
only_postgresql = pytest.mark.parametrize(
    "database_url", ["postgresql"] if os.environ.get("DUALPOWER_TEST_PG_URL") else [], indirect=True
)
