"""Empty databases and the `dualpower` command for the operations tests (issue 23)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from test_cli import DUALPOWER

from pg_copies import DROPPER, admin_sql

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def dualpower(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert DUALPOWER, "the dualpower console script is not installed"
    env = {**os.environ, "DUALPOWER_DATABASE_URL": url}
    return subprocess.run([DUALPOWER, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(params=BACKENDS)
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes URLs of new, empty databases of one backend (dropped after the test, off its path:
    tests/pg_copies.py)."""
    made: list[str] = []
    files = iter(range(1000))

    def make() -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / f'db{next(files)}.db'}"
        assert PG_URL
        name = f"dp_ops_{uuid.uuid4().hex[:10]}"
        admin_sql(PG_URL, f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in made:
        DROPPER.drop(name)
