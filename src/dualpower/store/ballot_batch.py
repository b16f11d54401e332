"""The statements of a batch of API ballots (services/ballot_batch.py), on the unit of work's
connection: each one statement for the whole batch, built once per database (building one, and
its cache key, each time cost more than running it). On PostgreSQL a batch costs six round
trips of its own whatever its size: BEGIN; the tokens; the rate limits' locks, their hits and
the elections (store/pipeline.py); the participation rows; the ballots, new hits and audit
entries; COMMIT.

Rate-limit hits are the rows `RateHitRepo` reads and writes (store/tables_limits.py): a subject
is the SHA-256 of the member's id, and on PostgreSQL a member's counting is serialised by the
same advisory lock as `RateHitRepo.lock`."""

from __future__ import annotations

import functools
from collections.abc import Sequence
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
from dualpower.store.tables_limits import rate_hits, subject_digest
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


class BallotBatchStore:
    """The batch's reads and writes, on one unit of work."""

    def __init__(self, uow: UnitOfWork):
        self.conn = uow.conn
        self.dialect = uow.conn.dialect.name

    def api_holders(self, digests: Sequence[str]) -> list[ApiHolder]:
        """The holders of the API tokens of these digests (expired ones too), with their roll
        now: one query."""
        rows = self.conn.execute(_sql(self.dialect).tokens, {"digests": sorted(set(digests))})
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

    def counts_and_elections(
        self, names: Sequence[str], members: Sequence[int], elections: Sequence[int]
    ) -> tuple[list[tuple[str, int, datetime]], dict[int, BallotContext | None]]:
        """Every stored hit of these limits and members (limit, member, at), and each election's
        ballot context (its row share-locked until commit), in one round trip on PostgreSQL
        (store/pipeline.py). There each (limit, member)'s advisory lock is taken first, until
        commit, in one order (no deadlock between batches), and the reads follow it (each
        read's snapshot is taken after the locks are granted). SQLite's write transactions are
        serial already."""
        by_digest = {subject_digest(str(m)): m for m in members}
        steps: list[Step] = []
        if names and self.dialect == "postgresql":
            keys = sorted(_lock_key(name, m) for name in names for m in members)
            steps.append((_LOCK, {"keys": keys}))
        if names:
            subjects = sorted(by_digest)
            steps.append((_sql(self.dialect).hits, {"names": sorted(names), "subjects": subjects}))
        first_context = len(steps)
        steps += [(_BALLOT_CONTEXT, {"id": e}) for e in elections]
        results = together(self.conn, steps)
        hits, contexts = (results[first_context - 1] if names else []), results[first_context:]
        return (
            [(row.name, by_digest[row.subject], as_utc(row.at)) for row in hits],
            {e: _ballot_context_of(rows) for e, rows in zip(elections, contexts, strict=True)},
        )

    def add(
        self,
        ballots: Sequence[dict[str, Any]],
        hits: Sequence[tuple[str, int, datetime]],
        acts: Sequence[dict[str, Any]],
        forget: tuple[Sequence[int], Sequence[tuple[str, datetime]]] | None = None,
    ) -> None:
        """Store the ballot rows (in the order given), the hits (limit, member, at) and the
        audit entries (`UnitOfWork.take_acts`), after deleting, with `forget` (members,
        [(limit, cutoff)]), these members' hits of each limit at or before its cutoff: one
        statement each, in one round trip on PostgreSQL."""
        steps: list[Step] = []
        if forget is not None:
            members, cutoffs = forget
            left: dict[str, Any] = {"subjects": sorted(subject_digest(str(m)) for m in members)}
            for i, (name, cutoff) in enumerate(cutoffs):
                left[f"name{i}"], left[f"cutoff{i}"] = name, cutoff
            steps.append((_forget_hits(self.dialect, len(cutoffs)), left))
        digest = {m: subject_digest(str(m)) for m in {m for _, m, _ in hits}}
        hit_rows = [{"name": name, "subject": digest[m], "at": at} for name, m, at in hits]
        if self.dialect != "postgresql":
            together(self.conn, steps)
            insert_rows(self.conn, t.ballots, ballots)
            insert_rows(self.conn, rate_hits, hit_rows)
            insert_json_rows(self.conn, t.audit_log, acts)
            return
        for table, rows in ((t.ballots, ballots), (rate_hits, hit_rows)):
            if rows:
                steps.append(unnest_insert(self.conn, table, rows))
        if acts:
            steps.append(json_insert(self.conn, t.audit_log, acts))
        together(self.conn, steps)

    def take_part(self, rows: Sequence[dict[str, Any]]) -> set[tuple[int, int]]:
        """Insert participation rows (in the order given), skipping those already present (on
        PostgreSQL after waiting for a transaction writing one); the (election, member) keys
        actually written. One statement on both databases."""
        return insert_new_rows(self.conn, t.participations, rows, ("election_id", "member_id"))


def _lock_key(name: str, member_id: int) -> int:
    """The advisory lock key `RateHitRepo.lock` takes for this limit and member."""
    key = int.from_bytes(bytes.fromhex(subject_digest(f"{name}:{member_id}")[:16]), "big")
    return key - (1 << 64) if key >= 1 << 63 else key


_LOCK = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM "
    "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS u(k) ORDER BY k) AS s"
)


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
