"""The statements of a batch of API ballots (services/ballot_batch.py), on the unit of work's
connection: each one statement for the whole batch, built once per database (building one, and
its cache key, each time cost more than running it). On PostgreSQL a batch costs four round
trips of its own whatever its size: BEGIN; the tokens with the rate limits' locks, their hits
and the elections (store/pipeline.py); the participation rows, ballots, new hits and audit
entries; COMMIT (one more, rolling back to a savepoint, when a participation row was taken).

Rate-limit hits are the rows `RateHitRepo` reads and writes (store/tables_limits.py): a subject
is the SHA-256 of the member's id, and on PostgreSQL a member's counting is serialised by the
same advisory lock as `RateHitRepo.lock`. There the database computes both from the member's
id (`member_subject`, `lock_key`), so the batch locks a member's counting in the statement
that finds the member's token, reads their hits in the round trip, and sends member ids'
digests as the database gave them."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, and_, bindparam, delete, or_, select, text

from dualpower.domain.model import Election
from dualpower.store import tables as t
from dualpower.store.bulk import (
    among_bound,
    insert_json_rows,
    insert_new_rows,
    insert_rows,
    json_insert,
    unnest_insert,
)
from dualpower.store.pipeline import Step, together
from dualpower.store.repositories import as_utc, to_domain
from dualpower.store.tables_limits import lock_key, member_subject, rate_hits, subject_digest
from dualpower.store.uow import UnitOfWork

# The election, the base unit whose members elect it, its candidates' ids, verified only.
BallotContext = tuple[Election, int | None, set[int], bool]


@dataclass(frozen=True)
class ApiHolder:
    """An API token's holder, and the base unit whose roll they are on now (None: on none)."""

    token_hash: str
    member_id: int
    expires_at: datetime
    unit_id: int | None
    start_at: datetime | None
    is_verified: bool


@dataclass(frozen=True)
class BatchReads:
    """What a batch reads before checking its ballots."""

    holders: list[ApiHolder]  # of the API tokens found (expired ones too)
    hits: list[tuple[str, int, datetime]]  # (limit, member, at): the holders' stored hits
    subjects: dict[int, str]  # each holder's subject of rate-limit hits (`subject_digest`)
    contexts: dict[int, BallotContext | None]  # each election's; None: there is no such one


@dataclass(frozen=True)
class BatchWrites:
    """What a batch writes besides its participation rows."""

    ballots: Sequence[dict[str, Any]]  # in the order to store them
    hits: Sequence[tuple[str, datetime, Sequence[int]]]  # (limit, at, members): one hit each
    acts: Sequence[dict[str, Any]]  # audit entries (`UnitOfWork.take_acts`)


# Members whose hits to forget, and for each limit the time at or before which to forget them.
Forget = tuple[Sequence[int], Sequence[tuple[str, datetime]]]


class BallotBatchStore:
    """The batch's reads and writes, on one unit of work."""

    def __init__(self, uow: UnitOfWork):
        self.conn = uow.conn
        self.dialect = uow.conn.dialect.name

    def read(
        self, digests: Sequence[str], names: Sequence[str], elections: Sequence[int]
    ) -> BatchReads:
        """The holders of the API tokens of these digests, with their roll now; every stored
        hit of these limits (`names`) of the holders; each election's ballot context (its row
        share-locked until commit). On PostgreSQL in one round trip (store/pipeline.py): the
        tokens, with each (limit, holder)'s advisory lock taken in the same statement, until
        commit, in one order (no deadlock between batches), its key computed by the database
        from the token's member as `RateHitRepo.lock` computes it; the hits, read after the
        locks are granted (each statement's snapshot is taken when the one before it is
        done); the elections. SQLite's write transactions are serial already: there the
        statements run one by one."""
        sql = _sql(self.dialect)
        tokens = {"digests": sorted(set(digests))}
        hits: list[tuple[str, int, datetime]] = []
        if self.dialect != "postgresql":
            holders = _holders(self.conn.execute(sql.tokens, tokens))
            subjects = {h.member_id: subject_digest(str(h.member_id)) for h in holders}
            by_digest = {subject: member for member, subject in subjects.items()}
            if names and holders:
                keyed = {"names": sorted(names), "subjects": sorted(by_digest)}
                for row in self.conn.execute(sql.hits, keyed):
                    hits.append((row.name, by_digest[row.subject], as_utc(row.at)))
            contexts = [list(self.conn.execute(_BALLOT_CONTEXT, {"id": e})) for e in elections]
        else:
            steps: list[Step] = [(_CACHED_PLANS, {})]
            if names:
                keyed = dict(tokens, names=sorted(names))
                steps += [(_LOCKING_HOLDERS, keyed), (_HOLDERS_HITS, keyed)]
            else:
                steps.append((_HOLDER_ROWS, tokens))
            steps += [(_BALLOT_CONTEXT, {"id": e}) for e in elections]
            results = together(self.conn, steps)[1:]
            holders = _holders(results[0])
            subjects = {row.member_id: row.subject for row in results[0]}
            if names:
                hits = [(row.name, row.member_id, as_utc(row.at)) for row in results[1]]
            contexts = results[2:] if names else results[1:]
        return BatchReads(
            holders,
            hits,
            subjects,
            {e: _ballot_context_of(rows) for e, rows in zip(elections, contexts, strict=True)},
        )

    def write(
        self,
        took_part: Sequence[dict[str, Any]],
        writes: Callable[[set[tuple[int, int]]], BatchWrites],
        subjects: dict[int, str],
        forget: Forget | None = None,
    ) -> set[tuple[int, int]]:
        """Insert the participation rows (in the order given), skipping those already present
        (on PostgreSQL after waiting for a transaction writing one), and what goes with the
        rows written, `writes(keys written)` (`add`); the (election, member) keys written. On
        PostgreSQL in one round trip: the participation rows, a savepoint, and what goes with
        every row; when one was not written (its voter voted before, or meanwhile in another
        transaction), a second round trip rolls back to the savepoint and writes what goes
        with the rows written."""
        key = ("election_id", "member_id")
        if not took_part:
            self.add(writes(set()), subjects, forget)
            return set()
        steps = self._forgetting(subjects, forget)
        if self.dialect != "postgresql":
            together(self.conn, steps)
            written = insert_new_rows(self.conn, t.participations, took_part, key)
            self.add(writes(written), subjects)
            return written
        first = len(steps)
        every = {(row["election_id"], row["member_id"]) for row in took_part}
        hoped = writes(every)
        steps += [unnest_insert(self.conn, t.participations, took_part, key), (_SAVEPOINT, {})]
        steps += self._adding(hoped, subjects, hoping=True)
        results = together(self.conn, steps)
        written = {(row.election_id, row.member_id) for row in results[first]}
        if written != every:
            again = [(_ROLLBACK_TO_SAVEPOINT, {}), *self._adding(writes(written), subjects)]
            together(self.conn, again)
        elif _is_open(hoped.ballots) and len(results[first + 2]) != len(hoped.ballots):
            raise RuntimeError("an open ballot's voter has a ballot but had no participation")
        return written

    def add(
        self, writes: BatchWrites, subjects: dict[int, str], forget: Forget | None = None
    ) -> None:
        """Store the ballot rows (in the order given), the hits and the audit entries, after
        deleting, with `forget` (members, [(limit, cutoff)]), these members' hits of each
        limit at or before its cutoff: one statement each, in one round trip on PostgreSQL.
        `subjects`: each member's subject of hits (`BatchReads.subjects`)."""
        steps = self._forgetting(subjects, forget)
        if self.dialect == "postgresql":
            together(self.conn, steps + self._adding(writes, subjects))
            return
        together(self.conn, steps)
        insert_rows(self.conn, t.ballots, writes.ballots)
        rows = [
            {"name": name, "subject": subjects[m], "at": at}
            for name, at, members in writes.hits
            for m in members
        ]
        insert_rows(self.conn, rate_hits, rows)
        insert_json_rows(self.conn, t.audit_log, writes.acts)

    def _forgetting(self, subjects: dict[int, str], forget: Forget | None) -> list[Step]:
        if forget is None:
            return []
        members, cutoffs = forget
        forgotten: dict[str, Any] = {"subjects": sorted(subjects[m] for m in members)}
        for i, (name, cutoff) in enumerate(cutoffs):
            forgotten[f"name{i}"], forgotten[f"cutoff{i}"] = name, cutoff
        return [(_forget_hits(self.dialect, len(cutoffs)), forgotten)]

    def _adding(
        self, writes: BatchWrites, subjects: dict[int, str], *, hoping: bool = False
    ) -> list[Step]:
        """PostgreSQL: the statements of `add`, the ballots first. `hoping` (`write`: written
        before the participation rows are known to be new): an open ballot whose voter has
        one already is skipped, not an error that would fail the batch (its participation
        row was not written either: `write` writes again without it)."""
        steps: list[Step] = []
        if writes.ballots:
            if hoping and _is_open(writes.ballots):
                statement, rows = json_insert(self.conn, t.ballots, writes.ballots)
                steps.append((_skipping_voted(statement), rows))
            else:
                steps.append(json_insert(self.conn, t.ballots, writes.ballots))
        hits = [(name, at, members) for name, at, members in writes.hits if members]
        if hits:
            added: dict[str, Any] = {}
            for i, (name, at, members) in enumerate(hits):
                added[f"name{i}"], added[f"at{i}"] = name, at
                added[f"subjects{i}"] = json.dumps([subjects[m] for m in members])
            steps.append((_add_hits(len(hits)), added))
        if writes.acts:
            steps.append(json_insert(self.conn, t.audit_log, writes.acts))
        return steps


def _is_open(ballots: Sequence[dict[str, Any]]) -> bool:
    return any(ballot["voter_id"] is not None for ballot in ballots)


@functools.cache
def _skipping_voted(insert: TextClause) -> TextClause:
    """The ballots' insert (`json_insert`), skipping a ballot whose voter has one (an open
    ballot's key), returning the receipts written."""
    return text(f"{insert.text} ON CONFLICT (election_id, voter_id) DO NOTHING RETURNING receipt")


# The batch's statements, and the foreign-key checks its inserts fire, planned once a connection
# and kept (psycopg prepares a statement run five times), not at every run: the connections'
# `plan_cache_mode` (store/db.py) plans every statement anew, which cost the batch more than
# running its statements (pg_stat_statements, batches of 30: 54 us a ballot of PostgreSQL's
# CPU planning, 20 of them the foreign keys' lookups, against 45 us running the statements
# and those lookups). store/db.py plans anew because a plan kept from when a table was nearly
# empty scans it whole once it has grown; every read of the batch is a lookup through an
# index, and with sequential scans off no plan of the batch's can be made without them.
# Until the commit (SET LOCAL).
_CACHED_PLANS = text(
    "SELECT set_config('plan_cache_mode', 'auto', true), set_config('enable_seqscan', 'off', true)"
)
_SAVEPOINT = text("SAVEPOINT ballot_batch")
_ROLLBACK_TO_SAVEPOINT = text("ROLLBACK TO SAVEPOINT ballot_batch")


def _holders(rows: Iterable[Any]) -> list[ApiHolder]:
    return [
        ApiHolder(
            row.token_hash,
            row.member_id,
            as_utc(row.expires_at),
            row.unit_id,
            as_utc(row.start_at),
            bool(row.is_verified),
        )
        for row in rows
    ]


# PostgreSQL: the holders of the API tokens (parameter `digests`), each with the subject of
# its hits (computed once a holder): the hits' read finds them again (it cannot see the rows
# of the statement before it, sent in the same round trip).
_HOLDERS = (
    f"(SELECT DISTINCT member_id, {member_subject('member_id')} AS subject FROM auth_tokens"
    " WHERE token_hash = ANY(CAST(:digests AS varchar[])) AND kind = 'api') AS holder"
)

# The API tokens' rows (parameter `digests`) as `_sql(...).tokens` reads them, each with the
# subject of its member's hits.
_HOLDER_COLUMNS = "token_hash, member_id, expires_at, unit_id, start_at, is_verified, subject"
_HOLDER_ROWS_SQL = (
    "SELECT tok.token_hash, tok.member_id, tok.expires_at, mm.unit_id, mm.start_at, "
    f"mb.is_verified, {member_subject('tok.member_id')} AS subject FROM auth_tokens AS tok "
    "LEFT OUTER JOIN memberships AS mm ON mm.member_id = tok.member_id AND mm.end_at IS NULL "
    "LEFT OUTER JOIN members AS mb ON mb.id = tok.member_id "
    "WHERE tok.token_hash = ANY(CAST(:digests AS varchar[])) AND tok.kind = 'api'"
)
_HOLDER_ROWS = text(_HOLDER_ROWS_SQL)

# The same rows, once each (limit, holder)'s advisory lock (the limits `names`) is taken, in one
# order: one statement (the tokens are looked up and their subjects hashed once; the CTE
# calling a volatile function runs whole before any row is returned).
_LOCKING_HOLDERS = text(
    f"WITH holder AS MATERIALIZED ({_HOLDER_ROWS_SQL}), locked AS (SELECT "
    f"count(pg_advisory_xact_lock(k)) AS n FROM (SELECT DISTINCT "
    f"{lock_key('n.name', 'holder.subject')} AS k FROM holder, "
    "unnest(CAST(:names AS text[])) AS n(name) ORDER BY k) AS s) "
    f"SELECT {_HOLDER_COLUMNS} FROM holder, locked"
)

# The holders' stored hits of these limits, by member: for each holder its hits by its
# subject, through the index (OFFSET 0 keeps the subquery a lookup per holder: joined, the
# prepared statement's generic plan scanned every hit).
_HOLDERS_HITS = text(
    f"SELECT h.name, holder.member_id, h.at FROM {_HOLDERS}, LATERAL (SELECT name, at "
    "FROM rate_hits WHERE subject = holder.subject "
    "AND name = ANY(CAST(:names AS varchar[])) OFFSET 0) AS h"
)


@functools.cache
def _add_hits(limits_: int) -> Any:
    """PostgreSQL: insert a hit of limit `name{i}` at `at{i}` for each subject of
    `subjects{i}` (a JSON array of texts: psycopg escapes an array of texts with a regular
    expression, bulk.py), for each of `limits_` limits."""
    parts = [
        f"SELECT CAST(:name{i} AS varchar), s, CAST(:at{i} AS timestamptz) "
        f"FROM json_array_elements_text(CAST(:subjects{i} AS json)) AS u{i}(s)"
        for i in range(limits_)
    ]
    return text(f"INSERT INTO rate_hits (name, subject, at) {' UNION ALL '.join(parts)}")


@dataclass(frozen=True)
class _Statements:
    tokens: Any
    hits: Any


@functools.cache
def _sql(dialect: str) -> _Statements:
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


# What taking an election's ballots needs, in one statement (parameter `id`): the election, its
# row share-locked (as by `ElectionRepo.get_for_share`: a close, which locks it for update
# before counting, waits for the batch, or the batch, waiting for the close, reads it closed),
# the base unit whose members elect it, its candidates, whether its council asks for verified
# electors.
_BALLOT_CONTEXT = (
    select(
        t.elections,
        t.electorates.c.unit_id.label("electorate_unit"),
        t.councils.c.verified_only.label("verified_only"),
        t.candidates.c.id.label("candidate_id"),
    )
    .select_from(
        t.elections.outerjoin(t.electorates, t.electorates.c.id == t.elections.c.electorate_id)
        .outerjoin(t.councils, t.councils.c.id == t.electorates.c.council_id)
        .outerjoin(t.candidates, t.candidates.c.election_id == t.elections.c.id)
    )
    .where(t.elections.c.id == bindparam("id"))
    .with_for_update(read=True, of=t.elections)
)


def _ballot_context_of(rows: Sequence[Any]) -> BallotContext | None:
    """The context from the rows of _BALLOT_CONTEXT: the election, the base unit whose members
    elect it (None for a council's or an office's electors), its candidates' ids, and whether
    its council's standing orders ask for verified electors (meaningful with a unit); None when
    there is no such election."""
    if not rows:
        return None
    unit_id = rows[0].electorate_unit if rows[0].office_id is None else None
    candidates = {row.candidate_id for row in rows if row.candidate_id is not None}
    verified = bool(rows[0].verified_only)
    return to_domain(Election, rows[0]), unit_id, candidates, verified
