"""A member's credentials (DESIGN.md 2.10): their password, sessions and API tokens.

- A new password ends every other session and token of the member: one they set themselves
  (changing it, or with an invitation or reset code) keeps only the session that set it; one the
  operator set (`dualpower passwd`) ends them all.
- The operator's password is a logged operator act, the member is told (a notification, and mail
  when SMTP is configured), and sessions opened with it are marked: acts done in them are logged
  with the actor marked `operator-set` (store/uow.py) until the member sets their own password.
- A member sees their sessions and tokens (kind, opened, expires; never the token) and ends any:
  a logged act of theirs (`member.end_credential`, or `member.end_credentials` for all others).
  A plain logout is not logged, as a login is not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from argon2.exceptions import InvalidHashError, VerificationError

from dualpower.domain.errors import BadCredentials, InvalidRequest, NotFound
from dualpower.domain.events import Notified
from dualpower.domain.model import Member
from dualpower.services import accounts
from dualpower.store.uow import UnitOfWork

MIN_PASSWORD = 8
MAX_PASSWORD = 1000


@dataclass(frozen=True)
class Credential:
    id: int
    kind: str  # "api" or "session"
    created_at: datetime
    expires_at: datetime
    is_current: bool  # the one this request came with
    is_operator_set: bool  # opened with a password the operator set


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidRequest(f"a password has at most {MAX_PASSWORD} characters")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_own_password_in(
    uow: UnitOfWork, member: Member, password_hash: str, *, keep_token: str | None, act: str
) -> int:
    """Inside an entered unit of work: the member's own new password, every other session and
    token ended, the operator's mark removed; logged as the member's act. Returns how many
    sessions and tokens ended."""
    uow.members.set(member.id, password_hash=password_hash)
    uow.credentials.clear_operator_password(member.id)
    ended = uow.credentials.end_all_but(
        member.id, _digest(keep_token) if keep_token is not None else None
    )
    uow.record(act, {"member": member.id, "ended": ended}, actor=str(member.id))
    return int(ended)


def change_password(uow: UnitOfWork, member_id: int, current: str, new: str, *, token: str) -> int:
    """The member changes their password, giving the current one; the session or token `token`
    stays, every other one ends. Returns how many ended."""
    check_new_password(new)
    with UnitOfWork(uow.engine, clock=uow.clock, read_only=True) as reader:
        stored = reader.members.password_hash(member_id)
    try:  # argon2 outside any transaction (see accounts._check_password)
        accounts._hasher.verify(stored or accounts._DUMMY_HASH, current)
    except (VerificationError, InvalidHashError):
        raise BadCredentials("the current password is wrong") from None
    if stored is None:
        raise BadCredentials("the current password is wrong")
    new_hash = accounts.hash_password(new)
    with uow:
        member = uow.members.get(member_id)
        if member is None:
            raise NotFound("no such member")
        ended = set_own_password_in(
            uow, member, new_hash, keep_token=token, act="member.change_password"
        )
        uow.commit()
    return ended


def operator_set_password(uow: UnitOfWork, username: str, password: str, *, actor: str) -> int:
    """`dualpower passwd`: a logged operator act. The member is told, every session and token of
    theirs ends, and sessions opened with this password are marked (until they set their own).
    Returns how many sessions and tokens ended."""
    check_new_password(password)
    new_hash = accounts.hash_password(password)
    with uow:
        member = uow.members.by_username(username)
        if member is None:
            raise NotFound(f"no member {username!r}")
        uow.members.set(member.id, password_hash=new_hash)
        ended = uow.credentials.end_all_but(member.id, None)
        uow.credentials.mark_operator_password(member.id, uow.now())
        uow.record(
            "member.set_password",
            {"member": member.id, "ended": ended},
            actor=actor,
            is_operator=True,
        )
        _tell(uow, member.id)
        uow.commit()
    return int(ended)


def _tell(uow: UnitOfWork, member_id: int) -> None:
    subject = (
        "The server's operator set a new password for your account; your other sessions were "
        "ended. If you did not ask for it, set your own password now"
    )
    uow.notifications.add_many(
        [
            {
                "member_id": member_id,
                "kind": "password_set",
                "subject": subject,
                "link": "/me#credentials",
                "created_at": uow.now(),
            }
        ]
    )
    uow.emit(Notified((member_id,), "password_set", subject, "/me#credentials"))


def list_credentials(uow: UnitOfWork, member_id: int, *, current: str | None) -> list[Credential]:
    """The member's sessions and tokens still in force, newest first."""
    current_hash = _digest(current) if current else None
    with uow:
        rows = uow.credentials.of_member(member_id)
    now = uow.now()
    return [
        Credential(
            id=row["id"],
            kind=row["kind"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            is_current=row["token_hash"] == current_hash,
            is_operator_set=row["is_operator_set"],
        )
        for row in rows
        if row["expires_at"] > now
    ]


def end_credential(uow: UnitOfWork, member_id: int, credential_id: int) -> None:
    """The member ends one of their sessions or tokens (404 for anyone else's)."""
    with uow:
        if not uow.credentials.end(member_id, credential_id):
            raise NotFound("no such session or token of yours")
        uow.record(
            "member.end_credential",
            {"member": member_id, "credential": credential_id},
            actor=str(member_id),
        )
        uow.commit()


def end_others(uow: UnitOfWork, member_id: int, *, current: str) -> int:
    """The member ends every session and token but the current one; returns how many."""
    with uow:
        ended = uow.credentials.end_all_but(member_id, _digest(current))
        uow.record(
            "member.end_credentials", {"member": member_id, "ended": ended}, actor=str(member_id)
        )
        uow.commit()
    return int(ended)
