"""Migration 0032_h20p (the operator's paper ballots of founding elections), on SQLite and
PostgreSQL, over a database holding paper votes: the upgrade keeps who entered each (none of
them the operator's); a row is the operator's or a member's, never both nor neither; the
downgrade refuses while the operator's rows exist, and keeps the members' rows otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from test_migrations import differences

from dualpower.services import cycle, elections, paper
from dualpower.store.migrate import downgrade, upgrade
from dualpower.store.tables_paper import paper_votes
from factories import Small, close_nominations, username


def _paper_votes(fed: Small) -> tuple[int, int, int]:
    """A Forge general election with two paper votes entered by a North deputy; returns the
    election, the deputy and the second voter."""
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        deputy = min(
            md.holder_id
            for md in uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
        )
    cmd = cycle.GeneralElection(fed.councils["North Council"], "unit", fed.units["Forge"])
    election = cycle.open_general(fed.system.uow(), cmd, deputy)
    a = elections.nominate(fed.system.uow(), election, fed.members["forge1"], None, None)
    close_nominations(fed.system, election)
    voters = [fed.members[username("Forge", i)] for i in (5, 6)]
    sheet = paper.PaperBallots(election, voters, [[a], [a]])
    paper.enter_ballots(fed.system.uow(), sheet, paper.Enterer(deputy))
    return election, deputy, voters[1]


def _rows(engine: Engine) -> list[tuple[int, int | None]]:
    with engine.connect() as conn:
        query = text("SELECT member_id, entered_by FROM paper_votes ORDER BY member_id")
        return [(int(m), e) for m, e in conn.execute(query)]


def test_the_operators_rows_and_the_way_down_and_up(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    engine = fed.system.engine
    election, deputy, second = _paper_votes(fed)
    pv = paper_votes
    mine = (pv.c.election_id == election) & (pv.c.member_id == second)
    for values in ({"entered_by": None}, {"is_operator": True}):  # neither, then both
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(update(pv).where(mine).values(**values))
    with engine.begin() as conn:  # the operator's row, as `paper ballots --operator` writes it
        conn.execute(update(pv).where(mine).values(entered_by=None, is_operator=True))
    with pytest.raises(RuntimeError, match="operator"):
        downgrade(engine, "0031")
    assert "is_operator" in {c["name"] for c in inspect(engine).get_columns("paper_votes")}
    with engine.begin() as conn:
        conn.execute(update(pv).where(mine).values(entered_by=deputy, is_operator=False))
    downgrade(engine, "0031")
    assert "is_operator" not in {c["name"] for c in inspect(engine).get_columns("paper_votes")}
    before = _rows(engine)
    assert [e for _, e in before] == [deputy, deputy]
    with pytest.raises(IntegrityError), engine.begin() as conn:  # a member's, as before 0032
        conn.execute(text("UPDATE paper_votes SET entered_by = NULL"))
    upgrade(engine)
    assert _rows(engine) == before
    with engine.connect() as conn:
        flags = conn.execute(select(pv.c.is_operator).where(pv.c.election_id == election))
        assert [bool(f) for f in flags.scalars()] == [False, False]
    assert differences(engine) == []
