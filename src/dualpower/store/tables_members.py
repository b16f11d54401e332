"""Tables of members getting in (DESIGN.md 2.10): invitation and reset codes, and the marks of a
password the operator set.

`invitations` keeps one row per code: only its SHA-256 is stored, with what it is for (`join` or
`reset`), when it expires and when it was used (a code works once). `operator_passwords` names
the members whose current password was set by the operator (`dualpower passwd`), until they set
their own; `operator_sessions` marks the sessions and tokens opened with such a password, so the
acts done in them are marked in the audit log. Both marks go with their member's password
change or their token (ON DELETE CASCADE).
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    delete,
    exists,
    insert,
    select,
    update,
)

from dualpower.store import repositories
from dualpower.store import tables as t
from dualpower.store.repositories import OnConnection, as_utc
from dualpower.store.tables import Id, _at, _fk, _sha256, _token_key, entity, table
from dualpower.store.typed import tuples

invitations = entity(
    "invitations",
    _fk("member_id", "members.id", index=True),
    _sha256("code_hash", unique=True),
    Column("purpose", String(10), nullable=False),
    _at("created_at"),
    _at("expires_at"),
    _at("used_at", nullable=True),
    CheckConstraint("purpose IN ('join', 'reset')", name="purpose"),
)

operator_passwords = table(
    "operator_passwords",
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True),
    _at("set_at"),
)

operator_sessions = table(
    "operator_sessions",
    _token_key(),
)


class Invitee(NamedTuple):
    """A member on a roll now, as an invitation slip names them."""

    id: int
    username: str
    display_name: str
    email: str | None
    unit_name: str
    language: str | None  # their own; None: the federation's


class InvitationRepo(OnConnection):
    """Invitation and reset codes, looked up by the SHA-256 of the code."""

    def invitees(self, unit_id: int | None, *, all_: bool) -> builtins.list[Invitee]:
        """The members on a roll now (of the unit when given), without a password unless
        `all_`, by unit name, display name and id."""
        m, mm, u = t.members, t.memberships, t.base_units
        query = (
            select(m.c.id, m.c.username, m.c.display_name, m.c.email, u.c.name, m.c.language)
            .join(mm, (mm.c.member_id == m.c.id) & mm.c.end_at.is_(None))
            .join(u, u.c.id == mm.c.unit_id)
            .order_by(u.c.name, m.c.display_name, m.c.id)
        )
        if unit_id is not None:
            query = query.where(mm.c.unit_id == unit_id)
        if not all_:
            query = query.where(m.c.password_hash.is_(None))
        return [Invitee(*row) for row in tuples(self.conn.execute(query))]

    def add_many(self, rows: builtins.list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(invitations), rows)

    def withdraw_unused(self, member_ids: builtins.list[int], purpose: str) -> None:
        """Delete the unused codes of these members for this purpose (a new one replaces them)."""
        i = invitations
        for start in range(0, len(member_ids), 5000):
            chunk = member_ids[start : start + 5000]
            self.conn.execute(
                delete(i).where(
                    i.c.member_id.in_(chunk), i.c.purpose == purpose, i.c.used_at.is_(None)
                )
            )

    def find(self, code_hash: str) -> tuple[int, int, str, datetime, datetime | None] | None:
        """(id, member_id, purpose, expires_at, used_at) of a code, or None."""
        i = invitations
        row = self.conn.execute(
            select(i.c.id, i.c.member_id, i.c.purpose, i.c.expires_at, i.c.used_at).where(
                i.c.code_hash == code_hash
            )
        ).first()
        if row is None:
            return None
        used = as_utc(row.used_at) if row.used_at is not None else None
        return row.id, row.member_id, row.purpose, as_utc(row.expires_at), used

    def use(self, invitation_id: int, at: datetime) -> bool:
        """Mark a code used; False when it was used (or had expired) already: a code works once,
        also when two requests bring it at the same time."""
        i = invitations
        done = self.conn.execute(
            update(i)
            .where(i.c.id == invitation_id, i.c.used_at.is_(None), i.c.expires_at > at)
            .values(used_at=at)
        )
        return done.rowcount == 1


class CredentialRepo(OnConnection):
    """A member's sessions and tokens, and the marks of operator-set passwords."""

    def of_member(self, member_id: int) -> builtins.list[dict[str, Any]]:
        a = t.auth_tokens
        query = (
            select(
                a.c.id,
                a.c.kind,
                a.c.created_at,
                a.c.expires_at,
                a.c.token_hash,
                exists().where(operator_sessions.c.token_hash == a.c.token_hash).label("op"),
            )
            .where(a.c.member_id == member_id)
            .order_by(a.c.created_at.desc(), a.c.id.desc())
        )
        return [
            {
                "id": row.id,
                "kind": row.kind,
                "created_at": as_utc(row.created_at),
                "expires_at": as_utc(row.expires_at),
                "token_hash": row.token_hash,
                "is_operator_set": bool(row.op),
            }
            for row in self.conn.execute(query)
        ]

    def end(self, member_id: int, credential_id: int) -> bool:
        """End one of the member's sessions or tokens; False when it is not theirs or gone."""
        a = t.auth_tokens
        done = self.conn.execute(
            delete(a).where(a.c.id == credential_id, a.c.member_id == member_id)
        )
        return done.rowcount == 1

    def end_all_but(self, member_id: int, keep_hash: str | None) -> int:
        """End every session and token of the member except the one kept; returns how many."""
        a = t.auth_tokens
        where = [a.c.member_id == member_id]
        if keep_hash is not None:
            where.append(a.c.token_hash != keep_hash)
        # their session_activity and operator_sessions rows go with them (ON DELETE CASCADE)
        return int(self.conn.execute(delete(a).where(*where)).rowcount)

    def mark_operator_password(self, member_id: int, at: datetime) -> None:
        self.clear_operator_password(member_id)
        self.conn.execute(insert(operator_passwords).values(member_id=member_id, set_at=at))

    def clear_operator_password(self, member_id: int) -> None:
        op = operator_passwords
        self.conn.execute(delete(op).where(op.c.member_id == member_id))

    def is_operator_password(self, member_id: int) -> bool:
        op = operator_passwords
        found = self.conn.execute(select(op.c.member_id).where(op.c.member_id == member_id)).first()
        return found is not None

    def mark_session(self, token_hash: str) -> None:
        self.conn.execute(insert(operator_sessions).values(token_hash=token_hash))

    def opened_by_operator(self, member_id: int, token_hashes: tuple[str, ...]) -> bool:
        """Whether one of these sessions or tokens is the member's and was opened with a
        password the operator set."""
        a, ops = t.auth_tokens, operator_sessions
        query = (
            select(ops.c.token_hash)
            .join(a, a.c.token_hash == ops.c.token_hash)
            .where(ops.c.token_hash.in_(token_hashes), a.c.member_id == member_id)
        )
        return self.conn.execute(query).first() is not None

    def is_operator_session(self, token_hash: str) -> bool:
        ops = operator_sessions
        found = self.conn.execute(select(ops.c.token_hash).where(ops.c.token_hash == token_hash))
        return found.first() is not None


class RollRepo(OnConnection):
    """Lookups of the roll in bulk."""

    def ids_of(self, usernames: builtins.list[str]) -> dict[str, int]:
        m = t.members
        query = select(m.c.username, m.c.id).where(m.c.username.in_(usernames))
        return {name: int(i) for name, i in tuples(self.conn.execute(query))}


repositories.REPOSITORIES["roll"] = RollRepo
repositories.REPOSITORIES["invitations"] = InvitationRepo
repositories.REPOSITORIES["credentials"] = CredentialRepo
