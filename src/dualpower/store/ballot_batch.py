"""The statements of a batch of API ballots (services/ballot_batch.py), on the unit of work's
connection: each one statement for the whole batch, built once per database (building one, and
its cache key, each time cost more than running it). On PostgreSQL a batch costs five round
trips of its own whatever its size: BEGIN; the tokens, the rate limits' locks, their hits and
the elections (store/pipeline.py); the participation rows; the ballots, new hits and audit
entries; COMMIT.

Rate-limit hits are the rows `RateHitRepo` reads and writes (store/tables_limits.py): a subject
is the SHA-256 of the member's id, and on PostgreSQL a member's counting is serialised by the
same advisory lock as `RateHitRepo.lock`. There the database computes both from the member's
id (`member_subject`, `lock_key`), so the batch reads a member's hits in the round trip that
finds the member's token, and sends member ids rather than digests."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, text

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
    contexts: dict[int, BallotContext | None]  # each election's; None: there is no such one


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
        tokens; each (limit, holder)'s advisory lock, taken until commit in one order (no
        deadlock between batches), its key computed by the database from the token's member
        as `RateHitRepo.lock` computes it; the hits, read after the locks are granted (each
        statement's snapshot is taken when the one before it is done); the elections.
        SQLite's write transactions are serial already: there the statements run one by one."""
        sql = _sql(self.dialect)
        tokens = {"digests": sorted(set(digests))}
        hits: list[tuple[str, int, datetime]] = []
        if self.dialect != "postgresql":
            holders = _holders(self.conn.execute(sql.tokens, tokens))
            by_digest = {subject_digest(str(h.member_id)): h.member_id for h in holders}
            if names and holders:
                subjects = {"names": sorted(names), "subjects": sorted(by_digest)}
                for row in self.conn.execute(sql.hits, subjects):
                    hits.append((row.name, by_digest[row.subject], as_utc(row.at)))
            contexts = [list(self.conn.execute(_BALLOT_CONTEXT, {"id": e})) for e in elections]
        else:
            steps: list[Step] = [(sql.tokens, tokens)]
            if names:
                keyed = dict(tokens, names=sorted(names))
                steps += [(_LOCK_HOLDERS, keyed), (_HOLDERS_HITS, keyed)]
            steps += [(_BALLOT_CONTEXT, {"id": e}) for e in elections]
            results = together(self.conn, steps)
            holders = _holders(results[0])
            if names:
                hits = [(row.name, row.member_id, as_utc(row.at)) for row in results[2]]
            contexts = results[3:] if names else results[1:]
        return BatchReads(
            holders,
            hits,
            {e: _ballot_context_of(rows) for e, rows in zip(elections, contexts, strict=True)},
        )

    def add(
        self,
        ballots: Sequence[dict[str, Any]],
        hits: Sequence[tuple[str, datetime, Sequence[int]]],
        acts: Sequence[dict[str, Any]],
        forget: tuple[Sequence[int], Sequence[tuple[str, datetime]]] | None = None,
    ) -> None:
        """Store the ballot rows (in the order given), the hits ((limit, at, members): one
        hit of that limit at that time for each member) and the audit entries
        (`UnitOfWork.take_acts`), after deleting, with `forget` (members, [(limit, cutoff)]),
        these members' hits of each limit at or before its cutoff: one statement each, in one
        round trip on PostgreSQL."""
        hits = [(name, at, members) for name, at, members in hits if members]
        subject = {m: subject_digest(str(m)) for _, _, members in hits for m in members}
        steps: list[Step] = []
        if forget is not None:
            members, cutoffs = forget
            forgotten: dict[str, Any] = {
                "subjects": sorted(subject_digest(str(m)) for m in members)
            }
            for i, (name, cutoff) in enumerate(cutoffs):
                forgotten[f"name{i}"], forgotten[f"cutoff{i}"] = name, cutoff
            steps.append((_forget_hits(self.dialect, len(cutoffs)), forgotten))
        if self.dialect != "postgresql":
            together(self.conn, steps)
            insert_rows(self.conn, t.ballots, ballots)
            rows = [
                {"name": name, "subject": subject[m], "at": at}
                for name, at, members in hits
                for m in members
            ]
            insert_rows(self.conn, rate_hits, rows)
            insert_json_rows(self.conn, t.audit_log, acts)
            return
        if ballots:
            steps.append(json_insert(self.conn, t.ballots, ballots))
        if hits:
            added: dict[str, Any] = {}
            for i, (name, at, members) in enumerate(hits):
                added[f"name{i}"], added[f"at{i}"] = name, at
                added[f"subjects{i}"] = json.dumps([subject[m] for m in members])
            steps.append((_add_hits(len(hits)), added))
        if acts:
            steps.append(json_insert(self.conn, t.audit_log, acts))
        together(self.conn, steps)

    def take_part(self, rows: Sequence[dict[str, Any]]) -> set[tuple[int, int]]:
        """Insert participation rows (in the order given), skipping those already present (on
        PostgreSQL after waiting for a transaction writing one); the (election, member) keys
        actually written. One statement on both databases (on PostgreSQL sent as psycopg's,
        store/pipeline.py: a statement through SQLAlchemy cost the batch more client time)."""
        key = ("election_id", "member_id")
        if self.dialect != "postgresql" or not rows:
            return insert_new_rows(self.conn, t.participations, rows, key)
        (written,) = together(self.conn, [unnest_insert(self.conn, t.participations, rows, key)])
        return {(row.election_id, row.member_id) for row in written}


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
# its hits (computed once a holder).
_HOLDERS = (
    f"(SELECT DISTINCT member_id, {member_subject('member_id')} AS subject FROM auth_tokens"
    " WHERE token_hash = ANY(CAST(:digests AS varchar[])) AND kind = 'api') AS holder"
)

# Each (limit, holder)'s advisory lock (the limits `names`), in one order.
_LOCK_HOLDERS = text(
    f"SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT "
    f"{lock_key('n.name', 'holder.subject')} AS k FROM {_HOLDERS}, "
    "unnest(CAST(:names AS text[])) AS n(name) ORDER BY k) AS s"
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
