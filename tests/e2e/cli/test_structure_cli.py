"""`dualpower structure` (add-unit, split-unit, merge-units, move-unit, add-council) as whole
processes (DESIGN.md 2.10) on SQLite and PostgreSQL: the operator's acts while founding, logged;
bad input exits 2 with one line and changes nothing; once the chief council sits, the operator
is refused (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_cli import founded, one_clear_line, run, scalar, url  # noqa: F401

from dualpower.bootstrap import build
from dualpower.store import tables as t
from factories import small_federation

pytestmark = pytest.mark.slow  # each test runs the command as a process, a few seconds each


@pytest.fixture
def founding(database_url: str) -> str:
    """The small federation founded, its chief council not yet sitting (in a copy of the
    session's migrated database, tests/conftest.py)."""
    system = build(database_url, migrate=False)
    small_federation(system, elect=False)
    system.engine.dispose()
    return database_url


def _units(url: str) -> int:  # noqa: F811
    return int(scalar(url, select(func.count()).select_from(t.base_units)))  # type: ignore[arg-type]


def test_the_operator_changes_the_structure_while_founding(founding: str, tmp_path: Path) -> None:
    done = run(
        founding,
        "structure",
        "add-unit",
        "Dockyard",
        "--council",
        "North Council",
        "--kind",
        "factory",
        "--section",
        "workers",
    )
    assert done.returncode == 0, done.stderr
    movers = tmp_path / "movers.txt"
    movers.write_text("forge1\nforge2\n\nforge3\n", encoding="utf-8")
    done = run(
        founding,
        "structure",
        "split-unit",
        "Forge",
        "--into",
        "Forge East",
        "--members",
        str(movers),
    )
    assert done.returncode == 0, done.stderr
    assert "3 members moved" in done.stdout
    done = run(founding, "structure", "merge-units", "Forge East", "--into", "Dockyard")
    assert done.returncode == 0 and "3 members moved" in done.stdout
    assert _units(founding) == 6
    acts = (
        select(func.count())
        .select_from(t.audit_log)
        .where(t.audit_log.c.act.like("structure.%"), t.audit_log.c.is_operator.is_(True))
    )
    assert scalar(founding, acts) == 3
    assert run(founding, "check").returncode == 0


def test_the_operator_adds_a_council_and_moves_a_unit_while_founding(founding: str) -> None:
    done = run(founding, "structure", "add-council", "East Council", "--parent", "Chief Council")
    assert done.returncode == 0, done.stderr
    assert "'East Council' added under council" in done.stdout
    done = run(founding, "structure", "move-unit", "Forge", "--council", "East Council")
    assert done.returncode == 0, done.stderr
    assert "moved from council" in done.stdout
    moved = select(t.base_units.c.council_id).where(t.base_units.c.name == "Forge")
    east = select(t.councils.c.id).where(t.councils.c.name == "East Council")
    assert scalar(founding, moved) == scalar(founding, east)
    assert run(founding, "check").returncode == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["split-unit", "Forge", "--into", "N" * 201], "at most 200"),
        (["split-unit", "Forge", "--into", "Mill"], "already"),
        (["split-unit", "Nowhere", "--into", "X"], "no base unit"),
        (["merge-units", "Forge", "--into", "Mill"], "different councils"),
        (
            ["add-unit", "X\x01", "--council", "North Council", "--kind", "k", "--section", "s"],
            "U+0001",
        ),
        (["add-unit", "Y", "--council", "Nowhere", "--kind", "k", "--section", "s"], "no council"),
        (["move-unit", "Forge", "--council", "North Council"], "already"),
        (["move-unit", "Forge", "--council", "Nowhere"], "no council"),
        (["add-council", "South Council", "--parent", "Chief Council"], "already"),
        (["add-council", "Z" * 201, "--parent", "Chief Council"], "at most 200"),
    ],
)
def test_bad_input_exits_2_with_one_line(founding: str, tmp_path: Path, args, says) -> None:  # type: ignore[no-untyped-def]
    if args[0] == "split-unit":
        movers = tmp_path / "movers.txt"
        movers.write_text("forge1\n", encoding="utf-8")
        args = [*args, "--members", str(movers)]
    done = run(founding, "structure", *args)
    assert done.returncode == 2
    assert says in one_clear_line(done.stderr)
    assert _units(founding) == 4


def test_once_the_chief_council_sits_the_operator_is_refused(founded: str) -> None:  # noqa: F811
    done = run(founded, "structure", "merge-units", "Barracks", "--into", "Forge")
    assert done.returncode == 2
    assert "by adopted motion" in one_clear_line(done.stderr)
    done = run(founded, "structure", "move-unit", "Forge", "--council", "South Council")
    assert done.returncode == 2
    assert "(Chief Council), by adopted motion" in one_clear_line(done.stderr)
    assert _units(founded) == 4
