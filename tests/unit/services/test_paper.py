"""Votes on paper (DESIGN.md 2.9; services/paper.py): the electoral commission enters a
meeting's paper ballots, all or nothing, each entry logged with who entered it; paper and
online kept apart, so nobody votes both ways; a secret election's paper ballots unlinked."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from dualpower.domain import errors
from dualpower.services import cycle, elections, offices, paper, recall
from dualpower.store import tables as t
from factories import to_close, to_voting, username
from fixtures_services import close_election
from offices_support import Offices, setup_offices


@pytest.fixture
def o(federation) -> Offices:  # type: ignore[no-untyped-def]
    return setup_offices(federation)


def forge(o: Offices, i: int) -> int:
    return o.fed.members[username("Forge", i)]


def commission(o: Offices) -> int:
    return o.holder["electoral commission"]


def open_forge(o: Offices, *, is_secret: bool = False) -> tuple[int, list[int]]:
    """A general election of the Forge's seats in its voting window, two candidates."""
    fed = o.fed
    cmd = cycle.GeneralElection(
        fed.councils["North Council"], "unit", fed.units["Forge"], "block", is_secret
    )
    election = cycle.open_general(fed.system.uow(), cmd, commission(o))
    cands = [
        elections.nominate(fed.system.uow(), election, forge(o, i), None, None) for i in (1, 2)
    ]
    to_voting(fed.system, election)
    return election, cands


def enter(o: Offices, election: int, voters, ballots, by: int | None = None):  # type: ignore[no-untyped-def]
    cmd = paper.PaperBallots(election, voters, ballots)
    return paper.enter_ballots(o.fed.system.uow(), cmd, paper.Enterer(by or commission(o)))


def acts(o: Offices, name: str) -> list[tuple[str | None, bool, dict]]:
    with o.fed.system.engine.connect() as conn:
        log = t.audit_log
        rows = conn.execute(
            select(log.c.actor, log.c.is_operator, log.c.payload)
            .where(log.c.act == name)
            .order_by(log.c.id)
        )
        return [(a, bool(op), json.loads(p)) for a, op, p in rows]


def participants(o: Offices, election: int) -> set[int]:
    with o.fed.system.uow() as uow:
        return uow.paper.took_part(election, list(o.fed.members.values())).keys() | set()


def test_open_paper_ballots_are_logged_with_their_voter_and_who_entered_them(o: Offices) -> None:
    election, (a, b) = open_forge(o)
    voters = [forge(o, 5), username("Forge", 6), forge(o, 7)]  # by id or username
    entered = enter(o, election, voters, [[a], [a, b], [b]])
    assert entered.ballots == 3 and len(set(entered.receipts)) == 3
    cast = [(actor, p) for actor, _, p in acts(o, "ballot.cast") if p["election"] == election]
    assert [actor for actor, _ in cast] == [str(commission(o))] * 3
    assert [(p["member"], p["choices"], p["paper"]) for _, p in cast] == [
        (forge(o, 5), [a], True),
        (forge(o, 6), [a, b], True),
        (forge(o, 7), [b], True),
    ]
    assert [p["receipt"] for _, p in cast] == entered.receipts
    with o.fed.system.uow() as uow:
        marks = uow.paper.took_part(election, [forge(o, i) for i in range(1, 13)])
    assert marks == {forge(o, i): commission(o) for i in (5, 6, 7)}


def test_nobody_votes_both_ways(o: Offices) -> None:
    election, (a, _) = open_forge(o)
    elections.cast_ballot(o.fed.system.uow(), election, forge(o, 3), [a])
    with pytest.raises(errors.Conflict, match="voted online"):
        enter(o, election, [forge(o, 4), forge(o, 3)], [[a], [a]])
    enter(o, election, [forge(o, 4)], [[a]])  # nothing of the refused sheet was kept
    with pytest.raises(errors.Conflict, match="on paper already"):
        enter(o, election, [forge(o, 4)], [[a]])
    with pytest.raises(errors.AlreadyVoted):
        elections.cast_ballot(o.fed.system.uow(), election, forge(o, 4), [a])
    with o.fed.system.uow() as uow:
        marks = uow.paper.took_part(election, [forge(o, 3), forge(o, 4)])
    assert marks == {forge(o, 3): None, forge(o, 4): commission(o)}


@pytest.mark.parametrize(
    ("voters", "ballots", "message"),
    [
        ([5, 6], [["a"]], "2 voters, 1 ballots"),
        ([5, "nobody"], [["a"], ["a"]], "no member 'nobody'"),
        ([5, 5], [["a"], ["a"]], "appears twice"),
        ([5, "mill1"], [["a"], ["a"]], "not an elector"),
        ([5, 6], [["a"], [999]], "not a candidate"),
        ([5, 6], [["a"], ["a", "a"]], "twice on the ballot"),
        ([], [], "names no voter"),
    ],
)
def test_a_bad_sheet_is_refused_whole(o: Offices, voters, ballots, message) -> None:  # type: ignore[no-untyped-def]
    election, (a, _) = open_forge(o)
    named = [forge(o, v) if isinstance(v, int) else v for v in voters]
    given = [[a if c == "a" else c for c in b] for b in ballots]
    before = len(acts(o, "ballot.cast"))
    with pytest.raises(errors.InvalidRequest, match=message):
        enter(o, election, named, given)
    assert len(acts(o, "ballot.cast")) == before
    assert not participants(o, election)


def test_only_the_commission_of_the_council_enters_paper_ballots(o: Offices) -> None:
    election, (a, _) = open_forge(o)
    chair = o.holder["chair"]
    mill_deputy = o.fed.members[username("Mill", 1)]
    for who in (chair, mill_deputy, forge(o, 9)):
        with pytest.raises(errors.NotAllowed):
            enter(o, election, [forge(o, 5)], [[a]], by=who)
    assert not participants(o, election)


def test_the_paper_desk_names_who_may_enter_and_only_they_may(o: Offices) -> None:
    election, (a, _) = open_forge(o)
    desk = paper.election_view(o.fed.system.reader(), election, None)
    north = o.fed.councils["North Council"]
    assert (desk.council_id, desk.may_enter, desk.on_paper) == (north, False, 0)
    assert [m for m, _ in desk.enterers] == [commission(o)]  # the commission, not every deputy
    assert paper.election_view(o.fed.system.reader(), election, commission(o)).may_enter
    for who, _ in desk.enterers:
        enter(o, election, [forge(o, 5)], [[a]], by=who)
    assert paper.election_view(o.fed.system.reader(), election, None).on_paper == 1
    petition = petition_against_forge(o)
    signing = paper.petition_view(o.fed.system.reader(), petition, None)
    assert [m for m, _ in signing.enterers] == [commission(o)]


def test_while_nobody_holds_run_election_every_deputy_may_enter(o: Offices) -> None:
    election, (a, _) = open_forge(o)
    with o.fed.system.uow() as uow:
        term = uow.office_terms.active_of_office(o.office["electoral commission"])
    offices.resign_office(o.fed.system.uow(), term.id, commission(o))
    desk = paper.election_view(o.fed.system.reader(), election, None)
    assert [m for m, _ in desk.enterers] == sorted(o.deputies)
    enter(o, election, [forge(o, 5)], [[a]], by=desk.enterers[-1][0])
    assert participants(o, election) == {forge(o, 5)}


def test_paper_ballots_only_in_the_voting_window(o: Offices) -> None:
    fed = o.fed
    cmd = cycle.GeneralElection(fed.councils["North Council"], "unit", fed.units["Forge"])
    election = cycle.open_general(fed.system.uow(), cmd, commission(o))
    with pytest.raises(errors.Conflict):
        enter(o, election, [forge(o, 5)], [[1]])


def test_secret_paper_ballots_carry_no_voter_and_mark_only_participation(o: Offices) -> None:
    election, (a, b) = open_forge(o, is_secret=True)
    voters = [forge(o, i) for i in (9, 4, 7, 5)]
    enter(o, election, voters, [[a], [a], [b], [a, b]])
    assert not [p for _, _, p in acts(o, "ballot.cast") if p["election"] == election]
    [(actor, _, took_part)] = [
        x for x in acts(o, "election.participate") if x[2]["election"] == election
    ]
    assert actor == str(commission(o))
    assert took_part == {"election": election, "members": sorted(voters), "paper": True}
    with o.fed.system.engine.connect() as conn:
        rows = conn.execute(
            select(t.ballots.c.voter_id, t.ballots.c.choices).where(
                t.ballots.c.election_id == election
            )
        ).all()
    assert {r.voter_id for r in rows} == {None}
    assert sorted(map(tuple, (r.choices for r in rows))) == [(a,), (a,), (a, b), (b,)]
    to_close(o.fed.system, election)
    close_election(o.fed.system.uow(), election)
    [(_, _, closed)] = [x for x in acts(o, "election.close") if x[2]["election"] == election]
    assert sorted(tuple(x["choices"]) for x in closed["ballots"]) == [(a,), (a,), (a, b), (b,)]


def test_a_sheet_and_an_online_ballot_of_one_member_at_once_one_wins(o: Offices) -> None:
    election, (a, _) = open_forge(o)
    member = forge(o, 8)
    outcomes: dict[str, object] = {}
    start = threading.Barrier(2)

    def online() -> None:
        start.wait()
        try:
            outcomes["online"] = elections.cast_ballot(o.fed.system.uow(), election, member, [a])
        except errors.DomainError as error:
            outcomes["online"] = error

    def on_paper() -> None:
        start.wait()
        try:
            outcomes["paper"] = enter(o, election, [forge(o, 10), member], [[a], [a]])
        except errors.DomainError as error:
            outcomes["paper"] = error

    threads = [threading.Thread(target=f) for f in (online, on_paper)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [k for k, v in outcomes.items() if isinstance(v, errors.Conflict)]
    assert len(refused) == 1, outcomes
    with o.fed.system.uow() as uow:
        voted = uow.paper.took_part(election, [member, forge(o, 10)])
    if refused == ["paper"]:
        assert voted == {member: None}
    else:
        assert voted == {member: commission(o), forge(o, 10): commission(o)}


# -- recall petitions' paper signature sheets ------------------------------------------------


def petition_against_forge(o: Offices) -> int:
    """A petition against a Forge deputy who is not on the commission (North: direct recall,
    a majority of the Forge's 12 members decides), opened by forge12."""
    fed = o.fed
    with fed.system.uow() as uow:
        forge_seats = uow.mandates.active(
            uow.mandates.table.c.electorate_id == uow.electorates.for_unit(fed.units["Forge"]).id
        )
    mandate = next(md for md in forge_seats if md.holder_id != commission(o))
    return recall.open_recall(fed.system.uow(), mandate.id, forge(o, 12)).id


def sign(o: Offices, petition: int, members, by: int | None = None):  # type: ignore[no-untyped-def]
    cmd = paper.PaperSignatures(petition, members)
    return paper.enter_signatures(o.fed.system.uow(), cmd, paper.Enterer(by or commission(o)))


def test_paper_signatures_are_logged_with_who_entered_them(o: Offices) -> None:
    petition = petition_against_forge(o)
    recall.sign_recall(o.fed.system.uow(), petition, forge(o, 5))
    state = sign(o, petition, [forge(o, 6), username("Forge", 7)])
    assert (state.status, state.signatures) == ("open", 3)
    signs = [(a, p) for a, _, p in acts(o, "recall.sign") if p["petition"] == petition]
    assert signs == [
        (None, {"petition": petition, "member": forge(o, 5)}),
        (str(commission(o)), {"petition": petition, "member": forge(o, 6), "paper": True}),
        (str(commission(o)), {"petition": petition, "member": forge(o, 7), "paper": True}),
    ]


def test_nobody_signs_both_ways(o: Offices) -> None:
    petition = petition_against_forge(o)
    recall.sign_recall(o.fed.system.uow(), petition, forge(o, 5))
    with pytest.raises(errors.Conflict, match="signed online"):
        sign(o, petition, [forge(o, 6), forge(o, 5)])
    assert recall.petition_state(o.fed.system.reader(), petition).signatures == 1
    sign(o, petition, [forge(o, 6)])
    with pytest.raises(errors.Conflict, match="on paper already"):
        sign(o, petition, [forge(o, 6)])
    with pytest.raises(errors.Conflict):
        recall.sign_recall(o.fed.system.uow(), petition, forge(o, 6))
    # A member entered on paper may still withdraw their own signature; the mark goes with it.
    recall.withdraw_signature(o.fed.system.uow(), petition, forge(o, 6))
    with o.fed.system.uow() as uow:
        assert uow.paper.signed(petition, [forge(o, 5), forge(o, 6)]) == {forge(o, 5): None}


def test_a_sheet_that_reaches_the_threshold_recalls(o: Offices) -> None:
    petition = petition_against_forge(o)
    threshold = recall.petition_state(o.fed.system.reader(), petition).threshold
    state = sign(o, petition, [forge(o, i) for i in range(1, threshold + 1)])
    assert state.status == "recalled" and state.by_election_id is not None
    with pytest.raises(errors.Conflict):  # decided: no sheet is taken any more
        sign(o, petition, [forge(o, 11)])


def test_a_bad_signature_sheet_changes_nothing(o: Offices) -> None:
    petition = petition_against_forge(o)
    for members, error in (
        ([forge(o, 5), "nobody"], errors.InvalidRequest),
        ([forge(o, 5), forge(o, 5)], errors.InvalidRequest),
        ([forge(o, 5), username("Mill", 2)], errors.NotAllowed),
        ([], errors.InvalidRequest),
    ):
        with pytest.raises(error):
            sign(o, petition, members)
    with pytest.raises(errors.NotAllowed):  # not the North's commission
        sign(o, petition, [forge(o, 5)], by=o.holder["chair"])
    assert recall.petition_state(o.fed.system.reader(), petition).signatures == 0


def test_a_sheet_and_an_online_signature_of_one_member_at_once_one_wins(o: Offices) -> None:
    petition = petition_against_forge(o)
    member = forge(o, 8)
    outcomes: dict[str, object] = {}
    start = threading.Barrier(2)

    def run(name: str, act) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            outcomes[name] = act()
        except errors.DomainError as error:
            outcomes[name] = error

    acts_ = {
        "online": lambda: recall.sign_recall(o.fed.system.uow(), petition, member),
        "paper": lambda: sign(o, petition, [forge(o, 9), member]),
    }
    threads = [threading.Thread(target=run, args=item) for item in acts_.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [k for k, v in outcomes.items() if isinstance(v, errors.Conflict)]
    assert len(refused) == 1, outcomes
    expected = 1 if refused == ["paper"] else 2
    assert recall.petition_state(o.fed.system.reader(), petition).signatures == expected


def test_the_command_line_takes_the_commissioners_own_password_only(o: Offices) -> None:
    """`dualpower paper --as` checks the member's password (services/accounts.check_password):
    a wrong one is refused, and so is one the operator set until they set their own."""
    from dualpower.services import accounts, credentials

    name = next(u for u, i in o.fed.members.items() if i == commission(o))
    uow = o.fed.system.uow
    with pytest.raises(errors.BadCredentials):
        accounts.check_password(uow(), name, "not it")
    assert accounts.check_password(uow(), name, "password1").id == commission(o)
    credentials.operator_set_password(uow(), name, "the operator's choice", actor="operator")
    with pytest.raises(errors.NotAllowed, match="set by the operator"):
        accounts.check_password(uow(), name, "the operator's choice")
