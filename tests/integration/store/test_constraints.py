"""The uniqueness rules are database constraints, not only Python checks (issue 2): a duplicate
insert fails with IntegrityError on SQLite and PostgreSQL, and concurrent ballots of one member in
one election leave exactly one ballot."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from dualpower.domain.errors import AlreadyVoted
from dualpower.services.elections import OpenElection, cast_ballot, nominate
from dualpower.store import tables as t
from factories import Small
from fixtures_services import open_election

AT = datetime(2030, 1, 1, tzinfo=UTC)


def insert_fails(federation: Small, table, **values) -> None:  # type: ignore[no-untyped-def]
    with federation.system.uow() as uow:
        with pytest.raises(IntegrityError):
            uow.conn.execute(insert(table).values(**values))


def test_one_active_mandate_per_seat(federation: Small) -> None:
    with federation.system.uow() as uow:
        held = uow.mandates.active_in_council(federation.councils["North Council"])[0]
        other = federation.members["forge5"]
    row = {
        "council_id": held.council_id,
        "electorate_id": held.electorate_id,
        "seat_no": held.seat_no,
        "holder_id": other,
        "faction_id": None,
        "election_id": held.election_id,
        "start_at": AT,
    }
    insert_fails(federation, t.mandates, **row)
    with federation.system.uow() as uow:  # an ended mandate on the same seat is history: allowed
        uow.conn.execute(insert(t.mandates).values(**row, end_at=AT, end_reason="replaced"))
        uow.mandates.end(held.id, AT, "resigned")
        uow.conn.execute(insert(t.mandates).values(**row))  # the seat is free again
        uow.commit()


def test_one_active_roll_entry_per_member(federation: Small) -> None:
    member = federation.members["farm1"]
    insert_fails(
        federation, t.memberships, member_id=member, unit_id=federation.units["Mill"], start_at=AT
    )
    with federation.system.uow() as uow:  # ended stretches do not count
        uow.conn.execute(
            insert(t.memberships).values(
                member_id=member, unit_id=federation.units["Mill"], start_at=AT, end_at=AT
            )
        )
        uow.commit()


def test_one_participation_per_member_and_election(federation: Small) -> None:
    with federation.system.uow() as uow:
        election = uow.elections.list()[0]
        voter = uow.conn.execute(
            select(t.participations.c.member_id).where(
                t.participations.c.election_id == election.id
            )
        ).scalar()
    assert voter is not None
    insert_fails(federation, t.participations, election_id=election.id, member_id=voter)


def test_one_open_ballot_per_member_and_election(federation: Small) -> None:
    with federation.system.uow() as uow:
        election = uow.elections.list()[0]
        voter = uow.conn.execute(
            select(t.ballots.c.voter_id).where(t.ballots.c.election_id == election.id)
        ).scalar()
    assert voter is not None  # the founding elections are open ballots
    insert_fails(
        federation, t.ballots, receipt="x" * 20, election_id=election.id, choices=[], voter_id=voter
    )


def test_one_chief_council_per_federation(federation: Small) -> None:
    insert_fails(
        federation,
        t.councils,
        federation_id=federation.federation_id,
        name="Second Chief",
        parent_id=None,
        recall_rule="direct",
        recall_trigger_bp=2000,
        seat_method="block",
        apportionment={},
    )
    with federation.system.uow() as uow:  # another child council is fine
        uow.councils.add(
            federation_id=federation.federation_id,
            name="East Council",
            parent_id=federation.councils["Chief Council"],
            recall_rule="direct",
            recall_trigger_bp=2000,
            seat_method="block",
            apportionment={},
        )
        uow.commit()


def test_unique_usernames(federation: Small) -> None:
    insert_fails(
        federation,
        t.members,
        federation_id=federation.federation_id,
        username="forge1",
        display_name="Impostor",
        is_verified=False,
        joined_at=AT,
    )


THREADS = 8


@pytest.mark.slow
def test_concurrent_ballots_of_one_member_leave_one(federation: Small) -> None:
    system = federation.system
    forge = [federation.members[f"forge{i}"] for i in range(1, 13)]
    with system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Forge"])
    assert electorate is not None
    election = open_election(system.uow(), OpenElection(electorate.id, "block", is_secret=True))
    candidate = nominate(system.uow(), election, forge[0], None, actor=None)
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def vote() -> None:
        barrier.wait()
        try:
            outcome: object = cast_ballot(system.uow(), election, forge[1], [candidate])
        except Exception as error:  # noqa: BLE001 - every outcome is recorded and checked
            outcome = error
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=vote) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == THREADS
    receipts = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, AlreadyVoted)]
    assert len(receipts) == 1, outcomes
    assert len(refused) == THREADS - 1, outcomes
    with system.engine.connect() as conn:
        ballots = conn.execute(
            select(t.ballots.c.receipt).where(t.ballots.c.election_id == election)
        ).scalars()
        participations = conn.execute(
            select(func.count())
            .select_from(t.participations)
            .where(t.participations.c.election_id == election)
        ).scalar()
        assert list(ballots) == receipts
        assert participations == 1
