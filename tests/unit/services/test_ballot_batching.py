"""Group commit of API ballots (services/ballot_batch.py), on SQLite and PostgreSQL: a batch of
ballots is one transaction; each request gets its own answer; a refused ballot changes nothing
and fails no other ballot of its batch; one ballot per voter holds inside a batch, against
earlier ballots and between two writers (two server processes) at once; the rate limits hold."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from async_support import in_a_thread, run_in_a_loop
from backends import only_postgresql, only_sqlite
from dualpower.domain import errors
from dualpower.domain.limits import RateLimited
from dualpower.services import ballot_batch as bb
from dualpower.services import chance, limits
from dualpower.services.accounts import _issue
from dualpower.services.elections import OpenElection, cast_ballot, nominate
from dualpower.store import group_commit as gc
from dualpower.store import tables as t
from dualpower.store.tables_limits import rate_hits, subject_digest
from dualpower.store.uow import utcnow
from factories import Small
from fixtures_services import close_election, open_election


def _token(federation: Small, name: str) -> str:
    with federation.system.uow() as uow:
        member = uow.members.get(federation.members[name])
        assert member is not None
        issued = _issue(uow, member, "api")
        uow.commit()
    return issued.token


def _election(federation: Small, method: str = "block", *, secret: bool = True) -> dict:  # type: ignore[type-arg]
    uow = federation.system.uow
    with uow() as u:
        electorate = u.electorates.for_unit(federation.units["Forge"])
    assert electorate is not None
    election = open_election(uow(), OpenElection(electorate.id, method, is_secret=secret))
    m = federation.members
    cands = [nominate(uow(), election, m[f"forge{i}"], None, actor=None) for i in (10, 11, 12)]
    return {"id": election, "candidates": cands}


def _count(federation: Small, table, *where) -> int:  # type: ignore[no-untyped-def]
    with federation.system.reader() as uow:
        query = select(func.count()).select_from(table)
        for w in where:
            query = query.where(w)
        return int(uow.conn.execute(query).scalar_one())


def _acts(federation: Small, act: str) -> int:
    return _count(federation, t.audit_log, t.audit_log.c.act == act)


def _last_payload(federation: Small, act: str) -> dict:  # type: ignore[type-arg]
    log = t.audit_log
    with federation.system.reader() as uow:
        query = select(log.c.payload).where(log.c.act == act).order_by(log.c.id.desc()).limit(1)
        return json.loads(uow.conn.execute(query).scalar_one())  # type: ignore[no-any-return]


def _stored(federation: Small, election_id: int) -> tuple[int, int]:
    return (
        _count(federation, t.ballots, t.ballots.c.election_id == election_id),
        _count(federation, t.participations, t.participations.c.election_id == election_id),
    )


def test_a_batch_is_one_transaction_and_every_ballot_is_answered(federation: Small) -> None:
    e = _election(federation)
    requests = [
        bb.BallotRequest(_token(federation, f"forge{i}"), e["id"], [e["candidates"][i % 3]])
        for i in range(1, 10)
    ]
    participated, cast = _acts(federation, "election.participate"), _acts(federation, "ballot.cast")
    outcomes = bb.cast_batch(federation.system.uow(), requests)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert len(set(outcomes)) == 9
    assert _stored(federation, e["id"]) == (9, 9)
    # one entry for the batch, naming its nine voters in member order
    assert _acts(federation, "election.participate") - participated == 1
    took_part = _last_payload(federation, "election.participate")
    assert took_part == {
        "election": e["id"],
        "members": sorted(federation.members[f"forge{i}"] for i in range(1, 10)),
    }
    assert _acts(federation, "ballot.cast") == cast  # secret: only participation is logged
    with federation.system.reader() as uow:
        rows = uow.conn.execute(select(t.ballots).where(t.ballots.c.election_id == e["id"])).all()
    assert {r.receipt for r in rows} == set(outcomes)
    assert all(r.voter_id is None for r in rows)  # no voter on a secret ballot


def test_refused_ballots_fail_alone(federation: Small) -> None:
    e = _election(federation)
    closed = _election(federation, "plurality")
    one, two, three = e["candidates"]
    cast_ballot(federation.system.uow(), e["id"], federation.members["forge1"], [one])
    c = closed["candidates"][0]
    cast_ballot(federation.system.uow(), closed["id"], federation.members["forge5"], [c])
    close_election(federation.system.uow(), closed["id"])
    tok = {n: _token(federation, n) for n in ("forge1", "forge2", "forge3", "forge4", "mill1")}
    requests = [
        bb.BallotRequest(tok["forge2"], e["id"], [one]),  # good
        bb.BallotRequest(tok["forge1"], e["id"], [two]),  # voted before: 409
        bb.BallotRequest(tok["forge3"], e["id"], [999_999]),  # not a candidate: 422
        bb.BallotRequest(tok["mill1"], e["id"], [one]),  # not an elector: 403
        bb.BallotRequest("no-such-token", e["id"], [one]),  # 401
        bb.BallotRequest(tok["forge3"], 999_999, [one]),  # no such election: 404
        bb.BallotRequest(tok["forge3"], closed["id"], [closed["candidates"][0]]),  # closed: 409
        bb.BallotRequest(tok["forge4"], e["id"], None, [one]),  # a ranking for block: 422
        bb.BallotRequest(tok["forge3"], e["id"], [one, two, three]),  # 3 > 2 seats: 422
        bb.BallotRequest(tok["forge4"], e["id"], [two, three]),  # good
    ]
    outcomes = bb.cast_batch(federation.system.uow(), requests)
    kinds = [type(o) for o in outcomes]
    assert kinds == [
        str,
        errors.AlreadyVoted,
        errors.InvalidRequest,
        errors.NotAllowed,
        errors.BadCredentials,
        errors.NotFound,
        errors.Conflict,
        errors.InvalidRequest,
        errors.InvalidRequest,
        str,
    ], outcomes
    assert "already voted" in str(outcomes[1])
    assert _stored(federation, e["id"]) == (3, 3)  # forge1 before, forge2 and forge4 now
    assert _stored(federation, closed["id"]) == (1, 1)  # forge5's, before the close
    with federation.system.reader() as uow:
        assert sorted(map(sorted, uow.elections.ballot_choices(e["id"]))) == sorted(
            [[one], [one], sorted([two, three])]
        )


def test_a_voter_who_voted_before_leaves_no_trace_of_the_refused_ballot(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch writes its ballots, hits and audit entry as if every participation row were
    new, then again without those the roll's key refused (store/ballot_batch.py `write`):
    the refused voter's ballot, ballot hit and name in the entry are not stored, the others'
    are, and the refused request's API write still counts."""
    monkeypatch.setenv("DUALPOWER_LIMIT_BALLOTS", "5")
    monkeypatch.setenv("DUALPOWER_LIMIT_API_WRITES", "5")
    e = _election(federation)
    one = e["candidates"][0]
    m = federation.members
    names = ("forge1", "forge2", "forge3")
    ballot_limit = limits.limit(limits.BALLOTS).name
    api_limit = limits.limit(limits.API_WRITES).name

    def hits(limit: str) -> list[int]:
        subject = rate_hits.c.subject
        return [
            _count(federation, rate_hits, rate_hits.c.name == limit, subject == digest)
            for digest in (subject_digest(str(m[n])) for n in names)
        ]

    cast_ballot(federation.system.uow(), e["id"], m["forge2"], [one])
    tokens = [_token(federation, n) for n in names]
    ballots_before, api_before = hits(ballot_limit), hits(api_limit)
    outcomes = bb.cast_batch(
        federation.system.uow(), [bb.BallotRequest(tok, e["id"], [one]) for tok in tokens]
    )
    assert [type(o) for o in outcomes] == [str, errors.AlreadyVoted, str], outcomes
    assert _stored(federation, e["id"]) == (3, 3)  # forge2's of before, forge1's and forge3's
    assert _last_payload(federation, "election.participate") == {
        "election": e["id"],
        "members": sorted([m["forge1"], m["forge3"]]),
    }
    with federation.system.reader() as uow:
        receipts = set(
            uow.conn.execute(
                select(t.ballots.c.receipt).where(t.ballots.c.election_id == e["id"])
            ).scalars()
        )
    assert {outcomes[0], outcomes[2]} <= receipts
    ballots_after, api_after = hits(ballot_limit), hits(api_limit)
    assert [a - b for a, b in zip(ballots_after, ballots_before, strict=True)] == [1, 0, 1]
    assert [a - b for a, b in zip(api_after, api_before, strict=True)] == [1, 1, 1]


def test_an_open_ballot_of_a_voter_who_voted_before_fails_alone(federation: Small) -> None:
    """An open ballot's row names its voter (unique with the election): written with the
    batch's others before the roll's key refused its voter, it must not fail the batch."""
    e = _election(federation, secret=False)
    one = e["candidates"][0]
    m = federation.members
    cast_ballot(federation.system.uow(), e["id"], m["forge2"], [one])
    cast = _acts(federation, "ballot.cast")
    tokens = [_token(federation, n) for n in ("forge1", "forge2", "forge3")]
    outcomes = bb.cast_batch(
        federation.system.uow(), [bb.BallotRequest(tok, e["id"], [one]) for tok in tokens]
    )
    assert [type(o) for o in outcomes] == [str, errors.AlreadyVoted, str], outcomes
    assert _stored(federation, e["id"]) == (3, 3)
    assert _acts(federation, "ballot.cast") - cast == 2
    with federation.system.reader() as uow:
        voters = uow.conn.execute(
            select(t.ballots.c.receipt, t.ballots.c.voter_id).where(
                t.ballots.c.election_id == e["id"], t.ballots.c.voter_id != m["forge2"]
            )
        ).all()
    assert dict(voters) == {outcomes[0]: m["forge1"], outcomes[2]: m["forge3"]}


def test_the_batch_ballot_rows_go_in_an_order_drawn_uniformly() -> None:
    """DESIGN.md 2.8: no order of casting among a batch's ballot rows. Every row comes out
    once, and each of the 24 orders of four rows comes out about as often as the others."""
    rows = [{"receipt": r} for r in "abcd"]
    seen: Counter[str] = Counter()
    for _ in range(4800):
        drawn = bb._drawn_order(rows)
        assert sorted(r["receipt"] for r in drawn) == list("abcd")
        seen["".join(r["receipt"] for r in drawn)] += 1
    assert len(seen) == 24
    assert all(120 <= n <= 280 for n in seen.values()), seen  # 200 expected; 5+ sigma apart


def test_the_batch_order_follows_the_demo_seed() -> None:
    rows = [{"receipt": r} for r in "abcdefgh"]
    with chance.seeded(7):
        first = bb._drawn_order(rows)
    with chance.seeded(7):
        again = bb._drawn_order(rows)
    assert first == again


def test_one_voter_twice_in_a_batch_counts_once(federation: Small) -> None:
    e = _election(federation, secret=False)
    token = _token(federation, "forge5")
    requests = [bb.BallotRequest(token, e["id"], [e["candidates"][i % 3]]) for i in range(16)]
    cast = _acts(federation, "ballot.cast")
    outcomes = bb.cast_batch(federation.system.uow(), requests)
    assert isinstance(outcomes[0], str)
    assert all(isinstance(o, errors.AlreadyVoted) for o in outcomes[1:])
    assert _stored(federation, e["id"]) == (1, 1)
    assert _acts(federation, "ballot.cast") - cast == 1  # an open ballot: its act names the voter
    with federation.system.reader() as uow:
        assert uow.elections.ballot_choices(e["id"]) == [[e["candidates"][0]]]


@only_postgresql  # SQLite's writers are serial: no other process writes meanwhile
def test_a_voter_stored_meanwhile_by_another_process_gets_409_and_the_rest_commit(
    federation: Small,
) -> None:
    """The batch's write meets a participation row it did not see when checking (written by
    another server process meanwhile): its ballot is refused with 409, the others are written."""
    system = federation.system
    e = _election(federation)
    with system.uow() as uow:
        election = uow.elections.get(e["id"])
        assert election is not None
        ballots = bb._Counter(bb.limits.limit(bb.limits.BALLOTS), uow.now())
        accepted = []
        for i, name in enumerate(("forge6", "forge7", "forge8")):
            voter = federation.members[name]
            took_part, ballot = bb.elections.ballot_rows(
                election, voter, [e["candidates"][0]], {voter}, set(e["candidates"])
            )
            ballots.take(voter)
            accepted.append((i, election, voter, took_part, ballot))
        cast_ballot(system.uow(), e["id"], federation.members["forge7"], [e["candidates"][1]])
        voters = [voter for _, _, voter, _, _ in accepted]
        subjects = {v: subject_digest(str(v)) for v in voters}
        outcomes = bb._write(uow, subjects, accepted, [ballots], set())
        uow.commit()
    assert isinstance(outcomes[0], str) and isinstance(outcomes[2], str)
    assert isinstance(outcomes[1], errors.AlreadyVoted)
    assert ballots.added == [federation.members["forge6"], federation.members["forge8"]]
    assert _stored(federation, e["id"]) == (3, 3)


def test_two_writers_at_once_one_ballot_per_voter(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers (as two server processes), 16 attempts per voter split between them, for
    every elector of Forge: each voter gets exactly one receipt, the others 409."""
    e = _election(federation)
    names = [f"forge{i}" for i in range(1, 13)]
    tokens = {n: _token(federation, n) for n in names}
    for limits_on in ("0", "600"):  # without limits no advisory lock serialises a member
        monkeypatch.setenv("DUALPOWER_LIMIT_API_WRITES", limits_on)
        monkeypatch.setenv("DUALPOWER_LIMIT_BALLOTS", limits_on)
        election = e if limits_on == "0" else _election(federation)
        writers = [bb.BallotWriter(federation.system.uow), bb.BallotWriter(federation.system.uow)]
        jobs = [
            (
                writers[k % 2],
                bb.BallotRequest(tokens[n], election["id"], [election["candidates"][0]]),
            )
            for n in names
            for k in range(16)
        ]
        barrier = threading.Barrier(len(jobs))

        def run(job, barrier=barrier):  # type: ignore[no-untyped-def]
            writer, request = job
            barrier.wait()
            try:
                return request.token, writer.cast_waiting(request)
            except errors.DomainError as refused:
                return request.token, refused

        with ThreadPoolExecutor(len(jobs)) as pool:
            answers = list(pool.map(run, jobs))
        for n in names:
            mine = [a for tok, a in answers if tok == tokens[n]]
            assert sum(isinstance(a, str) for a in mine) == 1, (n, mine)
            assert all(isinstance(a, errors.AlreadyVoted) for a in mine if not isinstance(a, str))
        assert _stored(federation, election["id"]) == (12, 12)
        assert sum(w.batches for w in writers) < len(jobs)  # ballots did share transactions


def _held_writer(federation: Small) -> tuple[bb.BallotWriter, threading.Event, threading.Event]:
    """A one-thread writer whose first batch waits, once `entered` is set, until `release`."""
    entered, release = threading.Event(), threading.Event()
    calls = []

    def slow_uow():  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            entered.set()
            release.wait(30)
        return federation.system.uow()

    writer = bb.BallotWriter(slow_uow, threads=1, engine=federation.system.engine)
    return writer, entered, release


def test_the_writer_batches_requests_that_queue_while_it_writes(federation: Small) -> None:
    e = _election(federation)
    writer, entered, release = _held_writer(federation)
    tokens = [_token(federation, f"forge{i}") for i in range(1, 10)]
    requests = [bb.BallotRequest(tok, e["id"], [e["candidates"][0]]) for tok in tokens]
    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(writer.cast_waiting, requests[0])
        assert entered.wait(30)
        rest = [pool.submit(writer.cast_waiting, r) for r in requests[1:]]
        while writer._queue.qsize() < 8:
            threading.Event().wait(0.01)
        release.set()
        receipts = [first.result(30)] + [f.result(30) for f in rest]
    assert len(set(receipts)) == 9
    assert writer.batches == 2  # the first alone, the eight that queued meanwhile together
    assert _stored(federation, e["id"]) == (9, 9)


def test_requests_of_an_event_loop_are_answered_together(federation: Small) -> None:
    e = _election(federation)
    writer = bb.BallotWriter(federation.system.uow, engine=federation.system.engine)
    tokens = [_token(federation, f"forge{i}") for i in range(1, 6)]

    async def cast_all() -> list[str]:
        casts = [
            writer.cast(bb.BallotRequest(tok, e["id"], [e["candidates"][1]])) for tok in tokens
        ]
        return list(await asyncio.gather(*casts))

    receipts = run_in_a_loop(cast_all)
    assert len(set(receipts)) == 5
    assert _stored(federation, e["id"]) == (5, 5)


def test_a_requester_gone_before_the_commit_fails_no_other(federation: Small) -> None:
    e = _election(federation)
    writer, entered, release = _held_writer(federation)
    first, gone, kept = (_token(federation, f"forge{i}") for i in (1, 2, 3))
    with ThreadPoolExecutor(2) as pool:
        answered = pool.submit(
            writer.cast_waiting, bb.BallotRequest(first, e["id"], [e["candidates"][0]])
        )
        assert entered.wait(30)

        def go_before_the_answer() -> None:
            loop = asyncio.new_event_loop()
            request = bb.BallotRequest(gone, e["id"], [e["candidates"][0]])
            task = loop.create_task(writer.cast(request))
            loop.run_until_complete(asyncio.sleep(0))  # queued; then the client goes
            task.cancel()
            loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
            loop.close()

        in_a_thread(go_before_the_answer)
        second = pool.submit(
            writer.cast_waiting, bb.BallotRequest(kept, e["id"], [e["candidates"][0]])
        )
        while writer._queue.qsize() < 2:
            threading.Event().wait(0.01)
        release.set()
        assert answered.result(30) and second.result(30)
    assert _stored(federation, e["id"]) == (3, 3)  # the gone requester's ballot stands


def test_rate_limits_hold_inside_a_batch(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DUALPOWER_LIMIT_BALLOTS=2: a refused ballot (409) uses none of the allowance, the third
    counted ballot gets 429; DUALPOWER_LIMIT_API_WRITES=5: refused writes count, the sixth
    write gets 429. All in one batch, and the hits are stored for the next batch."""
    monkeypatch.setenv("DUALPOWER_LIMIT_BALLOTS", "2")
    monkeypatch.setenv("DUALPOWER_LIMIT_API_WRITES", "5")
    one, two, three = (_election(federation, "plurality") for _ in range(3))
    token = _token(federation, "forge9")
    other = _token(federation, "forge8")
    r = bb.BallotRequest
    outcomes = bb.cast_batch(
        federation.system.uow(),
        [
            r(token, one["id"], [one["candidates"][0]]),  # 201
            r(token, one["id"], [one["candidates"][0]]),  # 409: does not use the allowance
            r(token, two["id"], [two["candidates"][0]]),  # 201
            r(token, three["id"], [three["candidates"][0]]),  # 429 ballots (5th API write)
            r(token, three["id"], [three["candidates"][0]]),  # 429 ballots (5th API write)
            r(token, three["id"], [three["candidates"][0]]),  # 429 API writes
            r(other, three["id"], [three["candidates"][0]]),  # 201: limits are per member
        ],
    )
    assert [type(o) for o in outcomes] == [
        str,
        errors.AlreadyVoted,
        str,
        RateLimited,
        RateLimited,
        RateLimited,
        str,
    ], outcomes
    assert str(outcomes[3]).startswith("too many ballots and votes cast: at most 2 per minute")
    assert str(outcomes[5]).startswith("too many write requests to the API: at most 5")
    assert all(1 <= o.retry_after <= 60 for o in outcomes[3:6] if isinstance(o, RateLimited))
    assert _stored(federation, three["id"]) == (1, 1)
    # The next batch (a later request) sees the hits stored by this one.
    later = bb.cast_batch(
        federation.system.uow(), [r(token, three["id"], [three["candidates"][1]])]
    )
    assert isinstance(later[0], RateLimited)
    assert str(later[0]).startswith("too many write requests to the API")


@only_postgresql  # SQLite's write transactions are serial already
def test_a_batch_waits_for_a_count_of_its_member_in_progress(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member's hit counted by a single act (`limits.hit`: a motion vote, say) in a
    transaction not committed yet: a batch counting the same member waits for it (the same
    advisory lock, its key computed by the database), then sees that hit and refuses (429)."""
    monkeypatch.setenv("DUALPOWER_LIMIT_BALLOTS", "1")
    e = _election(federation)
    token = _token(federation, "forge5")
    request = bb.BallotRequest(token, e["id"], [e["candidates"][0]])
    with federation.system.uow() as uow, ThreadPoolExecutor(1) as pool:
        limits.hit(uow, limits.BALLOTS, federation.members["forge5"])
        batch = pool.submit(bb.cast_batch, federation.system.uow(), [request])
        with pytest.raises(TimeoutError):
            batch.result(0.5)
        uow.commit()
        outcome = batch.result(30)
    assert isinstance(outcome[0], RateLimited), outcome
    assert _stored(federation, e["id"]) == (0, 0)


def test_hits_leave_the_window(federation: Small, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_BALLOTS", "1")
    one, two = (_election(federation, "plurality") for _ in range(2))
    token = _token(federation, "forge3")
    system = federation.system
    first = bb.cast_batch(
        system.uow(), [bb.BallotRequest(token, one["id"], [one["candidates"][0]])]
    )
    assert isinstance(first[0], str)
    refused = bb.cast_batch(
        system.uow(), [bb.BallotRequest(token, two["id"], [two["candidates"][0]])]
    )
    assert isinstance(refused[0], RateLimited)
    bystander = _token(federation, "forge4")
    assert isinstance(
        bb.cast_batch(
            system.uow(), [bb.BallotRequest(bystander, one["id"], [one["candidates"][0]])]
        )[0],
        str,
    )
    system.clock = lambda: utcnow() + timedelta(minutes=2)
    later = bb.cast_batch(
        system.uow(), [bb.BallotRequest(token, two["id"], [two["candidates"][0]])]
    )
    assert isinstance(later[0], str)
    # The voter's hits from before the window are forgotten, now one of each limit is left;
    # a member of no later batch keeps theirs until they are counted again.
    assert _hits(federation, federation.members["forge3"]) == {"ballots": 1, "api_writes": 1}
    assert _hits(federation, federation.members["forge4"]) == {"ballots": 1, "api_writes": 1}


def _hits(federation: Small, member_id: int) -> dict[str, int]:
    with federation.system.reader() as uow:
        rows = uow.conn.execute(
            select(rate_hits.c.name, func.count())
            .where(rate_hits.c.subject == subject_digest(str(member_id)))
            .group_by(rate_hits.c.name)
        ).all()
    return {name: n for name, n in rows}


@only_sqlite
def test_a_batch_is_answered_after_the_write_turn_is_handed_on(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waking the requesters lets their event loops take the GIL: done inside the SQLite write
    turn, it kept the other server processes' writers waiting. The answers come after it.
    (The writer's own turn is watched, not the lock file: the audit sealer, woken by the
    commit, may hold the file's lock by then.)"""
    e = _election(federation)
    turn_free: list[bool] = []
    inside = [False]
    answer_all, write_turns = gc._answer_all, gc.write_turns

    @contextmanager
    def watched_turns(engine: Engine) -> Iterator[Callable[[], AbstractContextManager[None]]]:
        with write_turns(engine) as take_turn:

            @contextmanager
            def turn() -> Iterator[None]:
                with take_turn():
                    inside[0] = True
                    try:
                        yield
                    finally:
                        inside[0] = False

            yield turn

    def answering(answers: list[tuple[gc._Answer, bb.Outcome]]) -> None:
        turn_free.append(not inside[0])
        answer_all(answers)

    monkeypatch.setattr(gc, "write_turns", watched_turns)
    monkeypatch.setattr(gc, "_answer_all", answering)
    writer = bb.BallotWriter(federation.system.uow, engine=federation.system.engine)
    request = bb.BallotRequest(_token(federation, "forge1"), e["id"], [e["candidates"][0]])
    receipt = writer.cast_waiting(request)
    assert len(receipt) >= 16
    assert turn_free == [True]
