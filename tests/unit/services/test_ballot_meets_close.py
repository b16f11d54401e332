"""A ballot and the close of its election at the same moment (services/elections.py `close_in`,
services/ballot_batch.py): the ballot is counted, or refused with 409 because the election is
closed; never acknowledged with a receipt and left out of the count. On PostgreSQL a ballot
share-locks the election's row while it is written and a close locks it for update before it
counts; SQLite's write transactions are serial already."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dualpower.domain import errors
from dualpower.services import ballot_batch as bb
from dualpower.services import recall
from dualpower.services.accounts import _issue
from dualpower.services.elections import OpenElection, cast_ballot, cast_in, close_in, nominate
from factories import Small
from fixtures_services import open_election

HOLD = 0.5  # seconds the first transaction holds its lock after the second has started


def _open(federation: Small) -> tuple[int, list[int]]:
    """An open secret election of Forge with three candidates and one ballot already cast."""
    uow, m = federation.system.uow, federation.members
    with uow() as u:
        electorate = u.electorates.for_unit(federation.units["Forge"])
    assert electorate is not None
    election = open_election(uow(), OpenElection(electorate.id, "plurality", is_secret=True))
    cands = [nominate(uow(), election, m[f"forge{i}"], None, actor=None) for i in (10, 11, 12)]
    cast_ballot(uow(), election, m["forge1"], [cands[0]])
    return election, cands


def _stored(federation: Small, election_id: int) -> int:
    with federation.system.reader() as uow:
        return len(uow.elections.ballot_choices(election_id))


def _closing_first(federation: Small, election_id: int, cast: Callable[[], Any]) -> Any:
    """Begin the close (its row locked), then cast in another thread; the close commits after
    HOLD seconds. Returns what the cast returned or raised."""
    locked = threading.Event()

    def close() -> None:
        with federation.system.uow() as uow:
            election = uow.elections.get_for_update(election_id)
            assert election is not None
            locked.set()
            time.sleep(HOLD)
            close_in(uow, election, None)
            uow.commit()

    def attempt() -> Any:
        locked.wait(10)
        try:
            return cast()
        except errors.DomainError as refused:
            return refused

    with ThreadPoolExecutor(2) as pool:
        closing, casting = pool.submit(close), pool.submit(attempt)
        closing.result(30)
        return casting.result(30)


def test_a_ballot_cast_while_the_close_counts_is_refused(federation: Small) -> None:
    election_id, cands = _open(federation)
    voter = federation.members["forge2"]
    answer = _closing_first(
        federation,
        election_id,
        lambda: cast_ballot(federation.system.uow(), election_id, voter, [cands[1]]),
    )
    assert isinstance(answer, errors.Conflict), answer
    assert _stored(federation, election_id) == 1 == _result_ballots(federation, election_id)


def test_a_batch_written_while_the_close_counts_is_refused(federation: Small) -> None:
    election_id, cands = _open(federation)
    with federation.system.uow() as uow:
        member = uow.members.get(federation.members["forge3"])
        assert member is not None
        token = _issue(uow, member, "api").token
        uow.commit()
    writer = bb.BallotWriter(federation.system.uow, engine=federation.system.engine)
    request = bb.BallotRequest(token, election_id, [cands[1]])
    answer = _closing_first(federation, election_id, lambda: writer.cast_waiting(request))
    assert isinstance(answer, errors.Conflict), answer
    assert _stored(federation, election_id) == 1 == _result_ballots(federation, election_id)


def test_a_close_waits_for_a_ballot_being_written_and_counts_it(federation: Small) -> None:
    election_id, cands = _open(federation)
    voter = federation.members["forge4"]
    written = threading.Event()

    def ballot() -> None:
        with federation.system.uow() as uow:
            election = uow.elections.get_for_share(election_id)
            assert election is not None
            cast_in(uow, election, voter, [cands[2]])
            written.set()
            time.sleep(HOLD)
            uow.commit()

    def close() -> None:
        written.wait(10)
        with federation.system.uow() as uow:
            election = uow.elections.get(election_id)  # read before the ballot commits
            assert election is not None and election.status == "open"
            close_in(uow, election, None)
            uow.commit()

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(ballot), pool.submit(close)]:
            done.result(30)
    assert _stored(federation, election_id) == 2 == _result_ballots(federation, election_id)


def _result_ballots(federation: Small, election_id: int) -> int:
    """How many ballots the published count took in."""
    with federation.system.reader() as uow:
        result = uow.elections.result(election_id)
    assert result is not None, "the election was not closed"
    return int(result["ballots"])


def test_a_recall_vote_waits_for_a_ballot_being_written_and_counts_it(federation: Small) -> None:
    """South Council recalls by vote: the Mill's deputy, three signatures open the vote."""
    fed = federation
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Mill"])
        assert electorate is not None
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
    mill = [fed.members[f"mill{i}"] for i in range(1, 13)]
    petition = recall.open_recall(fed.system.uow(), mandate.id, mill[0])
    for voter in mill[:3]:
        state = recall.sign_recall(fed.system.uow(), petition.id, voter)
    vote = state.vote_election_id
    assert vote is not None
    cast_ballot(fed.system.uow(), vote, mill[0], [0])
    written = threading.Event()

    def ballot() -> None:
        with fed.system.uow() as uow:
            election = uow.elections.get_for_share(vote)
            assert election is not None
            cast_in(uow, election, mill[1], [1])
            written.set()
            time.sleep(HOLD)
            uow.commit()

    def close() -> str:
        written.wait(10)
        return recall.close_recall_vote(fed.system.uow(), vote)

    with ThreadPoolExecutor(2) as pool:
        writing, closing = pool.submit(ballot), pool.submit(close)
        writing.result(30)
        closing.result(30)
    with fed.system.reader() as uow:
        result = uow.elections.result(vote)
    assert result is not None and (result["yes"], result["no"], result["ballots"]) == (1, 1, 2)
