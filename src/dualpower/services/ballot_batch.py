"""Ballots over the API, written by group commit (issue 4: bench/cast.py).

A ballot request of the API does not open transactions of its own. It hands its bearer token,
election and choices to the server process's one `BallotWriter` and waits. The writer's thread
takes every request queued meanwhile and handles them together in ONE transaction
(`cast_batch`): it authenticates each token, counts the API write and the ballot against the
member's rate limits (DUALPOWER_LIMIT_API_WRITES, DUALPOWER_LIMIT_BALLOTS: 429 past either),
checks each ballot as if it were cast alone, writes the good ones with their audit entries and
commits once; then every request gets its own answer: its receipt, or the refusal of its ballot
alone (401, 404, 409, 403, 422, 429), which changes nothing and fails no other ballot of the
batch. Commit, fsync and sealing the audit log are shared by the whole batch.

The rules of a ballot cast alone (`elections.cast_ballot`) hold unchanged:
- one ballot per voter: the participation roll's key decides, also between two server processes
  (the batch's participation rows are inserted with ON CONFLICT DO NOTHING: a voter written
  meanwhile by another process is not returned and gets 409, the others stand); two ballots of
  one voter in one batch: the first counts, the second gets 409 without touching the database;
- a refused ballot does not use up the ballot allowance, a refused API write does use up the API
  write allowance (as when it was counted in a transaction of its own, before the act); on
  PostgreSQL each member's counting is serialised by the same advisory locks as `limits.hit`,
  taken in one order (no deadlock between batches);
- the audit entries are written in the same transaction as the ballots: for a secret election
  ONE `election.participate` entry naming the batch's voters (in member order), for an open one
  a `ballot.cast` entry per ballot (`elections.record_casts`);
- secret ballots keep no order of casting (DESIGN.md 2.8, services/secrecy.py): the batch's
  participation rows are written in member order, its ballot rows in an order drawn by lot, so
  even inside one transaction the hidden row orders do not pair a voter with a ballot;
- an answer is given only after the commit: a receipt means the ballot is stored. If the batch
  fails for an unexpected reason it is tried again, then one ballot at a time, so one bad
  request cannot fail the others.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from queue import Empty, SimpleQueue
from typing import Any

from sqlalchemy import Engine, and_, bindparam, delete, or_, select, text
from sqlalchemy.exc import DBAPIError

from dualpower.domain import errors
from dualpower.domain.events import BallotCast
from dualpower.domain.limits import Limit, refusal, wait
from dualpower.domain.model import Election
from dualpower.services import chance, elections, limits, roll_rules
from dualpower.store import tables as t
from dualpower.store.bulk import among_bound, insert_new_rows, insert_rows
from dualpower.store.db import is_sqlite, write_turns
from dualpower.store.repositories import as_utc
from dualpower.store.tables_limits import rate_hits, subject_digest
from dualpower.store.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_BATCH = 1000  # requests handled in one transaction at most
IDLE_SECONDS = 5.0  # the writer's thread ends after this long without work (a new one starts)
# Threads writing batches in each process. One: each batch then takes everything queued
# meanwhile. (Two per process, overlapping one batch's commit with the next, measured slower on
# both databases in bench/cast.py: smaller batches, and the threads share one GIL anyway.)
WRITERS = 1
# Under load (the last batch held more than one request) and where no write turn gathers the
# batch (PostgreSQL: its writers run side by side), the writer lingers for requests still
# arriving: as long as one comes within LINGER_GAP of the last, up to LINGER_MAX in all. A batch
# costs much the same for 15 requests as for 30 (its statements and its commit); measured in
# bench/cast.py on PostgreSQL: batches of about 16 without lingering, 20-38 with it; the server's
# CPU a ballot from 2.19 to 1.57 ms, PostgreSQL's from 0.80 to 0.65 ms. A lone request never waits.
LINGER_GAP = 0.002
LINGER_MAX = 0.02
RETRIES = 3  # tries of a whole batch after an unexpected database error (a deadlock, busy)
UNKNOWN_TOKEN = "the token is unknown or has expired"


@dataclass(frozen=True)
class BallotRequest:
    """One API ballot as it arrived: the bearer token and the body's two lists."""

    token: str
    election_id: int
    choices: list[int] | None = None
    ranking: list[int] | None = None


Outcome = str | Exception  # a receipt, or the refusal of this ballot alone


def choices_of(method: str, choices: list[int] | None, ranking: list[int] | None) -> list[int]:
    """The body's list the method wants (domain/vote_methods.py: `ranking` for irv and stv-*,
    `choices` otherwise)."""
    ranked = elections.ballot_shape(method) == "ranking"
    wanted, given = ("ranking", ranking) if ranked else ("choices", choices)
    other = choices if ranked else ranking
    if given is None or other is not None:
        raise errors.InvalidRequest(f'a {method} ballot is {{"{wanted}": [candidate ids]}}')
    return given


def cast_batch(uow: UnitOfWork, requests: Sequence[BallotRequest]) -> list[Outcome]:
    """Handle ballot requests in one transaction; one outcome per request, in order."""
    with uow:
        outcomes = cast_batch_in(uow, requests)
        uow.commit()
    return outcomes


# ---------------------------------------------------------------- the batch, in one transaction


@dataclass
class _Election:
    election: Election | None
    candidates: set[int]
    closed: errors.Conflict | None
    electors: set[int]
    voted: set[int]


class _Counter:
    """Rate-limit hits of the batch's members for one limit: read once, counted in memory,
    written once (the same rows `limits.hit` reads and writes)."""

    def __init__(self, rule: Limit, now: datetime):
        self.rule, self.now = rule, now
        self.hits: dict[int, list[datetime]] = defaultdict(list)
        self.added: list[int] = []

    def take(self, member_id: int) -> None:
        """Count one hit; RateLimited (and nothing counted) past the limit."""
        if self.rule.disabled:
            return
        delay = wait(self.rule, self.hits[member_id], self.now)
        if delay is not None:
            raise refusal(self.rule, delay)
        self.hits[member_id].append(self.now)
        self.added.append(member_id)

    def give_back(self, member_id: int) -> None:
        """Uncount the hit `take` counted for this member (its act was refused after all)."""
        if self.rule.disabled:
            return
        self.hits[member_id].remove(self.now)
        self.added.remove(member_id)


def cast_batch_in(uow: UnitOfWork, requests: Sequence[BallotRequest]) -> list[Outcome]:
    """The batch inside the caller's unit of work (see the module's docstring)."""
    now = uow.now()
    outcomes: list[Outcome | None] = [None] * len(requests)
    members, units = _authenticate(uow, [r.token for r in requests], now)
    for i, member_id in enumerate(members):
        if member_id is None:
            outcomes[i] = errors.BadCredentials(UNKNOWN_TOKEN)
    counted = sorted({m for m in members if m is not None})
    api, ballots = (
        _Counter(limits.limit(limits.API_WRITES), now),
        _Counter(limits.limit(limits.BALLOTS), now),
    )
    stale = _read_hits(uow, [api, ballots], counted)
    wanted: dict[int, list[int]] = defaultdict(list)  # election -> members asking
    for request, member_id in zip(requests, members, strict=True):
        if member_id is not None:
            wanted[request.election_id].append(member_id)
    found = {e: _election(uow, e, wanted[e], units) for e in sorted(wanted)}

    accepted: list[tuple[int, Election, int, dict[str, Any], dict[str, Any]]] = []
    for i, (request, member_id) in enumerate(zip(requests, members, strict=True)):
        if member_id is None:
            continue
        try:
            api.take(member_id)
            e = found[request.election_id]
            if e.election is None:
                raise errors.NotFound(f"there is no election {request.election_id}")
            election = e.election
            choices = choices_of(election.method, request.choices, request.ranking)
            ballots.take(member_id)
            try:
                took_part, ballot = _check(e, election, member_id, choices)
            except errors.DomainError:
                ballots.give_back(member_id)  # a refused ballot uses up no allowance
                raise
            e.voted.add(member_id)
            accepted.append((i, election, member_id, took_part, ballot))
        except errors.DomainError as refused:
            outcomes[i] = refused

    for i, receipt in _write(uow, accepted, ballots).items():
        outcomes[i] = receipt
    _write_hits(uow, [api, ballots], stale)
    for election_id in sorted({election.id for _, election, *_ in accepted}):
        uow.emit(BallotCast(election_id))
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


@dataclass(frozen=True)
class _OnRoll:
    """A member's stretch on a base unit's roll now, and whether they are verified."""

    unit_id: int
    since: datetime
    is_verified: bool


def _authenticate(
    uow: UnitOfWork, tokens: list[str], now: datetime
) -> tuple[list[int | None], dict[int, _OnRoll]]:
    """The member each API token belongs to, or None (unknown, expired), and the base unit
    each of them is on the roll of now, since when, and whether verified (for the electorate
    check: services/roll_rules.py): one query."""
    digests = [hashlib.sha256(token.encode()).hexdigest() for token in tokens]
    rows = uow.conn.execute(
        _sql(uow.conn.dialect.name).tokens, {"digests": sorted(set(digests))}
    ).all()
    valid = {row.token_hash: row.member_id for row in rows if as_utc(row.expires_at) > now}
    units = {
        row.member_id: _OnRoll(row.unit_id, as_utc(row.start_at), bool(row.is_verified))
        for row in rows
        if row.unit_id is not None
    }
    return [valid.get(d) for d in digests], units


def _lock_key(name: str, member_id: int) -> int:
    """The advisory lock key `RateHitRepo.lock` takes for this limit and member."""
    key = int.from_bytes(bytes.fromhex(subject_digest(f"{name}:{member_id}")[:16]), "big")
    return key - (1 << 64) if key >= 1 << 63 else key


def _read_hits(uow: UnitOfWork, counters: list[_Counter], members: list[int]) -> set[str]:
    """Lock (PostgreSQL) and read the members' hits of every enabled limit: those in the window
    go to the counters; the subjects that also have hits left over from before the window are
    returned (only their hits need forgetting)."""
    live = [c for c in counters if not c.rule.disabled]
    if not live or not members:
        return set()
    if uow.conn.dialect.name == "postgresql":
        keys = sorted(_lock_key(c.rule.name, m) for c in live for m in members)
        uow.conn.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS u(k) ORDER BY k) AS s"
            ),
            {"keys": keys},
        )
    by_digest = {subject_digest(str(m)): m for m in members}
    counter_of = {c.rule.name: c for c in live}
    rows = uow.conn.execute(
        _sql(uow.conn.dialect.name).hits,
        {"names": sorted(counter_of), "subjects": sorted(by_digest)},
    ).all()
    stale: set[str] = set()
    for row in rows:
        counter = counter_of[row.name]
        at = as_utc(row.at)
        if at > counter.now - counter.rule.window:
            counter.hits[by_digest[row.subject]].append(at)
        else:
            stale.add(row.subject)
    return stale


def _write_hits(uow: UnitOfWork, counters: list[_Counter], stale: set[str]) -> None:
    """Forget the hits that have left the window (of the `stale` subjects only: none, most
    times), then add the batch's (one statement each for every limit together)."""
    live = [c for c in counters if not c.rule.disabled]
    if not live:
        return
    if stale:
        left: dict[str, Any] = {"subjects": sorted(stale)}
        for i, c in enumerate(live):
            left[f"name{i}"], left[f"cutoff{i}"] = c.rule.name, c.now - c.rule.window
        uow.conn.execute(_forget_hits(uow.conn.dialect.name, len(live)), left)
    digest = {m: subject_digest(str(m)) for c in live for m in set(c.added)}
    added = [
        {"name": c.rule.name, "subject": digest[m], "at": c.now} for c in live for m in c.added
    ]
    if added:
        insert_rows(uow.conn, rate_hits, added)


def _election(
    uow: UnitOfWork, election_id: int, members: list[int], units: dict[int, _OnRoll]
) -> _Election:
    """What checking the ballots of one election needs, read once for the batch (the row
    share-locked until commit: a close waits for these ballots, or they see it closed)."""
    context = uow.elections.ballot_context(election_id)
    if context is None:
        return _Election(None, set(), None, set(), set())
    election, unit_id, candidates, context_verified_only = context
    try:
        elections.check_window(uow, election)
    except errors.Conflict as refused:
        return _Election(election, set(), refused, set(), set())
    asking = sorted(set(members))
    if unit_id is not None:  # the roll froze when voting opened; verified only where asked
        as_of, verified = roll_rules.roll_at(uow, election), context_verified_only
        electors = {
            m
            for m in asking
            if (on := units.get(m)) is not None
            and on.unit_id == unit_id
            and on.since <= as_of
            and (on.is_verified or not verified)
        }
    else:  # a council's deputies or an office's council: the general question, one by one
        electors = {m for m in asking if elections.is_elector_of(uow, election, m)}
    # Who voted before is not read here: the participation roll's key refuses them at the
    # write (`_take_part`), as it must anyway for a voter written meanwhile by another process.
    return _Election(election, candidates, None, electors, set())


def _check(
    e: _Election, election: Election, member_id: int, choices: list[int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One ballot checked as `cast_in` checks it: window, elector, choices, one per voter."""
    if e.closed is not None:
        raise e.closed
    took_part, ballot = elections.ballot_rows(
        election, member_id, choices, e.electors, e.candidates
    )
    if member_id in e.voted:
        raise errors.AlreadyVoted("you have already voted in this election")
    return took_part, ballot


def _write(
    uow: UnitOfWork,
    accepted: list[tuple[int, Election, int, dict[str, Any], dict[str, Any]]],
    ballots: _Counter,
) -> dict[int, Outcome]:
    """Write the accepted ballots and their audit entries; request index -> outcome. The
    participation rows go first, in one `INSERT ... ON CONFLICT DO NOTHING RETURNING`: a voter
    written meanwhile by another process (on PostgreSQL the insert waits for that process's
    transaction) comes back missing and gets 409; only the rows returned get a ballot."""
    if not accepted:
        return {}
    outcomes: dict[int, Outcome] = {}
    took_part = sorted(
        (p for *_, p, _ in accepted), key=lambda p: (p["election_id"], p["member_id"])
    )
    written = _take_part(uow, took_part)
    stored = []
    for item in accepted:
        i, election, member_id, _, _ = item
        if (election.id, member_id) in written:
            stored.append(item)
        else:
            outcomes[i] = errors.AlreadyVoted("you have already voted in this election")
            ballots.give_back(member_id)
    ballot_rows = [b for *_, b in stored]
    chance.shuffle(ballot_rows)  # no order of casting among the batch's ballots
    if ballot_rows:
        insert_rows(uow.conn, t.ballots, ballot_rows)
    cast: dict[int, tuple[Election, list[tuple[int, dict[str, Any]]]]] = {}
    for i, election, member_id, _, ballot in stored:
        cast.setdefault(election.id, (election, []))[1].append((member_id, ballot))
        outcomes[i] = str(ballot["receipt"])
    for election, ballots_of in cast.values():
        elections.record_casts(uow, election, ballots_of)
    return outcomes


def _take_part(uow: UnitOfWork, rows: list[dict[str, Any]]) -> set[tuple[int, int]]:
    """Insert participation rows (in the order given), skipping those already present; the
    (election, member) keys actually written. One statement on both databases."""
    return insert_new_rows(uow.conn, t.participations, rows, ("election_id", "member_id"))


# ---------------------------------------------------------------- statements, built once


@dataclass(frozen=True)
class _Statements:
    tokens: Any
    hits: Any


@functools.cache
def _sql(dialect: str) -> _Statements:
    """The batch's statements for one database, built once (building one, and its cache key,
    each time cost more than running it)."""
    tok, mm, mb = t.auth_tokens, t.memberships, t.members
    tokens = (
        select(
            tok.c.token_hash,
            tok.c.member_id,
            tok.c.expires_at,
            mm.c.unit_id,
            mm.c.start_at,
            mb.c.is_verified,
        )
        .select_from(
            tok.outerjoin(
                mm, and_(mm.c.member_id == tok.c.member_id, mm.c.end_at.is_(None))
            ).outerjoin(mb, mb.c.id == tok.c.member_id)
        )
        .where(among_bound(dialect, tok.c.token_hash, "digests"), tok.c.kind == "api")
    )
    hits = select(rate_hits.c.name, rate_hits.c.subject, rate_hits.c.at).where(
        among_bound(dialect, rate_hits.c.name, "names"),
        among_bound(dialect, rate_hits.c.subject, "subjects"),
    )
    return _Statements(tokens, hits)


@functools.cache
def _forget_hits(dialect: str, limits_: int) -> Any:
    """Delete the given members' hits older than each limit's window (`name{i}`, `cutoff{i}`
    for each of the `limits_` limits)."""
    return delete(rate_hits).where(
        among_bound(dialect, rate_hits.c.subject, "subjects"),
        or_(
            *(
                and_(
                    rate_hits.c.name == bindparam(f"name{i}"),
                    rate_hits.c.at <= bindparam(f"cutoff{i}", type_=rate_hits.c.at.type),
                )
                for i in range(limits_)
            )
        ),
    )


# ---------------------------------------------------------------- the writer (one per process)


class BallotWriter:
    """Queues ballot requests from any thread or event loop and writes them in batches on
    `threads` threads of its own (started on demand, each ended after IDLE_SECONDS without
    work; WRITERS by default). On a SQLite file the batches of every server process take turns
    through an exclusive `flock` on `<database>.writers.lock`, which hands over at once, where
    SQLite's own busy handler would poll the write lock in sleeps of up to 100 ms."""

    def __init__(
        self,
        uow_factory: Any,
        *,
        max_batch: int = MAX_BATCH,
        threads: int = WRITERS,
        engine: Engine | None = None,
    ):
        self._uow = uow_factory  # System.uow
        self._engine = engine  # the units of work's (asked of one when not given)
        self._max_batch = max_batch
        self._threads = threads
        self._queue: SimpleQueue[tuple[BallotRequest, _Answer]] = SimpleQueue()
        self._lock = threading.Lock()
        self._running = 0
        self._last = 0  # requests in the last batch
        self.batches = 0  # how many transactions so far (for tests and benchmarks)

    async def cast(self, request: BallotRequest) -> str:
        """The receipt once the ballot is committed; raises its refusal (a DomainError)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._submit(request, _Answer(loop, future))
        outcome = await future
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def cast_waiting(self, request: BallotRequest) -> str:
        """The same from a plain thread: blocks until the batch is committed."""
        answer = _Answer(None, None)
        self._submit(request, answer)
        answer.done.wait()
        if isinstance(answer.outcome, Exception):
            raise answer.outcome
        assert answer.outcome is not None
        return answer.outcome

    def _submit(self, request: BallotRequest, answer: _Answer) -> None:
        with self._lock:
            self._queue.put((request, answer))
            if self._running < self._threads:
                self._running += 1
                threading.Thread(target=self._run, name="ballot-writer", daemon=True).start()

    def _run(self) -> None:
        engine = self._engine or self._uow().engine
        try:
            with write_turns(engine) as take_turn:
                self._loop(take_turn, lingers=not is_sqlite(engine))
        except BaseException:
            log.exception("the ballot writer's thread failed; the next request starts another")
            with self._lock:
                self._running -= 1
            raise

    def _loop(self, take_turn: Any, *, lingers: bool) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except Empty:
                with self._lock:
                    if self._queue.empty():
                        self._running -= 1
                        return
                continue
            batch = [first]
            if lingers and self._last > 1:
                self._linger(batch)
            with take_turn():
                # Everything queued until the turn came joins the batch: while the other
                # process's batch commits (SQLite), this one keeps growing.
                while len(batch) < self._max_batch:
                    try:
                        batch.append(self._queue.get_nowait())
                    except Empty:
                        break
                self._last = len(batch)
                answers = self._handle(batch)
            # Answered after the turn is handed on: waking the event loop lets it take the GIL
            # for its answers, which held inside the turn kept the other process waiting.
            _answer_all(answers)

    def _linger(self, batch: list[tuple[BallotRequest, _Answer]]) -> None:
        """Add the requests arriving now to the batch (see LINGER_GAP)."""
        deadline = time.monotonic() + LINGER_MAX
        while len(batch) < self._max_batch:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                batch.append(self._queue.get(timeout=min(left, LINGER_GAP)))
            except Empty:
                return

    def _handle(self, batch: list[tuple[BallotRequest, _Answer]]) -> list[tuple[_Answer, Outcome]]:
        """One transaction for the batch; each request's answer, to give once the transaction
        is committed and its connection returned (an error after the commit fails no request).
        After an unexpected error the batch is tried again, then one request at a time, so only
        a request that cannot be handled gets the error (a 500)."""
        error: Exception | None = None
        requests = [request for request, _ in batch]
        for _ in range(RETRIES):
            committed: list[Outcome] | None = None
            try:
                self.batches += 1
                with self._uow() as uow:
                    outcomes = cast_batch_in(uow, requests)
                    uow.commit()
                    committed = outcomes
            except DBAPIError as failed:  # a deadlock, a busy database: try again
                if committed is None:
                    error = failed
                    log.warning("a batch of %d ballots failed (%s); again", len(batch), failed)
                    continue
                log.warning("after a batch's commit: %s", failed)
            except Exception as failed:  # noqa: BLE001
                if committed is None:
                    error = failed
                    break
                log.warning("after a batch's commit: %s", failed)
            if committed is not None:
                return [
                    (answer, outcome) for (_, answer), outcome in zip(batch, committed, strict=True)
                ]
        if len(batch) > 1:
            return [answer for item in batch for answer in self._handle([item])]
        log.error("a ballot request failed", exc_info=error)
        return [(batch[0][1], error if error is not None else RuntimeError("no outcome"))]


class _Answer:
    """Where one request waits: a future of an event loop, or an event of a plain thread."""

    __slots__ = ("loop", "future", "done", "outcome")

    def __init__(
        self, loop: asyncio.AbstractEventLoop | None, future: asyncio.Future[Outcome] | None
    ):
        self.loop, self.future = loop, future
        self.done = threading.Event()
        self.outcome: Outcome | None = None


def _answer_all(answers: list[tuple[_Answer, Outcome]]) -> None:
    """Answer a batch's requests: each event loop is woken once for all of its requests (one
    `call_soon_threadsafe`, not one per ballot). A requester that has gone (its event loop
    closed) changes nothing: the batch is committed and must not be tried again."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Outcome], Outcome]]] = (
        defaultdict(list)
    )
    for answer, outcome in answers:
        if answer.loop is None:
            answer.outcome = outcome
            answer.done.set()
        else:
            assert answer.future is not None
            by_loop[answer.loop].append((answer.future, outcome))
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_all, settled)
        except Exception:  # noqa: BLE001
            log.warning("ballots' requesters could not be answered (gone)", exc_info=True)


def _settle_all(settled: list[tuple[asyncio.Future[Outcome], Outcome]]) -> None:
    for future, outcome in settled:
        if not future.done():  # the client may have gone: its ballot stands all the same
            future.set_result(outcome)


_writers_lock = threading.Lock()


def writer_for(owner: Any) -> BallotWriter:
    """The one writer of an owner (the web app's state: one per server process)."""
    found: BallotWriter | None = getattr(owner, "ballot_writer", None)
    if found is not None:
        return found
    with _writers_lock:
        found = getattr(owner, "ballot_writer", None)
        if found is None:
            found = BallotWriter(owner.system.uow, engine=owner.system.engine)
            owner.ballot_writer = found
    return found
