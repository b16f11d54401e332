"""ARCHITECTURE.md's second example, "a webhook when a recall succeeds", done as it says: a
handler registered by a test (System.handle, services/outbox.py) receives the recall's event
from the sealed log after commit, and again after a crash between the commit and the delivery
(at least once, with the same idempotency key)."""

from __future__ import annotations

import pytest

from dualpower.bootstrap import System, build
from dualpower.domain import capabilities as caps
from dualpower.domain import events
from dualpower.domain.events import DeputyRecalled, OfficialRecalled
from dualpower.services import offices, outbox, recall
from dualpower.services.outbox import Delivery
from fixtures_services import FoundingOfficeVote, found_office_holder
from offices_support import report_all_wages


def _recall_a_deputy(system: System, federation) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A North deputy recalled by signatures; (mandate id, holder id)."""
    north = federation.councils["North Council"]
    with system.uow() as uow:
        mandate = uow.mandates.active_in_council(north)[0]
        electors = sorted(recall.electors(uow, uow.electorates.get(mandate.electorate_id)))
    petition = recall.open_recall(system.uow(), mandate.id, electors[0])
    recall.sign_many(system.uow(), petition.id, electors[: petition.threshold])
    with system.uow() as uow:
        assert uow.mandates.get(mandate.id).end_reason == "recalled"
    return mandate.id, mandate.holder_id


def _restart(system: System, url: str) -> System:
    """A new process on the same database."""
    system.engine.dispose()
    return build(url, migrate=False)


def test_a_handler_receives_the_recall_after_commit_once(system, federation) -> None:
    got: list[Delivery[DeputyRecalled]] = []
    system.handle("test-webhook", DeputyRecalled, got.append)
    mandate_id, holder_id = _recall_a_deputy(system, federation)
    assert [(d.event.mandate_id, d.event.holder_id) for d in got] == [(mandate_id, holder_id)]
    assert mandate_id in got[0].event.ended_mandate_ids
    assert got[0].key == f"{got[0].seq}.0"
    with system.reader() as uow:  # the entry it was read from
        act = uow.conn.exec_driver_sql(
            f"SELECT act FROM audit_log WHERE seq = {got[0].seq}"
        ).scalar()
    assert act == "recall.decide"
    assert system.deliver() == 0 and len(got) == 1  # delivered: not again


def test_a_crash_before_the_delivery_delivers_on_restart(
    system, federation, database_url, monkeypatch
) -> None:
    got: list[Delivery[DeputyRecalled]] = []
    system.handle("test-webhook", DeputyRecalled, got.append)

    def crash(*args: object) -> int:
        raise RuntimeError("the process died after the commit")

    monkeypatch.setattr("dualpower.bootstrap.deliver", crash)
    mandate_id, _ = _recall_a_deputy(system, federation)  # committed; nothing delivered
    assert got == []
    monkeypatch.undo()
    restarted = _restart(system, database_url)
    restarted.handle("test-webhook", DeputyRecalled, got.append)
    assert restarted.deliver() == 1
    assert [d.event.mandate_id for d in got] == [mandate_id]
    restarted.engine.dispose()


def test_a_crash_during_the_delivery_delivers_again_with_the_same_key(
    system, federation, database_url, monkeypatch
) -> None:
    got: list[Delivery[DeputyRecalled]] = []
    system.handle("test-webhook", DeputyRecalled, got.append)

    def crash(*args: object) -> bool:
        raise RuntimeError("the process died before its cursor moved")

    monkeypatch.setattr(outbox, "_advance", crash)
    mandate_id, _ = _recall_a_deputy(system, federation)
    assert [d.event.mandate_id for d in got] == [mandate_id]  # called, then the crash
    monkeypatch.undo()
    restarted = _restart(system, database_url)
    restarted.handle("test-webhook", DeputyRecalled, got.append)
    assert restarted.deliver() == 1
    first, again = got
    assert again.event == first.event and again.key == first.key  # at least once, one key
    assert restarted.deliver() == 0
    restarted.engine.dispose()


def test_a_failing_handler_is_retried_and_the_others_go_on(system, federation) -> None:
    got: list[Delivery[DeputyRecalled]] = []
    fails = {"left": 1}

    def flaky(delivery: Delivery[DeputyRecalled]) -> None:
        if fails["left"]:
            fails["left"] -= 1
            raise ConnectionError("the remote server is down")
        got.append(delivery)

    other: list[Delivery[DeputyRecalled]] = []
    system.handle("flaky", DeputyRecalled, flaky)
    system.handle("steady", DeputyRecalled, other.append)
    _recall_a_deputy(system, federation)
    assert got == [] and len(other) == 1
    assert system.deliver() == 1 and len(got) == 1 and got[0].key == other[0].key


def test_a_new_handler_starts_at_the_head_of_the_log(system, federation) -> None:
    _recall_a_deputy(system, federation)
    got: list[Delivery[DeputyRecalled]] = []
    system.handle("late", DeputyRecalled, got.append)
    assert system.deliver() == 0 and got == []


def test_a_name_is_registered_once(system) -> None:
    system.handle("one", DeputyRecalled, lambda d: None)
    with pytest.raises(ValueError, match="registered already"):
        system.handle("one", OfficialRecalled, lambda d: None)


def test_the_log_states_an_officials_recall() -> None:
    payload = {"petition": 1, "office_term": 7, "office": 3, "holder": 9, "by_elections": [12]}
    assert events.from_entry("recall.decide", payload) == [OfficialRecalled(7, 3, 9, 12)]
    deputy = {"petition": 1, "mandate": 4, "holder": 9, "ended": [4, 5], "by_elections": [6]}
    assert events.from_entry("recall.decide", deputy) == [DeputyRecalled(4, 9, (4, 5))]
    assert events.from_entry("recall.decide", {"petition": 1, "mandate": 4}) == []  # older entries
    assert events.from_entry("ballot.cast", {}) == []


def test_an_officials_recall_reaches_its_handler(system, federation) -> None:
    report_all_wages(federation)
    north = federation.councils["North Council"]
    office = offices.create_office(system.uow(), north, "chair", (caps.CONVENE_SESSION,), 0)
    with system.uow() as uow:
        deputies = sorted(m.holder_id for m in uow.mandates.active_in_council(north))
    found_office_holder(
        system.uow(),
        FoundingOfficeVote(office, [deputies[0]], [(d, [0]) for d in deputies]),
    )
    with system.uow() as uow:
        term = uow.office_terms.active_of_office(office)
    got: list[Delivery[OfficialRecalled]] = []
    system.handle("test-webhook", OfficialRecalled, got.append)
    petition = recall.open_office_recall(system.uow(), term.id, deputies[1])
    recall.sign_many(system.uow(), petition.id, deputies[: petition.threshold])
    assert [(d.event.office_term_id, d.event.office_id, d.event.holder_id) for d in got] == [
        (term.id, office, deputies[0])
    ]


def test_the_log_states_closes_and_decisions() -> None:
    closed = {"election": 5, "winners": [8, 9], "ballots": []}
    assert events.from_entry("election.close", closed) == [events.ElectionClosed(5, (8, 9))]
    vote = {"election": 6, "yes": 3, "no": 1, "ballots": []}
    assert events.from_entry("election.close", vote) == [events.ElectionClosed(6, (), 3, 1)]
    decided = {"motion": 2, "yes": 4, "no": 1, "abstain": 0, "seats": 5, "majority": "simple"}
    assert events.from_entry("motion.adopt", decided) == [events.MotionDecided(2, True, 4, 1, 0)]
    assert events.from_entry("motion.reject", decided) == [events.MotionDecided(2, False, 4, 1, 0)]


def test_an_election_closed_by_the_clock_reaches_its_handler(system, federation) -> None:
    """A close by the clock emits no event of its own for an office, say: the outbox delivers
    after every commit once a handler is registered."""
    got: list[Delivery[events.ElectionClosed]] = []
    system.handle("closes", events.ElectionClosed, got.append)
    _, holder = _recall_a_deputy(system, federation)  # its seat's by-election opens
    with system.reader() as uow:
        by = uow.elections.list(uow.elections.table.c.kind == "by")[0]
        electors = sorted(recall.electors(uow, uow.electorates.get(by.electorate_id)))
    assert got == []
    from dualpower.services import elections
    from dualpower.services.due import run_due
    from factories import to_close, to_voting

    elections.nominate(system.uow(), by.id, electors[0], None, str(electors[0]))
    to_voting(system, by.id)
    elections.cast_ballot(system.uow(), by.id, electors[0], [_candidate(system, by.id)])
    to_close(system, by.id)
    run_due(system.uow)
    assert [d.event.election_id for d in got] == [by.id]
    assert len(got[0].event.winners) == 1


def _candidate(system: System, election_id: int) -> int:
    with system.reader() as uow:
        return int(uow.elections.candidates(election_id)[0].id)
