"""Speakers' lists and stewards of sessions (DESIGN.md 2.4a; domain/speakers.py).

Constraints carry the rules that concurrent requests could break: a deputy is on an item's list
at most once at a time (one open entry per session, item and member), and one speaker holds the
floor of a session at a time. A steward post is an office bound to one session.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Integer,
    String,
    insert,
    select,
    update,
)

from dualpower.domain.speakers import LAPSED, SPEAKING, WAITING, Speech
from dualpower.store import repositories as r
from dualpower.store import tables as t
from dualpower.store.repositories import OnConnection
from dualpower.store.tables import _at, _fk, _unique_where, entity, table
from dualpower.store.typed import tuples

speeches = entity(
    "speeches",
    _fk("session_id", "sessions.id", index=True),
    _fk("motion_id", "motions.id"),
    _fk("member_id", "members.id"),
    _at("requested_at"),
    Column("status", String(10), nullable=False, default=WAITING),
    _at("floor_at", nullable=True),
    _at("ended_at", nullable=True),
    Column("limit_seconds", Integer, nullable=True),
    Column("is_overrun", Boolean, nullable=False, default=False),
    CheckConstraint(
        "status IN ('waiting', 'speaking', 'spoken', 'withdrawn', 'lapsed')", name="status"
    ),
    _unique_where(
        "uq_speeches_one_open", "session_id", "motion_id", "member_id", where="ended_at IS NULL"
    ),
    _unique_where("uq_speeches_one_floor", "session_id", where="status = 'speaking'"),
)

# A session's order: the time limit per speech (none when no row or NULL).
session_order = table(
    "session_order",
    _fk("session_id", "sessions.id", primary_key=True),
    Column("limit_seconds", Integer, nullable=True),
    CheckConstraint("limit_seconds IS NULL OR limit_seconds > 0", name="limit"),
)

# Steward posts: offices of the session's council, each bound to this one session.
steward_posts = table(
    "steward_posts",
    _fk("office_id", "offices.id", primary_key=True),
    _fk("session_id", "sessions.id", index=True),
    Column("number", Integer, nullable=False),
)


class SpeechRepo(r._Repo[Speech]):
    table, model = speeches, Speech

    def of_session(self, session_id: int) -> list[Speech]:
        c = speeches.c
        return self.list(c.session_id == session_id, order_by=(c.requested_at, c.id))

    def list(self, *where: Any, order_by: Any = None) -> builtins.list[Speech]:
        query = select(speeches).where(*where)
        if isinstance(order_by, tuple):
            query = query.order_by(*order_by)
        else:
            query = query.order_by(order_by if order_by is not None else speeches.c.id)
        return [r.to_domain(Speech, row) for row in self.conn.execute(query)]

    def speaking(self, session_id: int) -> Speech | None:
        found = self.list(speeches.c.session_id == session_id, speeches.c.status == SPEAKING)
        return found[0] if found else None

    def waiting(self, session_id: int, motion_id: int | None = None) -> builtins.list[Speech]:
        """The queue, in order of request (of one item, or every item)."""
        c = speeches.c
        where = [c.session_id == session_id, c.status == WAITING]
        if motion_id is not None:
            where.append(c.motion_id == motion_id)
        return self.list(*where, order_by=(c.requested_at, c.id))

    def open_of(self, session_id: int, member_id: int) -> builtins.list[Speech]:
        c = speeches.c
        return self.list(c.session_id == session_id, c.member_id == member_id, c.ended_at.is_(None))

    def finish(self, speech_id: int, status: str, at: datetime, **values: Any) -> bool:
        """End an open entry; False when it had ended already (a concurrent act won)."""
        result = self.conn.execute(
            update(speeches)
            .where(speeches.c.id == speech_id, speeches.c.ended_at.is_(None))
            .values(status=status, ended_at=at, **values)
        )
        return result.rowcount == 1

    def lapse_all(self, session_id: int, at: datetime) -> builtins.list[int]:
        open_ = [s.id for s in self.open_of_session(session_id)]
        if open_:
            self.conn.execute(
                update(speeches).where(speeches.c.id.in_(open_)).values(status=LAPSED, ended_at=at)
            )
        return open_

    def open_of_session(self, session_id: int) -> builtins.list[Speech]:
        c = speeches.c
        return self.list(c.session_id == session_id, c.ended_at.is_(None))

    def limit(self, session_id: int) -> int | None:
        query = select(session_order.c.limit_seconds).where(
            session_order.c.session_id == session_id
        )
        return self.conn.execute(query).scalar()

    def set_limit(self, session_id: int, seconds: int | None) -> None:
        so = session_order
        exists = self.conn.execute(select(so.c.session_id).where(so.c.session_id == session_id))
        if exists.first() is None:
            self.conn.execute(insert(so).values(session_id=session_id, limit_seconds=seconds))
        else:
            self.conn.execute(
                update(so).where(so.c.session_id == session_id).values(limit_seconds=seconds)
            )


class StewardPostRepo(OnConnection):
    """Steward posts: which offices belong to which session."""

    def add(self, office_id: int, session_id: int, number: int) -> None:
        self.conn.execute(
            insert(steward_posts).values(office_id=office_id, session_id=session_id, number=number)
        )

    def offices_of(self, session_id: int) -> list[int]:
        sp = steward_posts
        query = select(sp.c.office_id).where(sp.c.session_id == session_id).order_by(sp.c.number)
        return list(self.conn.execute(query).scalars())

    def session_of(self, office_id: int) -> int | None:
        sp = steward_posts
        found: int | None = self.conn.execute(
            select(sp.c.session_id).where(sp.c.office_id == office_id)
        ).scalar()
        return found

    def all(self) -> dict[int, int]:
        """Office id -> session id, for every steward post."""
        rows = self.conn.execute(select(steward_posts.c.office_id, steward_posts.c.session_id))
        return {office: session for office, session in tuples(rows)}

    def keepers(self, session_id: int) -> set[int]:
        """Who holds, now, a steward post of this session carrying `keep_order`, through a
        term resting on a mandate in force."""
        sp, of, ot, md = steward_posts, t.offices, t.office_terms, t.mandates
        query = (
            select(ot.c.holder_id, of.c.capabilities)
            .select_from(sp)
            .join(of, of.c.id == sp.c.office_id)
            .join(ot, ot.c.office_id == of.c.id)
            .join(md, md.c.id == ot.c.mandate_id)
            .where(sp.c.session_id == session_id, ot.c.end_at.is_(None), md.c.end_at.is_(None))
        )
        return {
            holder
            for holder, capabilities in tuples(self.conn.execute(query))
            if "keep_order" in (capabilities or [])
        }


r.REPOSITORIES["speeches"] = SpeechRepo
r.REPOSITORIES["steward_posts"] = StewardPostRepo
