"""`dualpower office` as a whole process (DESIGN.md 2.4, 4.1), on SQLite and PostgreSQL: the list
of offices, holders, stipends and capabilities; the operator's acts (create an office, file a
unit's wage report), each logged as an operator act; no command sets a stipend or gives an office
to anyone. Errors: exit 2 and one clear line on stderr, nothing changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from dualpower.store import tables as t
from factories import Small, username
from offices_support import WAGE_MEDIAN, setup_offices

EXE = Path(sys.executable).with_name("dualpower")
DUALPOWER = str(EXE) if EXE.exists() else shutil.which("dualpower")


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert DUALPOWER, "the dualpower console script is not installed"
    env = {**os.environ, "DUALPOWER_DATABASE_URL": url}
    return subprocess.run([DUALPOWER, *args], capture_output=True, text=True, env=env, timeout=300)


def refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture
def url(federation: Small) -> str:
    """The small federation (a copy of the session's template, tests/conftest.py) with wages
    reported and the North Council's officials founded."""
    setup_offices(federation)
    return federation.system.engine.url.render_as_string(hide_password=False)


def _query(url: str, query):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(query).all()
    finally:
        engine.dispose()


def _log_size(url: str) -> int:
    return int(_query(url, select(func.count()).select_from(t.audit_log))[0][0])


def _council(url: str, name: str) -> int:
    return int(_query(url, select(t.councils.c.id).where(t.councils.c.name == name))[0][0])


def test_office_list_shows_offices_holders_stipends_and_capabilities(url: str) -> None:
    result = run(url, "office", "list")
    assert result.returncode == 0, result.stderr
    assert "credentials committee" in result.stdout and "verify_members" in result.stdout
    assert f"stipend {WAGE_MEDIAN:,}" in result.stdout
    north = _council(url, "North Council")
    listed = json.loads(run(url, "office", "list", "--council", str(north), "--json").stdout)
    assert {o["name"] for o in listed} == {"chair", "credentials committee", "electoral commission"}
    assert all(o["holder_id"] and o["stipend"] == WAGE_MEDIAN == o["cap"] for o in listed)
    south = _council(url, "South Council")
    assert json.loads(run(url, "office", "list", "--council", str(south), "--json").stdout) == []
    assert "no council 999999" in refused(run(url, "office", "list", "--council", "999999"))


def test_the_operator_creates_a_vacant_unpaid_office_logged_as_an_operator_act(url: str) -> None:
    south = _council(url, "South Council")
    result = run(url, "office", "create", str(south), "secretary", "--capability", "run_election")
    assert result.returncode == 0, result.stderr
    rows = _query(url, select(t.offices).where(t.offices.c.council_id == south))
    assert [(r.name, r.stipend, r.capabilities) for r in rows] == [
        ("secretary", 0, ["run_election"])
    ]
    assert (
        _query(url, select(t.office_terms.c.id).where(t.office_terms.c.office_id == rows[0].id))
        == []
    )
    log = t.audit_log
    entry = _query(
        url,
        select(log.c.actor, log.c.is_operator)
        .where(log.c.act == "office.create")
        .order_by(log.c.id),  # without it PostgreSQL may return the rows in any order
    )
    assert entry[-1] == ("operator", True)
    before = _log_size(url)
    assert "already has an office" in refused(run(url, "office", "create", str(south), "secretary"))
    assert "unknown capability" in refused(
        run(url, "office", "create", str(south), "clerk", "--capability", "everything")
    )
    assert "no council" in refused(run(url, "office", "create", "999999", "clerk"))
    assert _log_size(url) == before


def test_the_operator_files_a_wage_report_and_stipends_follow_the_cap(
    url: str, tmp_path: Path
) -> None:
    report = tmp_path / "forge.csv"
    report.write_text(
        "username,amount\n" + "".join(f"{username('Forge', i)},1\n" for i in range(1, 13))
    )
    mill = tmp_path / "mill.csv"
    mill.write_text("".join(f"{username('Mill', i)} 1\n" for i in range(1, 13)))
    assert run(url, "office", "report-wages", str(report), "--unit", "Forge").returncode == 0
    result = run(url, "office", "report-wages", str(mill), "--unit", "Mill")
    assert result.returncode == 0, result.stderr
    cap = int(result.stdout.rsplit(" ", 1)[1].replace(",", ""))
    assert cap < WAGE_MEDIAN
    stipends = [r[0] for r in _query(url, select(t.offices.c.stipend))]
    assert stipends and max(stipends) <= cap  # lowered in the same act
    log = t.audit_log
    entries = _query(
        url,
        select(log.c.actor, log.c.is_operator)
        .where(log.c.act == "wages.report")
        .order_by(log.c.id),
    )
    assert entries[-2:] == [("operator", True), ("operator", True)]
    assert run(url, "check").returncode == 0


def test_a_bad_wage_report_changes_nothing(url: str, tmp_path: Path) -> None:
    before = _log_size(url)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{username('Forge', 1)},100\n{username('Forge', 2)},lots\n")
    assert "line 2" in refused(run(url, "office", "report-wages", str(bad), "--unit", "Forge"))
    stranger = tmp_path / "stranger.csv"
    stranger.write_text(f"{username('Mill', 1)},100\n")
    assert "not on the roll" in refused(
        run(url, "office", "report-wages", str(stranger), "--unit", "Forge")
    )
    assert "no base unit" in refused(
        run(url, "office", "report-wages", str(stranger), "--unit", "Nowhere")
    )
    assert "No such file" in refused(
        run(url, "office", "report-wages", str(tmp_path / "missing.csv"), "--unit", "Forge")
    )
    assert _log_size(url) == before


def test_no_office_command_sets_a_stipend_or_gives_an_office() -> None:
    """No superuser: stipends come from the council's motions, holders from its elections."""
    from typer.main import get_command

    from dualpower.cli import app

    group = get_command(app)
    office = group.commands["office"]  # type: ignore[attr-defined]
    assert set(office.commands) == {"list", "create", "report-wages"}
    for command in office.commands.values():
        names = {p.name for p in command.params}
        assert not names & {"stipend", "amount", "holder", "member"}, (command.name, names)
