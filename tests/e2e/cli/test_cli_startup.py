"""The `dualpower` command starts with what it runs (issue 27): its command tree, `--help` and
`tally` load neither the database stack nor the services; a command imports those when it runs.

Each check is a fresh interpreter, so nothing an earlier test imported counts."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "dualpower.store", "dualpower.services", "dualpower.bootstrap")

REPORT = f"""
heavy = {HEAVY!r}
top = {{".".join(m.split(".")[:2 if m.startswith("dualpower.") else 1]) for m in sys.modules}}
print("loaded:", *sorted(m for m in top if m.startswith(heavy)))
"""


def loaded_by(body: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + body + REPORT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.rsplit("loaded:", 1)[1].strip()


def test_the_command_tree_and_its_help_load_no_database() -> None:
    body = """
import contextlib, io
from dualpower.cli import app
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        app(["--help"], prog_name="dualpower")
    except SystemExit as done:
        assert done.code == 0, done.code
for sub in ("office", "roll", "invitations", "structure", "paper", "elections", "member"):
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            app([sub, "--help"], prog_name="dualpower")
        except SystemExit as done:
            assert done.code == 0, (sub, done.code)
assert "import-roll" in out.getvalue()
"""
    assert loaded_by(body) == ""


def test_tally_loads_no_database() -> None:
    body = """
from dualpower.entry import main
sys.argv = ["dualpower", "tally", "--help"]
try:
    main()
except SystemExit:
    pass
"""
    assert loaded_by(body) == ""


def test_a_database_command_loads_the_store_when_it_runs() -> None:
    """The check above is no tautology: running a command does load what it needs."""
    body = """
import contextlib, io, os
os.environ["DUALPOWER_DATABASE_URL"] = "sqlite:///:memory:"
from dualpower.cli import app
with contextlib.redirect_stderr(io.StringIO()):
    try:
        app(["check"], prog_name="dualpower")
    except SystemExit as done:
        assert done.code == 2, done.code
"""
    assert {"dualpower.bootstrap", "dualpower.store", "sqlalchemy"} <= set(loaded_by(body).split())
