"""The clock closes due votes a batch per transaction (services/due.py, issue 20's speed): the
plain closes in bulk do what the one-by-one close does, a batch is all or nothing, and two
clocks still close each vote once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from dualpower.domain.cycle import CLOCK
from dualpower.services import cycle, due, elections
from dualpower.services.check import check
from fixtures_services import open_election

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


def _founding(system, *, secret: bool = False) -> list[int]:  # type: ignore[no-untyped-def]
    """The four base units' founding elections, each with its seats' candidates and a ballot
    from every elector but one (none closes early), all past their time; secret ballots if
    `secret`."""
    from factories import small_federation

    system.clock = Clock()
    small_federation(system, elect=False)
    opened = cycle.open_founding(system.uow())
    assert len(opened) == 4
    with system.uow() as uow:
        for election_id in opened:
            uow.elections.set(election_id, is_secret=secret)
        uow.commit()
    latest = START
    for election_id in opened:
        with system.uow() as uow:
            election = uow.elections.get(election_id)
            electorate = uow.electorates.get(election.electorate_id)
            voters = sorted(elections.electors(uow, electorate))
        system.clock.at = START
        cands = [
            elections.nominate(system.uow(), election_id, v, None, "x")
            for v in voters[: election.seats + 1]
        ]
        system.clock.at = election.nominations_close_at
        for k, voter in enumerate(voters[:-1]):
            choices = cands[: election.seats] if k % 4 else cands[1 : election.seats + 1]
            elections.cast_ballot(system.uow(), election_id, voter, choices)
        latest = max(latest, election.closes_at)
    system.clock.at = latest + timedelta(seconds=1)
    return opened


def _entries(system, election_id: int) -> list[tuple[str, str | None, list[str]]]:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT act, actor, payload FROM audit_log ORDER BY id"
        ).all()
    out = []
    for act, actor, payload in rows:
        body = json.loads(payload) if isinstance(payload, str) else payload
        if body.get("election") == election_id and act in ("mandate.start", "election.close"):
            out.append((act, actor, sorted(body)))
    return out


def _seats(system, election_id: int) -> tuple[list[tuple[int, int]], dict]:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        election = uow.elections.get(election_id)
        mandates = uow.mandates.list(uow.mandates.table.c.election_id == election_id)
        members = {c.id: c.member_id for c in uow.elections.candidates(election_id)}
        result = uow.elections.result(election_id)
    winners = [members[int(w)] for w in result["winners"]]
    seated = sorted((md.seat_no, md.holder_id) for md in mandates if md.is_active)
    assert election.status == "closed"
    assert sorted(h for _, h in seated) == sorted(winners)
    return seated, result


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_the_bulk_close_does_what_the_one_by_one_close_does(system, monkeypatch, secret):
    opened = _founding(system, secret=secret)
    with monkeypatch.context() as m:  # the first two closed one by one
        m.setattr(due, "close_simple_in", lambda uow, claimed: ({}, list(claimed)))
        done, claimed = due.close_due_batch(system.uow(), 2)
    assert claimed == 2 and [d.act for d in done] == ["election.close"] * 2
    one_by_one = [d.subject_id for d in done]
    bulk_closed: list[int] = []
    real = due.close_simple_in

    def spy(uow, claimed):  # type: ignore[no-untyped-def]
        closed, rest = real(uow, claimed)
        bulk_closed.extend(closed)
        return closed, rest

    monkeypatch.setattr(due, "close_simple_in", spy)
    done = due.run_due(system.uow)
    assert sorted(bulk_closed) == sorted(set(opened) - set(one_by_one)) and len(bulk_closed) == 2
    shapes = {}
    for election_id in opened:
        seated, result = _seats(system, election_id)
        assert [seat for seat, _ in seated] == list(range(1, len(seated) + 1))
        entries = _entries(system, election_id)
        assert entries[-1][:2] == ("election.close", CLOCK)
        acts = [(act, actor) for act, actor, _ in entries]
        assert acts == [("mandate.start", None)] * len(seated) + [("election.close", CLOCK)]
        shapes[election_id] = ([keys for _, _, keys in entries][-2:], sorted(result))
    assert shapes[bulk_closed[0]] == shapes[one_by_one[0]]
    if secret:  # the ballots unlinked from their order and published in the close's entry
        with system.uow() as uow:
            for election_id in opened:
                assert {b["voter_id"] for b in uow.elections.open_ballots(election_id)} == {None}
        assert all("ballots" in shape[0][-1] for shape in shapes.values())
    assert check(system.uow()) == []


def test_a_crash_in_a_batch_leaves_the_whole_batch_undone(system, monkeypatch):
    opened = _founding(system)
    empty = open_election(  # a by-election with nothing to count: it closes void
        system.uow(),
        elections.OpenElection(
            _electorate_of(system, opened[0]),
            "plurality",
            kind="by",
            seat_no=99,
            closes_at=system.clock.at - timedelta(seconds=1),
        ),
    )
    with system.uow() as uow:
        entries = uow.conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one()

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the server died here")

    with monkeypatch.context() as m:
        m.setattr(due, "void_in", crash)
        with pytest.raises(RuntimeError):
            due.run_due(system.uow)
    with system.uow() as uow:
        assert {uow.elections.get(e).status for e in [*opened, empty]} == {"open"}
        assert uow.conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one() == entries
        assert uow.conn.exec_driver_sql("SELECT count(*) FROM mandates").scalar_one() == 0
    done = due.run_due(system.uow)
    acts = {d.subject_id: d.act for d in done}
    assert acts[empty] == "election.void"
    assert all(acts[e] == "election.close" for e in opened)


def _electorate_of(system, election_id: int) -> int:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        return uow.elections.get(election_id).electorate_id


def test_two_clocks_taking_batches_close_each_vote_once(system, monkeypatch):
    opened = _founding(system)
    monkeypatch.setattr(due, "BATCH", 1)  # many small batches, interleaved
    done: list[list[due.Done]] = [[], []]
    barrier = threading.Barrier(2)

    def clock(i: int) -> None:
        barrier.wait()
        done[i] = due.run_due(system.uow)

    threads = [threading.Thread(target=clock, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    closes = [d.subject_id for d in done[0] + done[1] if d.act == "election.close"]
    assert sorted(closes) == sorted(opened)
    for election_id in opened:
        assert [a for a, _, _ in _entries(system, election_id)].count("election.close") == 1
        _seats(system, election_id)
    assert check(system.uow()) == []
