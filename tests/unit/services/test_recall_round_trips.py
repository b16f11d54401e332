"""The deciding signature in few statements (DESIGN.md 2.2; bench/recall.py): the whole cascade
still ends in the act's transaction, in the order of the cascade, each emptied seat gets its
by-election and its electors are told; a recall vote closed twice at once decides once."""

from __future__ import annotations

import json
import threading
from collections import Counter

from sqlalchemy import event, func, select

from dualpower.domain import capabilities as caps
from dualpower.domain import errors
from dualpower.services import offices, recall
from dualpower.services.check import check
from dualpower.services.elections import cast_ballot
from dualpower.store import tables as t
from factories import username
from fixtures_services import FoundingOfficeVote, found_office_holder
from offices_support import report_all_wages

# Statements of the recall path itself in a deciding signature, whatever the electorate's size
# (rate limits, the audit log and its sealing are counted apart): lock the petition with its
# target, count, sign, end the mandate, end what rests on it (one more per level ended above),
# end their office terms, open the by-elections, tell the electors, decide; and when the
# cascade reached higher seats, read those seats.
RECALL_PATH_BUDGET = 11  # with the seats' general elections and standing orders (2.9)


def _budget(levels_above: int) -> int:
    return RECALL_PATH_BUDGET + levels_above + (1 if levels_above else 0)


def _delegate_and_base(fed):  # type: ignore[no-untyped-def]
    """A North Council delegate's Chief Council mandate and the Forge or Barracks mandate it
    rests on."""
    with fed.system.uow() as uow:
        for upper in uow.mandates.active_in_council(fed.councils["Chief Council"]):
            base = uow.mandates.get(upper.depends_on_id)
            if base.council_id == fed.councils["North Council"]:
                return upper, base
    raise AssertionError("no North Council delegate")


def _office_held_by(fed, council: str, holder: int) -> int:  # type: ignore[no-untyped-def]
    """An office of `council`, its first holder `holder` elected by the council's deputies."""
    council_id = fed.councils[council]
    office = offices.create_office(
        fed.system.uow(), council_id, f"{council} chair", (caps.CONVENE_SESSION,), 0
    )
    with fed.system.uow() as uow:
        deputies = sorted(md.holder_id for md in uow.mandates.active_in_council(council_id))
    found_office_holder(
        fed.system.uow(),
        FoundingOfficeVote(office, [holder], [(d, [0]) for d in deputies]),
    )
    with fed.system.uow() as uow:
        return uow.office_terms.active_of_office(office).id


def _electors(fed, mandate) -> list[int]:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        return sorted(recall.electors(uow, uow.electorates.get(mandate.electorate_id)))


def _next_entry(fed) -> int:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        last = uow.conn.execute(select(func.max(t.audit_log.c.id))).scalar()
    return int(last or 0) + 1


def _recall_path_statements(system):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not any(
            s in statement for s in ("rate_hits", "audit_", "advisory", "SAVEPOINT", "BEGIN")
        ):
            seen.append(statement)

    event.listen(system.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(system.engine, "before_cursor_execute", count)


def test_the_deciding_signature_ends_the_whole_cascade_in_its_order(federation):
    fed = federation
    report_all_wages(fed)
    delegate, base = _delegate_and_base(fed)
    north_term = _office_held_by(fed, "North Council", base.holder_id)
    chief_term = _office_held_by(fed, "Chief Council", delegate.holder_id)
    voters = _electors(fed, base)
    petition = recall.open_recall(fed.system.uow(), base.id, voters[0])
    for voter in voters[: petition.threshold - 1]:
        recall.sign_recall(fed.system.uow(), petition.id, voter)
    first_new_entry = _next_entry(fed)

    seen, stop = _recall_path_statements(fed.system)
    try:
        state = recall.sign_recall(fed.system.uow(), petition.id, voters[petition.threshold - 1])
    finally:
        stop()

    assert len(seen) <= _budget(levels_above=1), "\n".join(seen)
    assert (state.status, state.signatures) == ("recalled", petition.threshold)
    with fed.system.uow() as uow:
        assert uow.mandates.get(base.id).end_reason == "recalled"
        assert uow.mandates.get(delegate.id).end_reason == "cascade"
        assert uow.office_terms.get(north_term).end_reason == "cascade"
        assert uow.office_terms.get(chief_term).end_reason == "cascade"
        entries = uow.conn.execute(
            select(t.audit_log.c.act, t.audit_log.c.payload)
            .where(t.audit_log.c.id >= first_new_entry)
            .order_by(t.audit_log.c.id)
        ).all()
        acts = [(act, json.loads(payload)) for act, payload in entries]
        by_elections = [e for e in uow.elections.list() if e.kind == "by" and e.status == "open"]
        chief_electors = sorted(
            md.holder_id for md in uow.mandates.active_in_council(fed.councils["North Council"])
        )
        told = {
            link: sorted(
                uow.conn.execute(
                    select(t.notifications.c.member_id).where(t.notifications.c.link == link)
                ).scalars()
            )
            for link in (f"/elections/{e.id}" for e in by_elections)
        }
    # one act: the signature, then the cascade depth first, the by-elections, the decision
    assert [a for a, _ in acts] == [
        "recall.sign",
        "mandate.end",
        "office.end",
        "mandate.end",
        "office.end",
        "election.open",
        "election.open",
        "recall.decide",
    ]
    assert [p.get("mandate") for a, p in acts if a in ("mandate.end", "office.end")] == [
        base.id,
        base.id,
        delegate.id,
        delegate.id,
    ]
    assert [p["term"] for a, p in acts if a == "office.end"] == [north_term, chief_term]
    decided = acts[-1][1]
    assert decided["ended"] == [base.id, delegate.id]
    assert decided["by_elections"] == [
        state.by_election_id,
        *(e.id for e in by_elections if e.id != state.by_election_id),
    ]
    assert {e.electorate_id: e.seat_no for e in by_elections} == {
        base.electorate_id: base.seat_no,
        delegate.electorate_id: delegate.seat_no,
    }
    # each seat's electors now: the unit's members; the North Council's deputies left
    seat_of = {e.electorate_id: f"/elections/{e.id}" for e in by_elections}
    assert told[seat_of[base.electorate_id]] == voters
    assert told[seat_of[delegate.electorate_id]] == chief_electors
    assert check(fed.system.uow()) == []


def test_a_plain_deputy_is_recalled_within_the_same_budget(federation):
    fed = federation
    with fed.system.uow() as uow:  # a North Council seat no delegate rests on
        resting = {md.depends_on_id for md in uow.mandates.active()}
        mandate = next(
            md
            for md in uow.mandates.active_in_council(fed.councils["North Council"])
            if md.id not in resting
        )
    voters = _electors(fed, mandate)
    petition = recall.open_recall(fed.system.uow(), mandate.id, voters[0])
    recall.sign_many(fed.system.uow(), petition.id, voters[: petition.threshold - 1])
    seen, stop = _recall_path_statements(fed.system)
    try:
        state = recall.sign_recall(fed.system.uow(), petition.id, voters[petition.threshold - 1])
    finally:
        stop()
    assert state.status == "recalled" and state.by_election_id is not None
    assert len(seen) <= _budget(levels_above=0), "\n".join(seen)


def test_a_recall_vote_closed_twice_at_once_decides_once(federation):
    fed = federation  # South Council recalls by vote; Mill: 12 electors, 3 signatures open it
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Mill"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
        resting = len(uow.mandates.dependants(mandate.id))  # a delegate's seat, or none
    mill = [fed.members[username("Mill", i)] for i in range(1, 13)]
    petition = recall.open_recall(fed.system.uow(), mandate.id, mill[0])
    state = recall.sign_many(fed.system.uow(), petition.id, mill[: petition.threshold])
    assert state.status == "vote_open"
    for voter in mill[:7]:
        cast_ballot(fed.system.uow(), state.vote_election_id, voter, [1])
    first_new_entry = _next_entry(fed)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def close() -> None:
        barrier.wait()
        try:
            outcomes.append(recall.close_recall_vote(fed.system.uow(), state.vote_election_id))
        except errors.Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["recalled", "refused"]
    with fed.system.uow() as uow:
        assert uow.mandates.get(mandate.id).end_reason == "recalled"
        decided = uow.recalls.get(petition.id)
        assert decided.status == "recalled" and decided.by_election_id is not None
        by = [
            e
            for e in uow.elections.list()
            if e.kind == "by" and e.electorate_id == electorate.id and e.status == "open"
        ]
        assert [e.id for e in by] == [decided.by_election_id]
        acts = Counter(
            uow.conn.execute(
                select(t.audit_log.c.act).where(t.audit_log.c.id >= first_new_entry)
            ).scalars()
        )
        ended = 1 + resting  # the mandate and what rested on it, a by-election each
        assert acts == {
            "election.close": 1,
            "recall.decide": 1,
            "mandate.end": ended,
            "election.open": ended,
        }
    assert check(fed.system.uow()) == []
