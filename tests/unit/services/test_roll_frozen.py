"""Frozen electorates and verification (DESIGN.md 2.10), on both databases.

- A recall petition's electorate is the unit's roll when it opened: members added later neither
  sign nor raise its threshold; a member who left since no longer counts (nor does their
  signature), so the threshold may fall.
- An election's roll is frozen when its voting opens (its nominations' close; a recall vote's,
  when its petition opened): later joiners neither vote nor count among its electors.
- Where a council's standing orders ask for it (`verified_only`), only members verified by its
  credentials committee open and sign petitions, vote and stand; the threshold counts them only.
"""

from __future__ import annotations

import threading

import pytest

from dualpower.domain import errors
from dualpower.services import elections, motions, recall, sessions, standing_orders, views
from dualpower.services.check import check
from dualpower.services.cycle import GeneralElection, open_general
from dualpower.services.offices import OPERATOR_CALLER, verify_member
from dualpower.services.roll_changes import add_member, end_membership
from dualpower.store.tables_recall import RecallPathRepo
from factories import close_nominations, username
from fixtures_services import show_of_hands
from offices_support import setup_offices, sit


def _forge_deputy(fed):  # type: ignore[no-untyped-def]
    """An active mandate elected by the Forge (12 electors, North Council: direct recall)."""
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        return uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]


def _forge(i: int, fed) -> int:  # type: ignore[no-untyped-def]
    return fed.members[username("Forge", i)]


def _join(fed, count: int, unit: str = "Forge", prefix: str = "late") -> list[int]:  # type: ignore[no-untyped-def]
    return [
        add_member(fed.system.uow(), f"{prefix}{i}", f"Late Member {i}", unit, OPERATOR_CALLER)
        for i in range(count)
    ]


def _verified_only(fed, council: str = "North Council") -> None:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        uow.councils.set(fed.councils[council], verified_only=True)
        uow.commit()


def test_joiners_after_a_petition_opened_neither_sign_nor_raise_its_threshold(federation):
    fed = federation
    petition = recall.open_recall(fed.system.uow(), _forge_deputy(fed).id, _forge(1, fed))
    assert petition.threshold == 7  # 12 electors: a majority is 7
    late = _join(fed, 30)  # placeholders imported to block the recall (issue 21)
    state = recall.petition_state(fed.system.uow(), petition.id)
    assert (state.threshold, state.signatures) == (7, 0)
    with pytest.raises(errors.NotAllowed, match="after the petition opened"):
        recall.sign_recall(fed.system.uow(), petition.id, late[0])
    with pytest.raises(errors.NotAllowed, match="after the petition opened"):
        recall.sign_many(fed.system.uow(), petition.id, [_forge(2, fed), late[1]])
    assert recall.petition_state(fed.system.uow(), petition.id).signatures == 0  # all or nothing
    for i in range(1, 7):
        assert recall.sign_recall(fed.system.uow(), petition.id, _forge(i, fed)).status == "open"
    state = recall.sign_recall(fed.system.uow(), petition.id, _forge(7, fed))
    assert (state.status, state.signatures, state.threshold) == ("recalled", 7, 7)
    # A petition opened after they joined counts them.
    with fed.system.uow() as uow:
        by = uow.elections.get(state.by_election_id)
    assert by is not None and by.status == "open"
    assert check(fed.system.uow()) == []


def test_a_member_who_left_no_longer_counts_nor_does_their_signature(federation):
    fed = federation
    petition = recall.open_recall(fed.system.uow(), _forge_deputy(fed).id, _forge(1, fed))
    recall.sign_recall(fed.system.uow(), petition.id, _forge(12, fed))
    recall.sign_recall(fed.system.uow(), petition.id, _forge(11, fed))
    end_membership(fed.system.uow(), username("Forge", 12), OPERATOR_CALLER)
    state = recall.petition_state(fed.system.uow(), petition.id)
    assert (state.signatures, state.threshold) == (1, 6)  # 11 electors: a majority is 6
    with pytest.raises(errors.NotAllowed, match="only electors"):
        recall.sign_recall(fed.system.uow(), petition.id, _forge(12, fed))
    # Back on the roll (a new stretch, begun after the opening): still not on this petition's.
    add_back = _join(fed, 1, "Mill", "mover")
    assert add_back
    with pytest.raises(errors.NotAllowed):
        recall.sign_recall(fed.system.uow(), petition.id, add_back[0])


def test_the_petition_page_says_whether_the_viewer_may_sign(federation):
    from dualpower.services import views

    fed = federation
    petition = recall.open_recall(fed.system.uow(), _forge_deputy(fed).id, _forge(1, fed))
    (late,) = _join(fed, 1)
    assert views.petition(fed.system.uow(), petition.id, _forge(2, fed))["is_elector"] is True
    page = views.petition(fed.system.uow(), petition.id, late)
    assert page["is_elector"] is False and page["threshold"] == 7


def test_joins_racing_the_signatures_never_move_the_threshold(federation):
    fed = federation
    petition = recall.open_recall(fed.system.uow(), _forge_deputy(fed).id, _forge(1, fed))
    states: list[recall.PetitionState] = []
    failures: list[BaseException] = []

    def sign(i: int) -> None:
        try:
            states.append(recall.sign_recall(fed.system.uow(), petition.id, _forge(i, fed)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    def join() -> None:
        try:
            _join(fed, 15, prefix="racer")
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=join)]
    threads += [threading.Thread(target=sign, args=(i,)) for i in range(1, 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert {s.threshold for s in states} == {7}
    assert sorted(s.signatures for s in states) == list(range(1, 8))
    assert [s.status for s in states if s.signatures == 7] == ["recalled"]
    assert check(fed.system.uow()) == []


def test_where_standing_orders_ask_only_verified_members_open_sign_and_count(federation):
    fed = federation
    mandate = _forge_deputy(fed)
    for i in (9, 10, 11, 12):  # the credentials committee withdraws four verifications
        verify_member(fed.system.uow(), _forge(i, fed), OPERATOR_CALLER, is_verified=False)
    petition = recall.open_recall(fed.system.uow(), mandate.id, _forge(12, fed))
    assert petition.threshold == 7  # not asked yet: all 12 count
    recall.sign_recall(fed.system.uow(), petition.id, _forge(12, fed))
    _verified_only(fed)
    state = recall.petition_state(fed.system.uow(), petition.id)
    assert (state.threshold, state.signatures) == (5, 0)  # 8 verified electors
    with pytest.raises(errors.NotAllowed, match="verified by the credentials committee sign"):
        recall.sign_recall(fed.system.uow(), petition.id, _forge(11, fed))
    verify_member(fed.system.uow(), _forge(11, fed), OPERATOR_CALLER)
    assert recall.sign_recall(fed.system.uow(), petition.id, _forge(11, fed)).threshold == 5
    for i in range(1, 5):
        state = recall.sign_recall(fed.system.uow(), petition.id, _forge(i, fed))
    assert (state.status, state.threshold) == ("recalled", 5)


def test_an_unverified_member_may_not_open_a_petition_where_asked(federation):
    fed = federation
    _verified_only(fed)
    verify_member(fed.system.uow(), _forge(3, fed), OPERATOR_CALLER, is_verified=False)
    with pytest.raises(
        errors.NotAllowed, match="verified by the credentials committee open a recall"
    ):
        recall.open_recall(fed.system.uow(), _forge_deputy(fed).id, _forge(3, fed))
    with fed.system.uow() as uow:
        assert uow.recalls.list() == []


def _voting_opens_now(fed, election_id: int) -> None:  # type: ignore[no-untyped-def]
    """Nominations close at this instant (after the early joiner; `close_nominations` puts it a
    second back, before them)."""
    with fed.system.uow() as uow:
        uow.elections.set(election_id, nominations_close_at=uow.now())
        uow.commit()


def _general_in_forge(fed, o) -> int:  # type: ignore[no-untyped-def]
    cmd = GeneralElection(fed.councils["North Council"], "unit", fed.units["Forge"])
    return open_general(fed.system.uow(), cmd, o.holder["electoral commission"])


def test_an_election_roll_freezes_when_voting_opens(federation):
    fed = federation
    o = setup_offices(fed, stipend=0)
    election_id = _general_in_forge(fed, o)
    (early,) = _join(fed, 1, prefix="early")  # joins during nominations: may stand and vote
    elections.nominate(fed.system.uow(), election_id, early, None, None)
    elections.nominate(fed.system.uow(), election_id, _forge(1, fed), None, None)
    _voting_opens_now(fed, election_id)
    (late,) = _join(fed, 1)
    with fed.system.uow() as uow:
        election = uow.elections.get(election_id)
        assert elections.is_elector_of(uow, election, early)
        assert not elections.is_elector_of(uow, election, late)
        assert len(elections.electors_of(uow, election)) == 13  # 12 + the early joiner
    with fed.system.uow() as uow:
        candidates = [c.id for c in uow.elections.candidates(election_id)]
    assert views.turnout(fed.system.uow(), election_id)["electorate_size"] == 13
    with pytest.raises(errors.NotAllowed, match="roll froze"):
        elections.cast_ballot(fed.system.uow(), election_id, late, candidates[:1])
    elections.cast_ballot(fed.system.uow(), election_id, early, candidates[:1])


def test_a_turnout_counts_its_electorate_without_fetching_it(federation, monkeypatch):
    """A live turnout is read once a second per process during a vote: its electorate is
    counted by the database, not fetched (16,051 ids were 10 ms of a server's CPU a read,
    issue 24); the count is the frozen roll's, as `electors_of`'s."""
    fed = federation
    o = setup_offices(fed, stipend=0)
    election_id = _general_in_forge(fed, o)
    elections.nominate(fed.system.uow(), election_id, _forge(1, fed), None, None)
    _voting_opens_now(fed, election_id)
    _join(fed, 2)  # after the roll froze: not counted

    def fetched(*_: object, **__: object) -> set[int]:
        raise AssertionError("the turnout fetched its electorate")

    monkeypatch.setattr(RecallPathRepo, "members", fetched)
    assert views.turnout(fed.system.uow(), election_id)["electorate_size"] == 12


def test_where_asked_an_unverified_member_neither_votes_nor_stands(federation):
    fed = federation
    o = setup_offices(fed, stipend=0)
    _verified_only(fed)
    verify_member(fed.system.uow(), _forge(5, fed), OPERATOR_CALLER, is_verified=False)
    election_id = _general_in_forge(fed, o)
    with pytest.raises(errors.NotAllowed, match="verified"):
        elections.nominate(fed.system.uow(), election_id, _forge(5, fed), None, None)
    elections.nominate(fed.system.uow(), election_id, _forge(1, fed), None, None)
    close_nominations(fed.system, election_id)
    with fed.system.uow() as uow:
        election = uow.elections.get(election_id)
        assert len(elections.electors_of(uow, election)) == 11
        candidates = [c.id for c in uow.elections.candidates(election_id)]
    assert views.turnout(fed.system.uow(), election_id)["electorate_size"] == 11
    with pytest.raises(errors.NotAllowed, match="verified"):
        elections.cast_ballot(fed.system.uow(), election_id, _forge(5, fed), candidates)
    elections.cast_ballot(fed.system.uow(), election_id, _forge(6, fed), candidates)


def test_verification_is_a_standing_order_set_by_motion(federation):
    o = setup_offices(federation, stipend=0)
    north = federation.councils["North Council"]
    with pytest.raises(errors.InvalidRequest, match="true or false"):
        standing_orders.propose_standing_orders(
            federation.system.uow(), o.deputies[0], north, {"verified_only": "yes"}
        )
    motion = standing_orders.propose_standing_orders(
        federation.system.uow(), o.deputies[0], north, {"verified_only": True}
    )
    session = sit(o)
    sessions.add_to_agenda(federation.system.uow(), o.holder["chair"], session, motion)
    motions.open_vote(federation.system.uow(), motion, o.holder["chair"])
    show_of_hands(federation.system.uow(), motion, [(d, "yes") for d in o.deputies])
    assert motions.close_vote(federation.system.uow(), motion, o.holder["chair"]).status == (
        "adopted"
    )
    with federation.system.uow() as uow:
        assert uow.councils.get(north).verified_only is True
