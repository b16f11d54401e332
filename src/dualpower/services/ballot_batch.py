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

The machinery (the writer's threads, queue, lingering, answers to event loops) is
store/group_commit.py's; the batch's statements are store/ballot_batch.py's. This module is the
rule of a batch.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dualpower.domain import errors
from dualpower.domain.events import BallotCast
from dualpower.domain.limits import Limit, refusal, wait
from dualpower.domain.model import Election
from dualpower.services import chance, elections, limits, roll_rules
from dualpower.services.durable import durably
from dualpower.store.ballot_batch import ApiHolder, BallotBatchStore, BallotContext, BatchWrites
from dualpower.store.db import Database
from dualpower.store.group_commit import GroupCommit
from dualpower.store.uow import UnitOfWork

MAX_BATCH = 1000  # requests handled in one transaction at most
# Threads writing batches in each process. One: each batch then takes everything queued
# meanwhile. (Two per process, overlapping one batch's commit with the next, measured slower on
# both databases in bench/cast.py: smaller batches, and the threads share one GIL anyway.)
WRITERS = 1
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
    return durably(uow, cast_batch_in, requests)


# ---------------------------------------------------------------- the batch, in one transaction


@dataclass
class _Election:
    election: Election | None
    candidates: set[int]
    closed: errors.Conflict | None
    electors: set[int]
    voted: set[int]


# An accepted ballot: its request's index, election, voter, participation row and ballot row.
Accepted = tuple[int, Election, int, dict[str, Any], dict[str, Any]]


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
    api, ballots = (
        _Counter(limits.limit(limits.API_WRITES), now),
        _Counter(limits.limit(limits.BALLOTS), now),
    )
    digests = [hashlib.sha256(r.token.encode()).hexdigest() for r in requests]
    elections_asked = sorted({r.election_id for r in requests})
    read = BallotBatchStore(uow).read(digests, _enabled([api, ballots]), elections_asked)
    members, units = _authenticate(read.holders, digests, now)
    for i, member_id in enumerate(members):
        if member_id is None:
            outcomes[i] = errors.BadCredentials(UNKNOWN_TOKEN)
    stale = _count_earlier(read.hits, [api, ballots], {m for m in members if m is not None})
    wanted: dict[int, list[int]] = defaultdict(list)  # election -> members asking
    for request, member_id in zip(requests, members, strict=True):
        if member_id is not None:
            wanted[request.election_id].append(member_id)
    found = {e: _election(uow, read.contexts[e], wanted[e], units) for e in sorted(wanted)}

    accepted: list[Accepted] = []
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

    for i, outcome in _write(uow, read.subjects, accepted, [api, ballots], stale).items():
        outcomes[i] = outcome
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
    holders: list[ApiHolder], digests: list[str], now: datetime
) -> tuple[list[int | None], dict[int, _OnRoll]]:
    """The member each API token (by its digest) belongs to, or None (unknown, expired), and
    the base unit each of them is on the roll of now, since when, and whether verified (for
    the electorate check: services/roll_rules.py)."""
    valid = {h.token_hash: h.member_id for h in holders if h.expires_at > now}
    units = {
        h.member_id: _OnRoll(h.unit_id, h.start_at, h.is_verified)
        for h in holders
        if h.unit_id is not None and h.start_at is not None
    }
    return [valid.get(d) for d in digests], units


def _enabled(counters: list[_Counter]) -> list[str]:
    return [c.rule.name for c in counters if not c.rule.disabled]


def _count_earlier(
    hits: list[tuple[str, int, datetime]], counters: list[_Counter], counted: set[int]
) -> set[int]:
    """Give the counters the stored hits (limit, member, at) of the members counted that are
    in the window (the read took each member's lock first, on PostgreSQL); the members who
    also have hits left over from before the window (only their hits need forgetting)."""
    counter_of = {c.rule.name: c for c in counters if not c.rule.disabled}
    stale: set[int] = set()
    for name, member_id, at in hits:
        if member_id not in counted:
            continue
        counter = counter_of[name]
        if at > counter.now - counter.rule.window:
            counter.hits[member_id].append(at)
        else:
            stale.add(member_id)
    return stale


def _election(
    uow: UnitOfWork, context: BallotContext | None, members: list[int], units: dict[int, _OnRoll]
) -> _Election:
    """What checking the ballots of one election needs, from its context read once for the
    batch (the row share-locked until commit: a close waits for these ballots, or they see it
    closed)."""
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
    # write (`_write`), as it must anyway for a voter written meanwhile by another process.
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
    subjects: dict[int, str],
    accepted: list[Accepted],
    counters: list[_Counter],
    stale: set[int],
) -> dict[int, Outcome]:
    """Write the accepted ballots with their participation rows and audit entries, and the
    counters' hits (forgetting, of the `stale` members only, the hits that have left the
    window); request index -> outcome. The participation rows go in one `INSERT ... ON
    CONFLICT DO NOTHING RETURNING`: a voter who voted before, or meanwhile in another process
    (on PostgreSQL the insert waits for that process's transaction), comes back missing and
    gets 409, and their ballot uses up no allowance; only the rows returned get a ballot
    (store/ballot_batch.py `write`: on PostgreSQL the rest goes in the same round trip, as if
    every row came back, and is written again when one did not)."""
    ballots = counters[-1]  # the limit of ballots, whose hits a refused ballot gives back
    live = [c for c in counters if not c.rule.disabled]
    forget = None
    if live and stale:
        forget = (sorted(stale), [(c.rule.name, c.now - c.rule.window) for c in live])
    outcomes: dict[int, Outcome] = {}

    def writes(written: set[tuple[int, int]]) -> BatchWrites:
        for i, election, member_id, _, _ in accepted:
            if (election.id, member_id) not in written and i not in outcomes:
                outcomes[i] = errors.AlreadyVoted("you have already voted in this election")
                ballots.give_back(member_id)
        return _writes(uow, [a for a in accepted if a[0] not in outcomes], live)

    took_part = sorted(
        (p for *_, p, _ in accepted), key=lambda p: (p["election_id"], p["member_id"])
    )
    BallotBatchStore(uow).write(took_part, writes, subjects, forget)
    for i, *_, ballot in accepted:
        if i not in outcomes:
            outcomes[i] = str(ballot["receipt"])
    return outcomes


def _writes(uow: UnitOfWork, accepted: list[Accepted], live: list[_Counter]) -> BatchWrites:
    """The ballot rows (in an order drawn by lot: no order of casting among the batch's
    ballots), the hits counted and the audit entries of these accepted ballots."""
    rows = _drawn_order([ballot for *_, ballot in accepted])
    cast: dict[int, tuple[Election, list[tuple[int, dict[str, Any]]]]] = {}
    for _, election, member_id, _, ballot in accepted:
        cast.setdefault(election.id, (election, []))[1].append((member_id, ballot))
    for election, ballots_of in cast.values():
        elections.record_casts(uow, election, ballots_of)
    hits = [(c.rule.name, c.now, sorted(c.added)) for c in live]
    return BatchWrites(rows, hits, uow.take_acts())


def _drawn_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows in an order drawn by lot, uniformly: each row gets 64 random bits, all drawn
    at once (services/chance.py), and the rows go in the order of their bits (`chance.shuffle`
    draws once a row, from the operating system each time: 3 % of the writer's CPU)."""
    bits = chance.token_bytes(8 * len(rows))
    keys = [bits[i : i + 8] for i in range(0, len(bits), 8)]
    return [row for _, row in sorted(zip(keys, rows, strict=True), key=lambda kr: kr[0])]


# ---------------------------------------------------------------- the writer (one per process)


class BallotWriter(GroupCommit[BallotRequest, str]):
    """Queues ballot requests from any thread or event loop and writes them in batches
    (`cast_batch_in`) by group commit on `threads` threads of its own (WRITERS by default):
    store/group_commit.py."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        max_batch: int = MAX_BATCH,
        threads: int = WRITERS,
        engine: Database | None = None,
    ):
        super().__init__(
            uow_factory,
            cast_batch_in,
            max_batch=max_batch,
            threads=threads,
            engine=engine,
            name="ballot-writer",
        )

    async def cast(self, request: BallotRequest) -> str:
        """The receipt once the ballot is committed; raises its refusal (a DomainError)."""
        return await self.write(request)

    def cast_waiting(self, request: BallotRequest) -> str:
        """The same from a plain thread: blocks until the batch is committed."""
        return self.write_waiting(request)


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
