"""Accounts: passwords (argon2id), API bearer tokens and page sessions.

Tokens carry 256 random bits and only their SHA-256 is stored, so a leaked table grants nothing.
There is no superuser: an account is a member, and its powers come from mandates and offices.
Logins are not acts of the federation and are not written to the public audit log.

Every login issues a new token; a page login replaces the session the browser had, and logout
deletes the session, so its cookie is refused afterwards. A page session ends after an idle time
(no request for DUALPOWER_SESSION_IDLE_MINUTES, default 2 hours) and at the latest
DUALPOWER_SESSION_MAX_HOURS after login (default 7 days); its last use is written at most once a
minute. Failed logins are counted per client address and username together (services/limits.py:
slowed after a few, refused after 100 within an hour), for unknown usernames too and with the
same message, so the answer does not tell whether an account exists, and a stranger's failures
from another address never stop the member's own correct password.

A login with a password the operator set (`dualpower passwd`) opens a session marked as such
(services/credentials.py); the member's own new password ends every other session and token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from dualpower.domain.errors import BadCredentials, NotAllowed
from dualpower.domain.model import Member
from dualpower.services import chance, limits
from dualpower.store.uow import UnitOfWork

# argon2id, RFC 9106's second recommended option: t=3 passes over 64 MiB, 4 lanes.
_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, type=Type.ID)
API_TOKEN_LIFETIME = timedelta(days=30)
SESSION_LIFETIME = timedelta(days=7)  # the default of DUALPOWER_SESSION_MAX_HOURS
TOUCH_EVERY = timedelta(minutes=1)  # a session's last use is written at most this often
# An unknown username's password is checked against this hash, so that the answer takes as long
# as a member's. Made once with _hasher's parameters from a random password no one kept
# (test_accounts.py checks the parameters agree); a literal, since every process importing this
# module (each command, each server) would otherwise spend a hash on it, ~0.1 s of two cores.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$JC8ofDyvAA2/u5hl+oXqlw"
    "$EbtsGmewz/kL8w8KuKr8pf1l3YXyBA4KZsWO5rBzlnk"
)


def hash_password(password: str) -> str:
    return _hasher.hash(password, salt=chance.token_bytes(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    token: str
    member: Member
    csrf_token: str | None = None
    last_seen: datetime | None = None  # page sessions: when last used


def _stored_hash(reader: UnitOfWork, username: str) -> tuple[Member | None, str | None]:
    member = reader.members.by_username(username)
    return member, reader.members.password_hash(member.id) if member else None


def _check_password(member: Member | None, stored: str | None, password: str) -> Member:
    """Argon2 takes tens of milliseconds of CPU: it runs outside any transaction and holds no
    database connection (on SQLite a write transaction would hold the write lock meanwhile);
    the attempt is counted as a failure before, and taken back after a right password."""
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
    lifetime = limits.session_lifetime() if kind == "session" else API_TOKEN_LIFETIME
    now = uow.now()
    uow.tokens.add(
        member_id=member.id,
        token_hash=_digest(token),
        kind=kind,
        csrf_token=csrf,
        created_at=now,
        expires_at=now + lifetime,
    )
    if kind == "session":
        uow.session_activity.add(_digest(token), now)
    if uow.credentials.is_operator_password(member.id):
        uow.credentials.mark_session(_digest(token))  # acts in it are marked in the log
    return Issued(token=token, member=member, csrf_token=csrf, last_seen=now)


def login(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    kind: str = "api",
    replacing: str | None = None,
    address: str = "",
) -> Issued:
    """Check the password and issue an API token (kind="api") or a page session; a page session
    replaces the one the browser had (`replacing`, its token). RateLimited after too many failed
    logins for this username from this client `address` (see services/limits.py)."""
    key = limits.login_key(address, username)
    with uow:  # the attempt counts as a failure until the password turns out right
        limits.check_login(uow, key)
        limits.count(uow, limits.LOGIN_FAILURES, key)
        member, stored = _stored_hash(uow, username)
        uow.commit()
    member = _check_password(member, stored, password)  # BadCredentials: the failure stays
    with UnitOfWork(uow.engine, clock=uow.clock, publish=uow.publish) as uow:
        if not limits.limit(limits.LOGIN_FAILURES).disabled:
            uow.rate_hits.take_back(limits.LOGIN_FAILURES, key)
        if replacing:
            uow.tokens.remove(_digest(replacing))
        issued = _issue(uow, member, kind)
        uow.commit()
    return issued


def check_password(uow: UnitOfWork, username: str, password: str, *, address: str = "") -> Member:
    """Check a member's own password without opening a session or issuing a token: a command
    the operator runs for a member with the member's credentials (`dualpower paper --as`).
    Counted and limited like a login; refused (NotAllowed) while the password is one the
    operator set, which the operator knows."""
    key = limits.login_key(address, username)
    with uow:
        limits.check_login(uow, key)
        limits.count(uow, limits.LOGIN_FAILURES, key)
        member, stored = _stored_hash(uow, username)
        uow.commit()
    member = _check_password(member, stored, password)
    with UnitOfWork(uow.engine, clock=uow.clock, publish=uow.publish) as uow:
        if not limits.limit(limits.LOGIN_FAILURES).disabled:
            uow.rate_hits.take_back(limits.LOGIN_FAILURES, key)
        operator_set = uow.credentials.is_operator_password(member.id)
        uow.commit()
    if operator_set:
        raise NotAllowed(
            f"the password of {username} was set by the operator: they set their own first"
        )
    return member


def authenticate(uow: UnitOfWork, token: str, *, kind: str = "api") -> Issued | None:
    """The member a token belongs to, or None when it is unknown or expired (a page session
    also when unused for longer than the idle timeout)."""
    if not token:
        return None
    digest = _digest(token)
    with uow:
        found = uow.tokens.find(digest, kind)
        last_seen = uow.session_activity.last_seen(digest) if kind == "session" else None
    if found is None:
        return None
    member, csrf, expires_at = found
    now = uow.now()
    if expires_at <= now:
        return None
    if kind == "session" and (last_seen is None or now - last_seen >= limits.session_idle()):
        return None
    return Issued(token=token, member=member, csrf_token=csrf, last_seen=last_seen)


def keep_alive(uow: UnitOfWork, session: Issued) -> None:
    """Note that a page session was used now; writes only when the last note is a minute old."""
    now = uow.now()
    if session.last_seen is not None and now - session.last_seen < TOUCH_EVERY:
        return
    with uow:
        uow.session_activity.touch(_digest(session.token), now, unless_after=now - TOUCH_EVERY)
        uow.commit()


def logout(uow: UnitOfWork, token: str) -> None:
    with uow:
        uow.tokens.remove(_digest(token))  # its session_activity row goes with it (CASCADE)
        uow.commit()


MIN_PASSWORD = 8


def set_password(uow: UnitOfWork, username: str, password: str, *, actor: str) -> None:
    """Set a member's password as the operator (services/credentials.py): a logged operator act,
    the member told and their sessions and tokens ended."""
    from dualpower.services.credentials import operator_set_password

    operator_set_password(uow, username, password, actor=actor)
