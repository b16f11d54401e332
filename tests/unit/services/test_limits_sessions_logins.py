"""Sessions and logins (issue 7 item 6) on both databases: a new token at every login, the old
session replaced, logout refusing the old token, idle and absolute timeouts, at most 100 failed
logins per username per hour (counted in the database, unknown usernames too, concurrent tries
included), argon2id hashes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from dualpower.bootstrap import System
from dualpower.domain.errors import BadCredentials
from dualpower.domain.limits import RateLimited
from dualpower.services import accounts, limits
from dualpower.services.accounts import authenticate, keep_alive, login, logout
from dualpower.store import tables as t
from dualpower.store.db import make_engine
from dualpower.store.tables_limits import rate_hits, session_activity
from factories import PASSWORD, Small, small_federation


@pytest.fixture
def federation(system: System) -> Small:
    return small_federation(system, elect=False)


class Clock:
    def __init__(self, system: System) -> None:
        self.now = system.clock()
        system.clock = lambda: self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def _count(system: System, table) -> int:  # type: ignore[no-untyped-def]
    with system.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_hashes_are_argon2id_with_rfc9106_parameters() -> None:
    stored = accounts.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordHasher().verify(stored, "correct horse battery")


def test_every_login_issues_a_new_token_and_a_page_login_replaces_the_old_session(
    federation: Small,
) -> None:
    system = federation.system
    first = login(system.uow(), "forge1", PASSWORD, kind="session")
    second = login(system.uow(), "forge1", PASSWORD, kind="session", replacing=first.token)
    assert second.token != first.token and second.csrf_token != first.csrf_token
    assert authenticate(system.uow(), first.token, kind="session") is None
    assert authenticate(system.uow(), second.token, kind="session") is not None
    assert _count(system, t.auth_tokens) == 1 and _count(system, session_activity) == 1


def test_logout_refuses_the_old_session_and_forgets_its_activity(federation: Small) -> None:
    system = federation.system
    issued = login(system.uow(), "mill2", PASSWORD, kind="session")
    logout(system.uow(), issued.token)
    assert authenticate(system.uow(), issued.token, kind="session") is None
    assert _count(system, t.auth_tokens) == 0 and _count(system, session_activity) == 0


def test_idle_session_ends_and_use_keeps_it_alive(federation: Small) -> None:
    system = federation.system
    clock = Clock(system)
    issued = login(system.uow(), "farm2", PASSWORD, kind="session")
    for _ in range(3):  # used every 119 minutes: still alive after almost 6 hours
        clock.advance(minutes=119)
        found = authenticate(system.uow(), issued.token, kind="session")
        assert found is not None
        keep_alive(system.uow(), found)
    clock.advance(minutes=120)  # unused for the idle time: ended
    assert authenticate(system.uow(), issued.token, kind="session") is None


def test_idle_time_is_settable(federation: Small, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALPOWER_SESSION_IDLE_MINUTES", "5")
    system = federation.system
    clock = Clock(system)
    issued = login(system.uow(), "farm2", PASSWORD, kind="session")
    clock.advance(minutes=4)
    assert authenticate(system.uow(), issued.token, kind="session") is not None
    clock.advance(minutes=1)
    assert authenticate(system.uow(), issued.token, kind="session") is None


def test_last_use_is_written_at_most_once_a_minute(federation: Small) -> None:
    system = federation.system
    clock = Clock(system)
    issued = login(system.uow(), "farm3", PASSWORD, kind="session")
    start = clock.now
    writes = []

    def seen() -> object:
        with system.engine.connect() as conn:
            return conn.execute(select(session_activity.c.last_seen)).scalar_one()

    for _ in range(12):  # a request every 10 seconds for two minutes
        clock.advance(seconds=10)
        found = authenticate(system.uow(), issued.token, kind="session")
        assert found is not None
        keep_alive(system.uow(), found)
        writes.append(seen())
    assert len(set(writes)) == 3  # the login, then +60 s and +120 s: not every request
    assert authenticate(system.uow(), issued.token, kind="session").last_seen == (  # type: ignore[union-attr]
        start + timedelta(seconds=120)
    )


def test_absolute_timeout_ends_a_session_in_use(federation: Small) -> None:
    system = federation.system
    clock = Clock(system)
    issued = login(system.uow(), "barracks3", PASSWORD, kind="session")
    for _ in range(7 * 24 - 1):  # used every hour for 7 days less an hour
        clock.advance(hours=1)
        found = authenticate(system.uow(), issued.token, kind="session")
        assert found is not None
        keep_alive(system.uow(), found)
    clock.advance(hours=1)
    assert authenticate(system.uow(), issued.token, kind="session") is None


def _fail(system: System, username: str, times: int) -> None:
    """`times` failed logins counted as the service counts them (argon2 is too slow for 100),
    from the address a call without one has."""
    with system.uow() as uow:
        for _ in range(times):
            limits.count(uow, limits.LOGIN_FAILURES, limits.login_key("", username))
        uow.commit()


@pytest.mark.parametrize("username", ["forge3", "nobody"])
def test_the_101st_login_within_an_hour_is_refused_for_known_and_unknown_names(
    federation: Small, username: str, database_url: str
) -> None:
    system = federation.system
    clock = Clock(system)
    _fail(system, username, 99)
    clock.advance(minutes=5)  # past the slowdown (services/limits.py)
    with pytest.raises(BadCredentials):  # the 100th failure is still checked
        login(system.uow(), username, "wrong password")
    clock.advance(minutes=1)
    for password in ("wrong password", PASSWORD):  # even the right password now
        with pytest.raises(RateLimited) as refused:
            login(system.uow(), username.upper(), password)
        assert refused.value.message.startswith("too many failed logins for this account")
        assert 3200 <= refused.value.retry_after <= 3600
    # the same answer whether or not the account exists
    assert "exist" not in refused.value.message
    # counted in the database: another process (a new engine) refuses too
    other = System(make_engine(database_url), clock=system.clock)
    try:
        with pytest.raises(RateLimited):
            login(other.uow(), username, PASSWORD)
    finally:
        other.engine.dispose()
    assert _count(system, t.auth_tokens) == 0
    clock.advance(hours=1)  # the earliest failures leave the window
    if username == "forge3":
        assert login(system.uow(), username, PASSWORD).member.username == "forge3"
    else:
        with pytest.raises(BadCredentials):
            login(system.uow(), username, PASSWORD)


def test_other_accounts_are_not_locked_out(federation: Small) -> None:
    _fail(federation.system, "forge3", 100)
    assert login(federation.system.uow(), "forge4", PASSWORD).member.username == "forge4"


def test_concurrent_failed_logins_do_not_slip_past_the_limit(federation: Small) -> None:
    system = federation.system
    clock = Clock(system)
    _fail(system, "forge5", 96)
    clock.advance(minutes=5)  # past the slowdown: one more failure may be checked, no more

    def attempt(_: int) -> str:
        try:
            login(system.uow(), "forge5", "wrong password")
        except BadCredentials:
            return "401"
        except RateLimited:
            return "429"
        return "200"

    with ThreadPoolExecutor(8) as pool:
        answers = sorted(pool.map(attempt, range(8)))
    assert answers == ["401"] + ["429"] * 7
    assert _count(system, rate_hits) == 97
