"""`dualpower paper ballots ELECTION FILE --operator` (DESIGN.md 2.4, 2.9; docs/paper.md): while
no electoral commission exists, the operator enters a founding election's paper ballots, a
logged operator act, as whole processes on SQLite and PostgreSQL. In any other election, with
`--as` as well, or with neither: exit 2 with one line, nothing entered. After the clock closes
the founding elections entered on paper, `check`, `audit verify` and the export's verifier pass;
the export names the operator as who entered them, and no secret ballot's voter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_cli import founded, one_clear_line, run, scalar, url  # noqa: F401
from test_paper_cli import _log, _setup

from dualpower.bootstrap import build
from dualpower.services import elections
from dualpower.store import tables as t
from factories import PASSWORD, UNITS, close_nominations, small_federation, username

TABLES = (t.audit_log, t.participations, t.ballots)
TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_export.py"


@pytest.fixture
def founding(database_url: str) -> str:
    """The small federation founded with nobody seated; the North's elections secret (in a copy
    of the session's migrated database, tests/conftest.py)."""
    system = build(database_url, migrate=False)
    try:
        fed = small_federation(system, elect=False)
        with system.uow() as uow:
            uow.standing_orders.put(council_id=fed.councils["North Council"], secret_elections=True)
            uow.commit()
    finally:
        system.engine.dispose()
    return database_url


def _in_voting(url: str, units: tuple[str, ...]) -> dict[str, tuple[int, list[int]]]:  # noqa: F811
    """Each unit's founding election with two candidates, in its voting window."""
    system = build(url, migrate=False)
    found = {}
    try:
        with system.uow() as uow:
            members = {m.username: m.id for m in uow.members.list()}
            unit_ids = {u.name: u.id for u in uow.units.list()}
            opened = uow.elections.list()
            electorates = {n: uow.electorates.for_unit(unit_ids[n]).id for n in units}
        for name in units:
            [election] = [e for e in opened if e.electorate_id == electorates[name]]
            assert election.kind == "founding"
            cands = [
                elections.nominate(system.uow(), election.id, members[username(name, i)], None, "x")
                for i in (1, 2)
            ]
            close_nominations(system, election.id)
            found[name] = (election.id, cands)
    finally:
        system.engine.dispose()
    return found


def _sheet(path: Path, unit: str, cands: list[int]) -> Path:
    size = next(s for n, _, _, _, s in UNITS if n == unit)
    rows = [f"{username(unit, i)},{cands[i % 2]}" for i in range(1, size + 1)]
    path.write_text("voter,ballot\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _exported(url: str, tmp_path: Path) -> Path:  # noqa: F811
    out = tmp_path / "public"
    done = run(url, "export", str(out))
    assert done.returncode == 0, done.stderr
    tool = subprocess.run(
        [sys.executable, "-I", "-S", str(TOOL), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert tool.returncode == 0, tool.stdout + tool.stderr
    return out


def test_the_operator_enters_founding_ballots_and_the_record_holds(
    founding: str, tmp_path: Path
) -> None:
    proc = run(founding, "elections", "open-founding")
    assert proc.returncode == 0, proc.stderr
    votes = _in_voting(founding, ("Forge", "Mill"))  # the Forge's secret, the Mill's open
    forge, mill = votes["Forge"], votes["Mill"]
    sheet = _sheet(tmp_path / "forge.csv", "Forge", forge[1])
    # No member may enter them: nobody is seated, nobody holds `run_election`.
    proc = run(
        founding, "paper", "ballots", str(forge[0]), str(sheet), "--as", "forge1",
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    assert proc.returncode == 2 and "run election" in one_clear_line(proc.stderr)
    assert scalar(founding, select(func.count()).select_from(t.participations)) == 0
    for unit, (election, cands) in votes.items():
        sheet = _sheet(tmp_path / f"{unit}.csv", unit, cands)
        proc = run(founding, "paper", "ballots", str(election), str(sheet), "--operator")
        assert proc.returncode == 0, proc.stderr
        assert f"entered 12 paper ballot(s) in election {election}" in proc.stdout
    proc = run(founding, "paper", "ballots", str(mill[0]), str(sheet), "--operator")
    assert proc.returncode == 2 and "on paper already" in one_clear_line(proc.stderr)
    [(actor, is_operator, took_part)] = _log(founding, "election.participate")
    assert (actor, is_operator, took_part["election"]) == ("operator", True, forge[0])
    cast = _log(founding, "ballot.cast")
    assert {(a, op, p["election"], p["paper"]) for a, op, p in cast} == {
        ("operator", True, mill[0], True)
    }
    assert len(cast) == 12
    proc = run(founding, "due")  # every elector voted: both close early, winners seated
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("election.close") == 2, proc.stdout
    for command in (("check",), ("audit", "verify")):
        proc = run(founding, *command)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
    out = _exported(founding, tmp_path)
    log = json.loads((out / "audit_log.json").read_text())
    paper = [e for e in log if e["payload"].get("paper")]
    assert len(paper) == 13 and {(e["actor"], e["is_operator"]) for e in paper} == {
        ("operator", True)
    }
    exported = {e["id"]: e for e in json.loads((out / "elections.json").read_text())}
    secret = exported[forge[0]]
    assert secret["is_secret"] and len(secret["ballots"]) == 12
    assert all(set(b) == {"receipt", "choices"} for b in secret["ballots"])
    assert len(exported[mill[0]]["ballots"]) == 12


def test_the_operator_is_refused_outside_founding_elections(founded: str, tmp_path: Path) -> None:  # noqa: F811
    w = _setup(founded)  # a general election in its voting window, a petition
    sheet = tmp_path / "ballots.csv"
    sheet.write_text(f"voter,ballot\nforge5,{w['a']}\n")
    before = [scalar(founded, select(func.count()).select_from(x)) for x in TABLES]
    election, deputy = str(w["election"]), str(w["deputy_name"])
    cases = [
        (("--operator",), "founding"),
        (("--operator", "--as", deputy, "--password-stdin"), "--operator"),
        ((), "--operator"),
    ]
    for options, words in cases:
        proc = run(founded, "paper", "ballots", election, str(sheet), *options, stdin=PASSWORD)
        assert proc.returncode == 2, (options, proc.stdout, proc.stderr)
        assert words in one_clear_line(proc.stderr), (options, proc.stderr)
    assert [scalar(founded, select(func.count()).select_from(x)) for x in TABLES] == before
