"""Stipends set by the council (DESIGN.md 2.4; services/stipends.py), on SQLite and PostgreSQL:
a stipend motion adopted by roll-call sets the stipend in the adoption's transaction; the cap is
checked at the proposal, at the vote's opening and at the adoption; whatever is refused changes
nothing; two adoptions for one person at once never pay them above the cap together."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from dualpower.domain import errors
from dualpower.domain.offices import StipendAboveCap
from dualpower.services import motions, offices, sessions, stipends
from dualpower.services.check import check
from dualpower.services.elections import cast_ballot
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.store.tables import audit_log
from dualpower.store.tables import offices as offices_table
from dualpower.store.tables_offices import stipend_motions
from factories import close_office_election_in_time, close_vote_in_time, to_voting, username
from fixtures_services import show_of_hands
from offices_support import (
    WAGE_MEDIAN,
    Offices,
    adopt_stipend,
    put_to_vote,
    setup_offices,
    sit,
)


def _log(system) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        rows = uow.conn.execute(select(audit_log.c.act, audit_log.c.actor).order_by(audit_log.c.id))
        return [tuple(r) for r in rows]


def _stipend(system, office_id: int) -> int:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        return uow.offices.get(office_id).stipend


def _status(system, motion_id: int) -> str:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        return uow.motions.get(motion_id).status


def _lower_the_cap(fed) -> None:  # type: ignore[no-untyped-def]
    """Forge and Mill report wages of 1: the federation's median falls far below WAGE_MEDIAN."""
    for unit in ("Forge", "Mill"):
        low = {fed.members[username(unit, i)]: 1 for i in range(1, 13)}
        offices.report_wages(fed.system.uow(), fed.units[unit], low, OPERATOR_CALLER)


def test_an_adopted_stipend_motion_sets_the_stipend_in_its_adoption(federation):
    o = setup_offices(federation, stipend=0)
    chair = o.office["chair"]
    session = sit(o)
    motion = put_to_vote(o, session, chair, WAGE_MEDIAN)
    assert _stipend(federation.system, chair) == 0  # proposed and voted on: nothing yet
    decision = close_vote_in_time(federation.system, motion, o.holder["chair"])
    assert decision.status == "adopted"
    assert _stipend(federation.system, chair) == WAGE_MEDIAN
    acts = [act for act, _ in _log(federation.system)]
    assert acts[-2:] == ["motion.adopt", "office.set_stipend"]  # one transaction, in order
    assert "stipend.propose" in acts
    with federation.system.uow() as uow:
        applied = uow.stipend_motions.of_motion(motion)
    assert applied is not None and applied[:2] == (chair, WAGE_MEDIAN) and applied[2] is not None
    assert check(federation.system.uow()) == []


def test_a_rejected_stipend_motion_changes_no_stipend(federation):
    o = setup_offices(federation, stipend=0)
    chair = o.office["chair"]
    session = sit(o)
    motion = stipends.propose_stipend(federation.system.uow(), o.deputies[1], chair, 100)
    sessions.add_to_agenda(federation.system.uow(), o.holder["chair"], session, motion)
    motions.open_vote(federation.system.uow(), motion, o.holder["chair"])
    show_of_hands(federation.system.uow(), motion, [(d, "no") for d in o.deputies])
    decision = close_vote_in_time(federation.system, motion, o.holder["chair"])
    assert decision.status == "rejected"
    assert _stipend(federation.system, chair) == 0
    assert check(federation.system.uow()) == []


@pytest.mark.parametrize(
    "how", ["alone", "together", "not a deputy", "another council", "unknown majority"]
)
def test_a_refused_proposal_changes_nothing(federation, how):
    o = setup_offices(federation, stipend=WAGE_MEDIAN // 2)
    north = federation.councils["North Council"]
    office, amount, proposer = o.office["chair"], WAGE_MEDIAN + 1, o.deputies[1]
    majority = "simple"
    if how == "together":  # paid half the cap as chair, the chair holds a second office
        office = offices.create_office(federation.system.uow(), north, "commissioner", ())
        _hold(o, office, o.holder["chair"])
        amount = WAGE_MEDIAN // 2 + 1  # alone it would do
    elif how == "not a deputy":
        proposer, amount = federation.members[username("Forge", 9)], 10
    elif how == "another council":
        with federation.system.uow() as uow:
            south = federation.councils["South Council"]
            proposer = uow.mandates.active_in_council(south)[0].holder_id
        amount = 10
    elif how == "unknown majority":  # the motions' own rule (domain/motions.check_majority)
        amount, majority = 10, "most"
    before = _log(federation.system)
    refusals = {
        "alone": StipendAboveCap,
        "together": StipendAboveCap,
        "unknown majority": errors.InvalidRequest,
    }
    with pytest.raises(refusals.get(how, errors.NotAllowed)):
        stipends.propose_stipend(federation.system.uow(), proposer, office, amount, majority)
    assert _log(federation.system) == before
    with federation.system.uow() as uow:
        assert uow.stipend_motions.all() == []
        assert uow.motions.list() == []


def _hold(o: Offices, office_id: int, member_id: int) -> None:
    """`member_id` is elected to `office_id` by the North Council."""
    fed = o.fed
    election = offices.open_office_election(
        fed.system.uow(), office_id, o.holder["electoral commission"]
    )
    candidate = offices.stand(fed.system.uow(), election, member_id)
    to_voting(fed.system, election)
    cast_ballot(fed.system.uow(), election, o.deputies[0], [candidate])
    close_office_election_in_time(fed.system, election, o.holder["electoral commission"])


def test_adoption_after_the_cap_fell_lapses_and_pays_nothing_above_it(federation):
    """The vote stands (adopted), the stipend is not raised above the cap, the lapse is logged
    with its reason, and nothing is left open: the session can close."""
    o = setup_offices(federation, stipend=0)
    chair = o.office["chair"]
    session = sit(o)
    motion = put_to_vote(o, session, chair, WAGE_MEDIAN)
    _lower_the_cap(federation)
    before = _log(federation.system)
    decision = close_vote_in_time(federation.system, motion, o.holder["chair"])
    assert decision.status == "adopted"
    acts = [act for act, _ in _log(federation.system)[len(before) :]]
    assert acts == ["motion.adopt", "office.stipend_lapse"]
    assert _stipend(federation.system, chair) == 0
    with federation.system.uow() as uow:
        assert uow.stipend_motions.of_motion(motion)[2] is None
        (row,) = [r for r in uow.stipend_motions.all() if r["motion_id"] == motion]
        assert "above the cap" in row["lapsed_reason"]
    assert check(federation.system.uow()) == []
    sessions.close_session(federation.system.uow(), o.holder["chair"], session)


def test_the_vote_does_not_open_once_the_cap_fell_below_the_motion(federation):
    o = setup_offices(federation, stipend=0)
    chair = o.office["chair"]
    session = sit(o)
    motion = stipends.propose_stipend(federation.system.uow(), o.deputies[1], chair, WAGE_MEDIAN)
    sessions.add_to_agenda(federation.system.uow(), o.holder["chair"], session, motion)
    _lower_the_cap(federation)
    with pytest.raises(StipendAboveCap):
        motions.open_vote(federation.system.uow(), motion, o.holder["chair"])
    assert _status(federation.system, motion) == "draft"


def test_two_stipend_motions_for_one_person_adopted_at_once_stay_under_the_cap(federation):
    o = setup_offices(federation, stipend=0)
    north = federation.councils["North Council"]
    extra = offices.create_office(federation.system.uow(), north, "commissioner", ())
    holder = o.holder["chair"]
    _hold(o, extra, holder)
    session = sit(o)
    half = WAGE_MEDIAN // 2 + 1  # each alone under the cap, both together above it
    ids = [put_to_vote(o, session, office, half) for office in (o.office["chair"], extra)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def close(motion_id: int) -> None:
        barrier.wait()
        outcomes.append(close_vote_in_time(federation.system, motion_id, holder))

    threads = [threading.Thread(target=close, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [getattr(x, "status", x) for x in outcomes] == ["adopted", "adopted"]
    paid = [_stipend(federation.system, i) for i in (o.office["chair"], extra)]
    assert sorted(paid) == [0, half]
    with federation.system.uow() as uow:
        rows = [r for r in uow.stipend_motions.all() if r["motion_id"] in ids]
    assert sorted((r["applied_at"] is None, r["lapsed_reason"] is None) for r in rows) == [
        (False, True),
        (True, False),
    ], "one applied, the other lapsed"
    assert check(federation.system.uow()) == []


def test_the_checker_traces_every_stipend_to_an_adopted_motion_or_the_founding(federation):
    o = setup_offices(federation)  # founded at the cap: traced to the founding
    north = federation.councils["North Council"]
    extra = offices.create_office(federation.system.uow(), north, "commissioner", ())
    assert check(federation.system.uow()) == []
    motion = adopt_stipend(o, o.office["chair"], 10)
    assert check(federation.system.uow()) == []

    def raise_to(office_id: int, amount: int) -> None:  # behind the council's back
        with federation.system.uow() as uow:
            table = offices_table
            uow.conn.execute(update(table).where(table.c.id == office_id).values(stipend=amount))
            uow.commit()

    raise_to(o.office["chair"], 11)
    raise_to(extra, 5)
    problems = check(federation.system.uow())
    assert any(f"more than its motion {motion} set (10)" in p for p in problems), problems
    assert any(f"office {extra} (commissioner)" in p and "no adopted motion" in p for p in problems)
    with federation.system.uow() as uow:
        uow.conn.execute(update(stipend_motions).values(applied_at=None))
        uow.commit()
    problems = check(federation.system.uow())
    assert any(f"stipend motion {motion} was adopted but never applied" in p for p in problems)
