"""Accounts: passwords (argon2id), API bearer tokens and page sessions.

Tokens carry 256 random bits and only their SHA-256 is stored, so a leaked table grants nothing.
There is no superuser: an account is a member, and its powers come from mandates and offices.
Logins are not acts of the federation and are not written to the public audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dualpower.domain.errors import BadCredentials, InvalidRequest, NotFound
from dualpower.domain.model import Member
from dualpower.store.uow import UnitOfWork

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
API_TOKEN_LIFETIME = timedelta(days=30)
SESSION_LIFETIME = timedelta(days=7)
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    token: str
    member: Member
    csrf_token: str | None = None


def _check_password(uow: UnitOfWork, username: str, password: str) -> Member:
    member = uow.members.by_username(username)
    stored = uow.members.password_hash(member.id) if member else None
    try:
        # Verify against a dummy hash for unknown users too, so timing does not tell them apart.
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise BadCredentials("wrong username or password") from None
    if member is None or stored is None:
        raise BadCredentials("wrong username or password")
    return member


def _issue(uow: UnitOfWork, member: Member, kind: str) -> Issued:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == "session" else None
    lifetime = SESSION_LIFETIME if kind == "session" else API_TOKEN_LIFETIME
    now = uow.now()
    uow.tokens.add(
        member_id=member.id,
        token_hash=_digest(token),
        kind=kind,
        csrf_token=csrf,
        created_at=now,
        expires_at=now + lifetime,
    )
    return Issued(token=token, member=member, csrf_token=csrf)


def login(uow: UnitOfWork, username: str, password: str, *, kind: str = "api") -> Issued:
    """Check the password and issue an API token (kind="api") or a page session."""
    with uow:
        member = _check_password(uow, username, password)
        issued = _issue(uow, member, kind)
        uow.commit()
    return issued


def authenticate(uow: UnitOfWork, token: str, *, kind: str = "api") -> Issued | None:
    """The member a token belongs to, or None when it is unknown or expired."""
    if not token:
        return None
    with uow:
        found = uow.tokens.find(_digest(token), kind)
    if found is None:
        return None
    member, csrf, expires_at = found
    if expires_at <= uow.now():
        return None
    return Issued(token=token, member=member, csrf_token=csrf)


def logout(uow: UnitOfWork, token: str) -> None:
    with uow:
        uow.tokens.remove(_digest(token))
        uow.commit()


MIN_PASSWORD = 8


def set_password(uow: UnitOfWork, username: str, password: str, *, actor: str) -> None:
    """Set a member's password; logged as an act (without the password or its hash)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest(f"a password has at least {MIN_PASSWORD} characters")
    with uow:
        member = uow.members.by_username(username)
        if member is None:
            raise NotFound(f"no member {username!r}")
        uow.members.set(member.id, password_hash=hash_password(password))
        uow.record("member.set_password", {"member": member.id}, actor=actor, is_operator=True)
        uow.commit()
