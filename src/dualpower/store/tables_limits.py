"""Tables of rate limits and page-session activity.

`rate_hits` keeps the time of each counted attempt (a failed login, a ballot, an API write ...)
under the limit's name and the SHA-256 of its subject (a member id, or a username as typed, so
unknown usernames tried at the login form are not stored in clear). Rows older than the limit's
window are deleted when the same subject is counted again.

`session_activity` keeps when a page session was last used, for the idle timeout; it goes with
its session (ON DELETE CASCADE).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    Column,
    Index,
    String,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)

from dualpower.store import repositories
from dualpower.store.repositories import OnConnection, as_utc
from dualpower.store.tables import _at, _sha256, _token_key, entity, table

rate_hits = entity(
    "rate_hits",
    Column("name", String(40), nullable=False),
    _sha256("subject"),  # of a member id, or a username as typed
    _at("at"),
    Index("ix_rate_hits_subject_name_at", "subject", "name", "at"),
)

session_activity = table(
    "session_activity",
    _token_key(),
    _at("last_seen"),
)


def subject_digest(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()


def member_subject(member_id: str) -> str:
    """PostgreSQL: SQL computing `subject_digest(str(member_id))` from an SQL expression of a
    member's id (store/ballot_batch.py reads the hits of the members whose tokens it finds in
    the same round trip)."""
    return f"encode(sha256(convert_to(CAST({member_id} AS text), 'UTF8')), 'hex')"


def lock_key(name: str, digest: str) -> str:
    """PostgreSQL: SQL computing the key of the advisory lock that serialises the counting of
    one subject for one limit, from SQL expressions of the limit's name and the subject's
    digest (`subject_digest`: the subject itself, a username as typed, is never sent): a 64-bit
    hash of "name:digest" (`hashtextextended`, the stable hash of PostgreSQL's hash
    partitioning; two keys colliding only serialise two countings more). A batch of ballots
    computes it from a member's id (`member_subject`), `RateHitRepo.lock` from the digest."""
    return f"hashtextextended({name} || ':' || {digest}, 0)"


# Forget the subject's old hits, add this one and read the earlier ones still in the window, in
# one statement: every part sees the snapshot taken at its start (after the subject's lock), so
# the SELECT returns the hits before this one.
_COUNT_HIT_PG = text(
    """
    WITH gone AS (
        DELETE FROM rate_hits WHERE name = :n AND subject = :s AND at <= :after
    ), added AS (
        INSERT INTO rate_hits (name, subject, at) VALUES (:n, :s, :at) RETURNING id
    )
    SELECT id AS added, NULL AS at FROM added
    UNION ALL
    SELECT NULL, at FROM rate_hits WHERE name = :n AND subject = :s AND at > :after
    """
)


# SQLite's counting: built once (a ballot, a signature, each API write counts a hit).
_HITS = select(rate_hits.c.at).where(
    rate_hits.c.name == bindparam("name"), rate_hits.c.subject == bindparam("subject")
)
_ADD_HIT = insert(rate_hits)
_LOCK = text(
    f"SELECT pg_advisory_xact_lock({lock_key('CAST(:name AS text)', 'CAST(:digest AS text)')})"
)


class RateHitRepo(OnConnection):
    """Hits counted against rate limits."""

    def lock(self, name: str, subject: str) -> None:
        """Serialise the counting of one subject until commit. SQLite's write transactions are
        serial already; PostgreSQL takes a transaction-level advisory lock."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(_LOCK, {"name": name, "digest": subject_digest(subject)})

    def count_hit(
        self,
        name: str,
        subject: str,
        at: datetime,
        after: datetime,
        refuse: Callable[[list[datetime]], Exception | None],
    ) -> None:
        """Count one hit at `at` unless `refuse`, given the subject's hits later than `after`,
        returns an error (raised, nothing counted). Hits at or before `after` are forgotten.
        The caller holds the subject's lock (`lock`). One statement on PostgreSQL (a refusal
        takes a second one to take the hit back), two on SQLite (three with hits to forget)."""
        digest = subject_digest(subject)
        if self.conn.dialect.name == "postgresql":
            rows = self.conn.execute(
                _COUNT_HIT_PG, {"n": name, "s": digest, "at": at, "after": after}
            )
            earlier, added = [], None
            for row in rows:
                if row.added is not None:
                    added = row.added
                else:
                    earlier.append(as_utc(row.at))
            refused = refuse(earlier)
            if refused is not None:
                self.conn.execute(delete(rate_hits).where(rate_hits.c.id == added))
                raise refused
            return
        t = rate_hits
        stored: list[datetime] = list(
            self.conn.execute(_HITS, {"name": name, "subject": digest}).scalars()
        )
        times = [as_utc(x) for x in stored]
        earlier = [x for x in times if x > after]
        refused = refuse(earlier)
        if refused is not None:
            raise refused
        if len(earlier) < len(times):
            self.conn.execute(
                delete(t).where(t.c.name == name, t.c.subject == digest, t.c.at <= after)
            )
        self.conn.execute(_ADD_HIT, {"name": name, "subject": digest, "at": at})

    def since(self, name: str, subject: str, after: datetime) -> list[datetime]:
        t = rate_hits
        query = select(t.c.at).where(
            t.c.name == name, t.c.subject == subject_digest(subject), t.c.at > after
        )
        found: Sequence[datetime] = self.conn.execute(query).scalars().all()
        return [as_utc(at) for at in found]

    def add(self, name: str, subject: str, at: datetime) -> None:
        self.conn.execute(
            insert(rate_hits).values(name=name, subject=subject_digest(subject), at=at)
        )

    def forget_before(self, name: str, subject: str, before: datetime) -> None:
        t = rate_hits
        self.conn.execute(
            delete(t).where(
                t.c.name == name, t.c.subject == subject_digest(subject), t.c.at <= before
            )
        )

    def forget_subjects(self, subjects: Iterable[str]) -> None:
        """Forget every count of these subjects, under any name."""
        digests = [subject_digest(s) for s in subjects]
        self.conn.execute(delete(rate_hits).where(rate_hits.c.subject.in_(digests)))

    def forget(self, name: str, subject: str) -> None:
        t = rate_hits
        self.conn.execute(delete(t).where(t.c.name == name, t.c.subject == subject_digest(subject)))

    def take_back(self, name: str, subject: str) -> None:
        """Forget the subject's latest hit (one counted in advance that turned out not to be)."""
        t = rate_hits
        latest = (
            select(t.c.id)
            .where(t.c.name == name, t.c.subject == subject_digest(subject))
            .order_by(t.c.at.desc(), t.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        self.conn.execute(delete(t).where(t.c.id == latest))


class SessionActivityRepo(OnConnection):
    """When each page session was last used."""

    def add(self, token_hash: str, at: datetime) -> None:
        self.conn.execute(insert(session_activity).values(token_hash=token_hash, last_seen=at))

    def last_seen(self, token_hash: str) -> datetime | None:
        t = session_activity
        found = self.conn.execute(
            select(t.c.last_seen).where(t.c.token_hash == token_hash)
        ).scalar_one_or_none()
        return as_utc(found) if found is not None else None

    def touch(self, token_hash: str, at: datetime, *, unless_after: datetime) -> None:
        """Set last_seen to `at` unless it is already later than `unless_after`."""
        t = session_activity
        self.conn.execute(
            update(t)
            .where(t.c.token_hash == token_hash, t.c.last_seen <= unless_after)
            .values(last_seen=at)
        )

    def remove(self, token_hash: str) -> None:
        t = session_activity
        self.conn.execute(delete(t).where(t.c.token_hash == token_hash))


repositories.REPOSITORIES["rate_hits"] = RateHitRepo
repositories.REPOSITORIES["session_activity"] = SessionActivityRepo
