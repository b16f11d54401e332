"""`dualpower paper ballots|signatures` (DESIGN.md 2.9): the electoral commission's paper sheets
from a file, with a commissioner's own credentials (`--as`, `--password-stdin`), as whole
processes on SQLite and PostgreSQL. Entries are logged with the commissioner as actor and
marked as operator acts; a bad sheet, a wrong password or a member outside the commission exits
2 with one line, nothing entered."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from test_cli import founded, one_clear_line, run, scalar, url  # noqa: F401

from dualpower.bootstrap import build
from dualpower.services import cycle, elections, recall
from dualpower.store import tables as t
from factories import PASSWORD, close_nominations


def _setup(url: str) -> dict[str, int]:  # noqa: F811
    """A Forge general election in its voting window (two candidates) and a petition against
    a Forge deputy; the North has no commission yet, so any North deputy enters sheets."""
    system = build(url, migrate=False)
    try:
        with system.uow() as uow:
            members = {m.username: m.id for m in uow.members.list()}
            forge = uow.units.list()
            unit = next(u for u in forge if u.name == "Forge")
            electorate = uow.electorates.for_unit(unit.id)
            seats = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
        deputy = min(md.holder_id for md in seats)
        other = next(md for md in seats if md.holder_id != deputy)
        cmd = cycle.GeneralElection(electorate.council_id, "unit", unit.id, "block", False)
        election = cycle.open_general(system.uow(), cmd, deputy)
        cands = [
            elections.nominate(system.uow(), election, members[f"forge{i}"], None, None)
            for i in (1, 2)
        ]
        close_nominations(system, election)
        petition = recall.open_recall(system.uow(), other.id, members["forge12"]).id
    finally:
        system.engine.dispose()
    username = next(u for u, i in members.items() if i == deputy)
    return {"election": election, "a": cands[0], "b": cands[1], "petition": petition} | {
        "deputy": deputy,
        "deputy_name": username,  # type: ignore[dict-item]
    }


def _log(url: str, act: str) -> list[tuple[str, bool, dict]]:  # noqa: F811
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            log = t.audit_log
            rows = conn.execute(
                select(log.c.actor, log.c.is_operator, log.c.payload)
                .where(log.c.act == act)
                .order_by(log.c.id)
            )
            return [(a, bool(o), json.loads(p)) for a, o, p in rows]
    finally:
        engine.dispose()


def _participations(url: str) -> int:  # noqa: F811
    return int(scalar(url, select(func.count()).select_from(t.participations)))  # type: ignore[arg-type]


def test_paper_sheets_from_files(founded: str, tmp_path: Path) -> None:  # noqa: F811
    w = _setup(founded)
    sheet = tmp_path / "ballots.csv"
    sheet.write_text(f"voter,ballot\nforge5,{w['a']}\nforge6,{w['a']} {w['b']}\n")
    who = ("--as", str(w["deputy_name"]), "--password-stdin")
    proc = run(founded, "paper", "ballots", str(w["election"]), str(sheet), *who, stdin=PASSWORD)
    assert proc.returncode == 0, proc.stderr
    assert "entered 2 paper ballot(s)" in proc.stdout
    cast = [x for x in _log(founded, "ballot.cast") if x[2]["election"] == w["election"]]
    assert [(a, op, p["paper"]) for a, op, p in cast] == [(str(w["deputy"]), True, True)] * 2
    signatures = tmp_path / "sheet.json"
    signatures.write_text(json.dumps({"members": ["forge7", "forge8"]}))
    proc = run(
        founded, "paper", "signatures", str(w["petition"]), str(signatures), *who, stdin=PASSWORD
    )
    assert proc.returncode == 0, proc.stderr
    assert "entered 2 paper signature(s)" in proc.stdout
    signs = [x for x in _log(founded, "recall.sign") if x[2]["petition"] == w["petition"]]
    assert [(a, op) for a, op, _ in signs] == [(str(w["deputy"]), True)] * 2


def test_bad_sheets_and_callers_exit_2_with_one_line(founded: str, tmp_path: Path) -> None:  # noqa: F811
    w = _setup(founded)
    before = (_participations(founded), len(_log(founded, "recall.sign")))
    sheet = tmp_path / "sheet"
    deputy = str(w["deputy_name"])
    cases = [
        (
            "ballots",
            f"voter,ballot\nforge5,{w['a']}\nnobody,{w['a']}\n",
            deputy,
            PASSWORD,
            "nobody",
        ),
        ("ballots", "voter,choice\nforge5,1\n", deputy, PASSWORD, "header"),
        ("ballots", '{"voters": ["forge5"], "ballots": [[1]', deputy, PASSWORD, "JSON"),
        ("ballots", f"voter,ballot\nforge5,{w['a']}\n", deputy, "wrong", "wrong username"),
        ("ballots", f"voter,ballot\nforge5,{w['a']}\n", "forge11", PASSWORD, "run election"),
        ("signatures", "member\nforge7\nforge7\n", deputy, PASSWORD, "twice"),
        ("signatures", "member\nforge7\n", "mill1", PASSWORD, "run election"),
    ]
    for what, content, who, password, words in cases:
        sheet.write_text(content)
        target = str(w["election"] if what == "ballots" else w["petition"])
        proc = run(
            founded,
            "paper",
            what,
            target,
            str(sheet),
            "--as",
            who,
            "--password-stdin",
            stdin=password,
        )
        assert proc.returncode == 2, (content, proc.stdout, proc.stderr)
        assert words in one_clear_line(proc.stderr), (content, proc.stderr)
    assert (_participations(founded), len(_log(founded, "recall.sign"))) == before
