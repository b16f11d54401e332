"""The statements of a batch of API ballots (services/ballot_batch.py), on the unit of work's
connection: each one statement for the whole batch, built once per database (building one, and
its cache key, each time cost more than running it).

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

from dualpower.store import tables as t
from dualpower.store.bulk import among_bound, insert_new_rows, insert_rows
from dualpower.store.repositories import as_utc
from dualpower.store.tables_limits import rate_hits, subject_digest
from dualpower.store.uow import UnitOfWork


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

    def lock_counting(self, names: Sequence[str], members: Sequence[int]) -> None:
        """PostgreSQL: take each (limit, member)'s advisory lock until commit, in one order (no
        deadlock between batches). SQLite's write transactions are serial already."""
        if self.dialect != "postgresql":
            return
        keys = sorted(_lock_key(name, m) for name in names for m in members)
        self.conn.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS u(k) ORDER BY k) AS s"
            ),
            {"keys": keys},
        )

    def hits(self, names: Sequence[str], members: Sequence[int]) -> list[tuple[str, int, datetime]]:
        """Every stored hit of these limits and members: (limit, member, at)."""
        by_digest = {subject_digest(str(m)): m for m in members}
        rows = self.conn.execute(
            _sql(self.dialect).hits, {"names": sorted(names), "subjects": sorted(by_digest)}
        )
        return [(row.name, by_digest[row.subject], as_utc(row.at)) for row in rows]

    def forget_hits(self, members: Sequence[int], cutoffs: Sequence[tuple[str, datetime]]) -> None:
        """Delete these members' hits of each limit at or before its cutoff (limit, cutoff)."""
        left: dict[str, Any] = {"subjects": sorted(subject_digest(str(m)) for m in members)}
        for i, (name, cutoff) in enumerate(cutoffs):
            left[f"name{i}"], left[f"cutoff{i}"] = name, cutoff
        self.conn.execute(_forget_hits(self.dialect, len(cutoffs)), left)

    def add_hits(self, hits: Sequence[tuple[str, int, datetime]]) -> None:
        """Store hits (limit, member, at), in this order."""
        digest = {m: subject_digest(str(m)) for m in {m for _, m, _ in hits}}
        rows = [{"name": name, "subject": digest[m], "at": at} for name, m, at in hits]
        if rows:
            insert_rows(self.conn, rate_hits, rows)

    def add_ballots(self, rows: Sequence[dict[str, Any]]) -> None:
        """Ballot rows, in the order given."""
        if rows:
            insert_rows(self.conn, t.ballots, rows)

    def take_part(self, rows: Sequence[dict[str, Any]]) -> set[tuple[int, int]]:
        """Insert participation rows (in the order given), skipping those already present (on
        PostgreSQL after waiting for a transaction writing one); the (election, member) keys
        actually written. One statement on both databases."""
        return insert_new_rows(self.conn, t.participations, rows, ("election_id", "member_id"))


def _lock_key(name: str, member_id: int) -> int:
    """The advisory lock key `RateHitRepo.lock` takes for this limit and member."""
    key = int.from_bytes(bytes.fromhex(subject_digest(f"{name}:{member_id}")[:16]), "big")
    return key - (1 << 64) if key >= 1 << 63 else key


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
