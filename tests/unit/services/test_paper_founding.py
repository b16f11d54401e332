"""Paper ballots of the founding elections (DESIGN.md 2.4, 2.9; services/paper.py): while no
electoral commission exists, the operator enters a founding election's paper ballots, a logged
operator act with no member as who entered them; never in any other election, and never a
signature sheet. Paper and online stay apart as for the commission's sheets."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from dualpower.domain import errors
from dualpower.services import cycle, elections, paper, recall
from dualpower.services.audit import verify_log
from dualpower.services.check import check
from dualpower.services.due import run_due
from dualpower.store import tables as t
from dualpower.store.tables_paper import paper_votes
from factories import Small, close_nominations, small_federation, username

OPERATOR = paper.Enterer.operator()


@pytest.fixture
def founding(system) -> tuple[Small, int, list[int]]:  # type: ignore[no-untyped-def]
    """The small federation founded with nobody seated, its founding elections open; the
    Forge's in its voting window with two candidates."""
    fed = small_federation(system, elect=False)
    return fed, *_forge_founding(fed)


def _forge_founding(fed: Small) -> tuple[int, list[int]]:
    cycle.open_founding(fed.system.uow())
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        [election] = [e for e in uow.elections.list() if e.electorate_id == electorate.id]
    assert election.kind == "founding"
    cands = [
        elections.nominate(fed.system.uow(), election.id, forge(fed, i), fed.factions[f], None)
        for i, f in ((1, "R"), (2, "G"))
    ]
    close_nominations(fed.system, election.id)
    return election.id, cands


def forge(fed: Small, i: int) -> int:
    return fed.members[username("Forge", i)]


def enter(fed: Small, election: int, voters, ballots, by: paper.Enterer = OPERATOR):  # type: ignore[no-untyped-def]
    cmd = paper.PaperBallots(election, voters, ballots)
    return paper.enter_ballots(fed.system.uow(), cmd, by)


def acts(fed: Small, name: str) -> list[tuple[str | None, bool, dict]]:
    with fed.system.engine.connect() as conn:
        log = t.audit_log
        rows = conn.execute(
            select(log.c.actor, log.c.is_operator, log.c.payload)
            .where(log.c.act == name)
            .order_by(log.c.id)
        )
        return [(a, bool(op), json.loads(p)) for a, op, p in rows]


def marks(fed: Small, election: int) -> list[tuple[int, int | None, bool]]:
    """The election's paper rows: (member, entered_by, is_operator)."""
    pv = paper_votes
    with fed.system.engine.connect() as conn:
        rows = conn.execute(
            select(pv.c.member_id, pv.c.entered_by, pv.c.is_operator)
            .where(pv.c.election_id == election)
            .order_by(pv.c.member_id)
        )
        return [(m, e, bool(op)) for m, e, op in rows]


def footprint(fed: Small) -> tuple[int, ...]:
    """What an entry would change: log entries, participations, ballots, paper rows."""
    with fed.system.engine.connect() as conn:
        return tuple(
            int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (t.audit_log, t.participations, t.ballots, paper_votes)
        )


def test_the_operator_enters_a_founding_elections_paper_ballots(founding) -> None:  # type: ignore[no-untyped-def]
    fed, election, (a, b) = founding
    voters = [forge(fed, 5), username("Forge", 6), forge(fed, 7)]
    entered = enter(fed, election, voters, [[a], [a, b], [b]])
    assert entered.ballots == 3 and len(set(entered.receipts)) == 3
    cast = [
        (actor, op, p) for actor, op, p in acts(fed, "ballot.cast") if p["election"] == election
    ]
    assert [(actor, op) for actor, op, _ in cast] == [("operator", True)] * 3
    assert [(p["member"], p["choices"], p["paper"]) for _, _, p in cast] == [
        (forge(fed, 5), [a], True),
        (forge(fed, 6), [a, b], True),
        (forge(fed, 7), [b], True),
    ]
    assert marks(fed, election) == [(forge(fed, i), None, True) for i in (5, 6, 7)]
    with fed.system.uow() as uow:
        took = uow.paper.took_part(election, [forge(fed, i) for i in range(1, 13)])
    assert took == {forge(fed, i): paper.BY_OPERATOR for i in (5, 6, 7)}
    desk = paper.election_view(fed.system.reader(), election, forge(fed, 1))
    assert (desk.on_paper, desk.by_operator, desk.may_enter, desk.enterers) == (3, True, False, [])


def test_a_secret_founding_elections_paper_ballots_carry_no_voter(system) -> None:  # type: ignore[no-untyped-def]
    fed = small_federation(system, elect=False)
    with system.uow() as uow:
        uow.standing_orders.put(council_id=fed.councils["North Council"], secret_elections=True)
        uow.commit()
    election, (a, b) = _forge_founding(fed)
    voters = [forge(fed, i) for i in (9, 4, 7)]
    enter(fed, election, voters, [[a], [b], [a]])
    assert not [p for _, _, p in acts(fed, "ballot.cast") if p["election"] == election]
    [(actor, op, took_part)] = [
        x for x in acts(fed, "election.participate") if x[2]["election"] == election
    ]
    assert (actor, op) == ("operator", True)
    assert took_part == {"election": election, "members": sorted(voters), "paper": True}
    with system.engine.connect() as conn:
        ballots = conn.execute(
            select(t.ballots.c.voter_id).where(t.ballots.c.election_id == election)
        ).all()
    assert [b.voter_id for b in ballots] == [None] * 3


def test_nobody_votes_both_ways_in_a_founding_election(founding) -> None:  # type: ignore[no-untyped-def]
    fed, election, (a, _) = founding
    elections.cast_ballot(fed.system.uow(), election, forge(fed, 3), [a])
    with pytest.raises(errors.Conflict, match="voted online"):
        enter(fed, election, [forge(fed, 4), forge(fed, 3)], [[a], [a]])
    assert marks(fed, election) == []  # nothing of the refused sheet was kept
    enter(fed, election, [forge(fed, 4)], [[a]])
    with pytest.raises(errors.Conflict, match="on paper already"):
        enter(fed, election, [forge(fed, 4)], [[a]])
    with pytest.raises(errors.AlreadyVoted):
        elections.cast_ballot(fed.system.uow(), election, forge(fed, 4), [a])
    with fed.system.uow() as uow:
        took = uow.paper.took_part(election, [forge(fed, 3), forge(fed, 4)])
    assert took == {forge(fed, 3): None, forge(fed, 4): paper.BY_OPERATOR}


def test_the_operators_sheet_and_an_online_ballot_at_once_one_wins(founding) -> None:  # type: ignore[no-untyped-def]
    fed, election, (a, _) = founding
    member = forge(fed, 8)
    outcomes: dict[str, object] = {}
    start = threading.Barrier(2)

    def run(name: str, act) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            outcomes[name] = act()
        except errors.DomainError as error:
            outcomes[name] = error

    acts_ = {
        "online": lambda: elections.cast_ballot(fed.system.uow(), election, member, [a]),
        "paper": lambda: enter(fed, election, [forge(fed, 10), member], [[a], [a]]),
    }
    threads = [threading.Thread(target=run, args=item) for item in acts_.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [k for k, v in outcomes.items() if isinstance(v, errors.Conflict)]
    assert len(refused) == 1, outcomes
    with fed.system.uow() as uow:
        took = uow.paper.took_part(election, [member, forge(fed, 10)])
    if refused == ["paper"]:
        assert took == {member: None} and marks(fed, election) == []
    else:
        assert took == {member: paper.BY_OPERATOR, forge(fed, 10): paper.BY_OPERATOR}


def test_no_member_enters_a_founding_elections_paper_ballots(founding) -> None:  # type: ignore[no-untyped-def]
    """Nobody holds `run_election` and nobody is seated yet: no member may enter them."""
    fed, election, (a, _) = founding
    before = footprint(fed)
    for who in (forge(fed, 1), forge(fed, 9), fed.members[username("Mill", 1)]):
        with pytest.raises(errors.NotAllowed):
            enter(fed, election, [forge(fed, 5)], [[a]], by=paper.Enterer(who))
    assert footprint(fed) == before


def test_the_operator_is_refused_in_any_other_election(federation) -> None:  # type: ignore[no-untyped-def]
    """A general election of a seated federation: the commission's (here any North deputy's,
    nobody holding `run_election`), never the operator's."""
    fed = federation
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        deputy = min(
            md.holder_id
            for md in uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
        )
    cmd = cycle.GeneralElection(fed.councils["North Council"], "unit", fed.units["Forge"])
    election = cycle.open_general(fed.system.uow(), cmd, deputy)
    a = elections.nominate(fed.system.uow(), election, forge(fed, 1), None, None)
    close_nominations(fed.system, election)
    before = footprint(fed)
    with pytest.raises(errors.NotAllowed, match="founding"):
        enter(fed, election, [forge(fed, 5)], [[a]])
    assert footprint(fed) == before
    assert not paper.election_view(fed.system.reader(), election, None).by_operator
    enter(fed, election, [forge(fed, 5)], [[a]], by=paper.Enterer(deputy, by_command_line=True))
    assert marks(fed, election) == [(forge(fed, 5), deputy, False)]
    assert check(fed.system.uow()) == []
    with fed.system.engine.begin() as conn:  # written behind the service's back
        conn.execute(paper_votes.update().values(entered_by=None, is_operator=True))
    assert check(fed.system.uow()) == [
        f"election {election} (general): paper votes entered by the operator, who enters "
        "those of founding elections only"
    ]


def test_the_operator_enters_no_signature_sheet(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        [mandate, *_] = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
    petition = recall.open_recall(fed.system.uow(), mandate.id, forge(fed, 12)).id
    before = footprint(fed)
    with pytest.raises(errors.NotAllowed, match="founding"):
        paper.enter_signatures(
            fed.system.uow(), paper.PaperSignatures(petition, [forge(fed, 5)]), OPERATOR
        )
    assert footprint(fed) == before
    assert recall.petition_state(fed.system.reader(), petition).signatures == 0


def test_a_founding_election_on_paper_closes_seats_and_the_record_holds(founding) -> None:  # type: ignore[no-untyped-def]
    """Every Forge elector on paper (one online): the clock closes it early and seats the
    winner; `check` and the audit log's verification pass."""
    fed, election, (a, b) = founding
    elections.cast_ballot(fed.system.uow(), election, forge(fed, 12), [b])
    voters = [forge(fed, i) for i in range(1, 12)]
    enter(fed, election, voters, [[a] if i % 3 else [b] for i in range(1, 12)])
    done = run_due(fed.system.uow)
    assert any(d.act == "election.close" and d.subject_id == election for d in done), done
    with fed.system.uow() as uow:
        closed = uow.elections.get(election)
        assert closed is not None and closed.status != "open"
        seated = {md.holder_id for md in uow.mandates.list() if md.election_id == election}
    assert forge(fed, 1) in seated
    assert check(fed.system.uow()) == []
    assert verify_log(fed.system.engine).ok
    with fed.system.uow() as uow:  # the paper marks stand after the close
        assert len(uow.paper.took_part(election, voters)) == 11
