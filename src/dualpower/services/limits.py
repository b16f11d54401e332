"""Rate limits on logins and on members' acts, counted in the database.

Every limit is a sliding window per subject (a member, or for failed logins the client's
address and the username as typed together, whether or not such an account exists: a stranger's
failures from elsewhere never stop the member's own correct password). Past the limit the act
is refused with
`RateLimited`: HTTP 429, a sentence saying how many are allowed and when to try again, and a
`Retry-After` header in seconds. Hits are counted in the database, so a limit holds across
server processes and restarts; on PostgreSQL a subject's hits are counted under an advisory
lock, so concurrent requests cannot slip past the limit together.

An act's hit is counted in the act's own transaction: an act refused for another reason (a
second ballot: 409) rolls its hit back and does not use up the allowance. API writes are counted
when the bearer token is checked, before the act, so refused writes count too.

| Environment variable           | Default | Per            | Counts                           |
|--------------------------------|---------|----------------|----------------------------------|
| DUALPOWER_LIMIT_LOGIN_FAILURES | 100     | address+user, hour | failed logins (API and page) |
| DUALPOWER_LIMIT_CODE_FAILURES  | 100     | address, hour  | unknown or used invitation codes |
| DUALPOWER_LIMIT_PETITIONS      | 20      | member, hour   | recall petitions opened          |
| DUALPOWER_LIMIT_SIGNATURES     | 60      | member, minute | recall signatures given online   |
| DUALPOWER_LIMIT_BALLOTS        | 30      | member, minute | ballots cast, motion votes cast  |
| DUALPOWER_LIMIT_POSTS          | 30      | member, minute | motions drafted, comments        |
| DUALPOWER_LIMIT_API_WRITES     | 600     | member, minute | API writes (POST, PUT, DELETE)   |

Failed logins are also slowed: after LOGIN_FREE_FAILURES failures of one address and username
within the hour, each further try waits 2, 4, 8 ... seconds (at most LOGIN_SLOWEST) after the
last failure, answered 429 with Retry-After without checking the password.

A value of 0 turns that limit off. Page sessions: DUALPOWER_SESSION_IDLE_MINUTES (default 120)
ends a session unused for that long, DUALPOWER_SESSION_MAX_HOURS (default 168, 7 days) ends
every session that long after login; the session's last use is written at most once a minute.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from dualpower.domain.limits import Limit, RateLimited, refusal, wait
from dualpower.store.uow import UnitOfWork

__all__ = [
    "API_WRITES",
    "BALLOTS",
    "CODE_FAILURES",
    "LOGIN_FAILURES",
    "PETITIONS",
    "POSTS",
    "SIGNATURES",
    "RateLimited",
    "check",
    "check_login",
    "count",
    "hit",
    "login_key",
    "session_idle",
    "session_lifetime",
]

MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
# name: (environment variable, default count, window, what is counted)
_LIMITS: dict[str, tuple[str, int, timedelta, str]] = {
    "login_failures": (
        "DUALPOWER_LIMIT_LOGIN_FAILURES",
        100,
        HOUR,
        "failed logins for this account",
    ),
    "code_failures": (
        "DUALPOWER_LIMIT_CODE_FAILURES",
        100,
        HOUR,
        "unknown, used or expired codes from this address",
    ),
    "petitions": ("DUALPOWER_LIMIT_PETITIONS", 20, HOUR, "recall petitions opened"),
    "signatures": ("DUALPOWER_LIMIT_SIGNATURES", 60, MINUTE, "signatures given"),
    "ballots": ("DUALPOWER_LIMIT_BALLOTS", 30, MINUTE, "ballots and votes cast"),
    "posts": ("DUALPOWER_LIMIT_POSTS", 30, MINUTE, "motions and comments written"),
    "api_writes": ("DUALPOWER_LIMIT_API_WRITES", 600, MINUTE, "write requests to the API"),
}
LOGIN_FAILURES, PETITIONS, SIGNATURES = "login_failures", "petitions", "signatures"
BALLOTS, POSTS, API_WRITES = "ballots", "posts", "api_writes"
CODE_FAILURES = "code_failures"
LOGIN_FREE_FAILURES = 5  # failures of one address and username before logins are slowed
LOGIN_SLOWEST = timedelta(minutes=5)


def _number(variable: str, default: int) -> int:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise ValueError(f"{variable} must be a whole number, not {raw!r}") from None


def limit(name: str) -> Limit:
    """The limit as configured now (read from the environment on each use)."""
    variable, default, window, what = _LIMITS[name]
    return Limit(name, _number(variable, default), window, what)


def session_idle() -> timedelta:
    return timedelta(minutes=_number("DUALPOWER_SESSION_IDLE_MINUTES", 120) or 120)


def session_lifetime() -> timedelta:
    return timedelta(hours=_number("DUALPOWER_SESSION_MAX_HOURS", 168) or 168)


def check(uow: UnitOfWork, name: str, subject: object) -> None:
    """Raise RateLimited if one more hit would pass the limit (inside an entered unit of work;
    on PostgreSQL the subject stays locked until the transaction ends)."""
    rule = limit(name)
    if rule.disabled:
        return
    key, now = str(subject), uow.now()
    uow.rate_hits.lock(name, key)
    delay = wait(rule, uow.rate_hits.since(name, key, now - rule.window), now)
    if delay is not None:
        raise refusal(rule, delay)


def count(uow: UnitOfWork, name: str, subject: object) -> None:
    """Count one hit (and forget this subject's hits that have left the window)."""
    rule = limit(name)
    if rule.disabled:
        return
    key, now = str(subject), uow.now()
    uow.rate_hits.forget_before(name, key, now - rule.window)
    uow.rate_hits.add(name, key, now)


def hit(uow: UnitOfWork, name: str, subject: object) -> None:
    """Check and count one hit in the caller's transaction: the one call an act makes (two
    statements on PostgreSQL with the subject's lock, two on SQLite; see RateHitRepo)."""
    rule = limit(name)
    if rule.disabled:
        return
    key, now = str(subject), uow.now()

    def refuse(earlier: list[datetime]) -> RateLimited | None:
        delay = wait(rule, earlier, now)
        return None if delay is None else refusal(rule, delay)

    uow.rate_hits.lock(name, key)
    uow.rate_hits.count_hit(name, key, now, now - rule.window, refuse)


def login_key(address: str, username: str) -> str:
    """The subject of failed logins: the client's address and the username together."""
    return f"{address or '-'}|{username.strip().casefold()}"


def check_login(uow: UnitOfWork, key: str) -> None:
    """Raise RateLimited if a login for this address and username is refused now: past the
    hour's limit, or sooner after the last failure than the slowdown allows. The same answer
    whether the account exists or not."""
    rule = limit(LOGIN_FAILURES)
    if rule.disabled:
        return
    now = uow.now()
    uow.rate_hits.lock(LOGIN_FAILURES, key)
    earlier = uow.rate_hits.since(LOGIN_FAILURES, key, now - rule.window)
    delay = wait(rule, earlier, now)
    if delay is None:
        delay = slowdown(earlier, now)
    if delay is not None:
        raise RateLimited(
            "too many failed logins for this account from this address; "
            f"try again in {delay} second{'s' if delay != 1 else ''}",
            delay,
        )


def slowdown(failures: list[datetime], now: datetime) -> int | None:
    """Seconds still to wait after the last of these failures, or None: none for the first
    LOGIN_FREE_FAILURES, then 2, 4, 8 ... seconds, at most LOGIN_SLOWEST."""
    excess = len(failures) - LOGIN_FREE_FAILURES + 1
    if excess <= 0:
        return None
    pause = min(timedelta(seconds=2 ** min(excess, 20)), LOGIN_SLOWEST)
    left = max(failures) + pause - now
    if left <= timedelta(0):
        return None
    return max(1, int(left.total_seconds() + 0.999))


def forget(uow: UnitOfWork, name: str, subject: object) -> None:
    uow.rate_hits.forget(name, str(subject))


def api_write(uow: UnitOfWork, member_id: int) -> None:
    """Count an API write by a member in its own transaction; RateLimited past the limit."""
    if limit(API_WRITES).disabled:
        return
    with uow:
        hit(uow, API_WRITES, member_id)
        uow.commit()
