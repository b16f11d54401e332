"""Recall at the first demand (DESIGN.md 2.2): the rule, what is refused, and the races."""

from __future__ import annotations

import threading

import pytest

from dualpower.domain import errors
from dualpower.services import recall
from dualpower.services.check import check
from dualpower.services.elections import cast_ballot
from factories import username


def _forge_deputy(fed):  # type: ignore[no-untyped-def]
    """An active mandate elected by the Forge (12 electors, North Council: direct recall)."""
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        return uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]


def _forge(i: int, fed) -> int:  # type: ignore[no-untyped-def]
    return fed.members[username("Forge", i)]


def test_direct_recall_ends_mandate_at_the_majority_and_opens_a_by_election(federation):
    fed = federation
    mandate = _forge_deputy(fed)
    petition = recall.open_recall(fed.system.uow(), mandate.id, _forge(1, fed))
    assert (petition.status, petition.signatures, petition.threshold) == ("open", 0, 7)
    for i in range(1, 7):
        state = recall.sign_recall(fed.system.uow(), petition.id, _forge(i, fed))
        assert state.status == "open" and state.signatures == i
    state = recall.sign_recall(fed.system.uow(), petition.id, _forge(7, fed))
    assert state.status == "recalled"
    assert state.by_election_id is not None
    with fed.system.uow() as uow:
        ended = uow.mandates.get(mandate.id)
        assert ended.end_reason == "recalled" and not ended.is_active
        by = uow.elections.get(state.by_election_id)
        assert (by.kind, by.seat_no, by.status) == ("by", mandate.seat_no, "open")
        told = uow.notifications.of_member(_forge(12, fed))
        assert {n.kind for n in told} >= {"recall_opened", "by_election"}
    assert check(fed.system.uow()) == []


def test_recall_cascades_to_the_higher_seat_it_rested_on(federation):
    fed = federation
    with fed.system.uow() as uow:
        upper = uow.mandates.active_in_council(fed.councils["Chief Council"])
        delegate = next(
            m
            for m in upper
            if uow.mandates.get(m.depends_on_id).council_id == fed.councils["North Council"]
        )
        base = uow.mandates.get(delegate.depends_on_id)
        electorate = uow.electorates.get(base.electorate_id)
        voters = sorted(recall.electors(uow, electorate))
    petition = recall.open_recall(fed.system.uow(), base.id, voters[0])
    for voter in voters:
        state = recall.sign_recall(fed.system.uow(), petition.id, voter)
        if state.status != "open":
            break
    assert state.status == "recalled"
    with fed.system.uow() as uow:
        assert uow.mandates.get(delegate.id).end_reason == "cascade"
        vacancies = [e for e in uow.elections.list() if e.kind == "by" and e.status == "open"]
        assert {e.electorate_id for e in vacancies} == {base.electorate_id, delegate.electorate_id}
    assert check(fed.system.uow()) == []


def test_refusals_change_nothing(federation):
    fed = federation
    mandate = _forge_deputy(fed)
    outsider = fed.members[username("Mill", 1)]
    with pytest.raises(errors.NotAllowed):
        recall.open_recall(fed.system.uow(), mandate.id, outsider)
    with pytest.raises(errors.NotFound):
        recall.open_recall(fed.system.uow(), 10**6, _forge(1, fed))
    petition = recall.open_recall(fed.system.uow(), mandate.id, _forge(1, fed))
    with pytest.raises(errors.Conflict):
        recall.open_recall(fed.system.uow(), mandate.id, _forge(2, fed))
    recall.sign_recall(fed.system.uow(), petition.id, _forge(1, fed))
    with pytest.raises(errors.Conflict):
        recall.sign_recall(fed.system.uow(), petition.id, _forge(1, fed))
    with pytest.raises(errors.NotAllowed):
        recall.sign_recall(fed.system.uow(), petition.id, outsider)
    with pytest.raises(errors.Conflict):
        recall.withdraw_signature(fed.system.uow(), petition.id, _forge(2, fed))
    state = recall.withdraw_signature(fed.system.uow(), petition.id, _forge(1, fed))
    assert state.signatures == 0
    for i in range(1, 8):
        recall.sign_recall(fed.system.uow(), petition.id, _forge(i, fed))
    with pytest.raises(errors.Conflict):
        recall.sign_recall(fed.system.uow(), petition.id, _forge(8, fed))
    with pytest.raises(errors.Conflict):
        recall.withdraw_signature(fed.system.uow(), petition.id, _forge(1, fed))
    assert recall.petition_state(fed.system.uow(), petition.id).signatures == 7


def test_recall_by_vote_triggers_at_the_share_then_the_vote_decides(federation):
    fed = federation  # South Council recalls by vote; Mill has 12 electors -> 3 signatures (20 %)
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Mill"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
    mill = [fed.members[username("Mill", i)] for i in range(1, 13)]
    petition = recall.open_recall(fed.system.uow(), mandate.id, mill[0])
    assert petition.threshold == 3
    for voter in mill[:3]:
        state = recall.sign_recall(fed.system.uow(), petition.id, voter)
    assert state.status == "vote_open" and state.vote_election_id
    for voter in mill[:7]:
        cast_ballot(fed.system.uow(), state.vote_election_id, voter, [1])
    for voter in mill[7:]:
        cast_ballot(fed.system.uow(), state.vote_election_id, voter, [0])
    with pytest.raises(errors.AlreadyVoted):
        cast_ballot(fed.system.uow(), state.vote_election_id, mill[0], [0])
    assert recall.close_recall_vote(fed.system.uow(), state.vote_election_id) == "recalled"
    with fed.system.uow() as uow:
        assert uow.mandates.get(mandate.id).end_reason == "recalled"


def test_recall_vote_that_fails_keeps_the_deputy(federation):
    fed = federation
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Mill"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
    mill = [fed.members[username("Mill", i)] for i in range(1, 13)]
    petition = recall.open_recall(fed.system.uow(), mandate.id, mill[0])
    for voter in mill[:3]:
        state = recall.sign_recall(fed.system.uow(), petition.id, voter)
    for voter in mill[:6]:
        cast_ballot(fed.system.uow(), state.vote_election_id, voter, [voter % 2])
    assert recall.close_recall_vote(fed.system.uow(), state.vote_election_id) == "rejected"
    with fed.system.uow() as uow:
        assert uow.mandates.get(mandate.id).is_active


def test_concurrent_signatures_cross_the_threshold_exactly_once(federation):
    """Every elector signs at once from its own thread; the mandate ends once, one by-election
    opens, and every signer gets a clear answer."""
    fed = federation
    mandate = _forge_deputy(fed)
    petition = recall.open_recall(fed.system.uow(), mandate.id, _forge(1, fed))
    for i in range(1, 6):
        recall.sign_recall(fed.system.uow(), petition.id, _forge(i, fed))
    outcomes: list[str] = []
    barrier = threading.Barrier(7)

    def sign(i: int) -> None:
        barrier.wait()
        try:
            outcomes.append(
                recall.sign_recall(fed.system.uow(), petition.id, _forge(i, fed)).status
            )
        except errors.Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(6, 13)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(outcomes) == 7
    assert outcomes.count("recalled") >= 1
    with fed.system.uow() as uow:
        by = [e for e in uow.elections.list() if e.kind == "by"]
        assert [e.electorate_id for e in by].count(mandate.electorate_id) == 1
        ends = [e for e in uow.mandates.list() if e.end_reason == "recalled"]
        assert [m.id for m in ends] == [mandate.id]
        cascaded = [e for e in uow.mandates.list() if e.end_reason == "cascade"]
        assert len(by) == 1 + len(cascaded)
        assert len(uow.recalls.signers(petition.id)) == 5 + outcomes.count("recalled") + sum(
            1 for o in outcomes if o == "open"
        )
