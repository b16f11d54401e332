"""Logins under abuse (issue 23): argon2 runs with no database connection checked out and no
transaction open, so a write (on SQLite: the write lock) never waits on a password check."""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher

from dualpower.bootstrap import System
from dualpower.domain.errors import BadCredentials
from dualpower.domain.limits import RateLimited
from dualpower.services import accounts
from dualpower.services.accounts import login
from factories import PASSWORD, Small, small_federation


@pytest.fixture
def federation(system: System) -> Small:
    return small_federation(system, elect=False)


class _Watching(PasswordHasher):
    """The real argon2id check, noting how many pooled connections are out while it runs and
    whether a write transaction can begin and commit meanwhile."""

    def __init__(self, system: System) -> None:
        super().__init__(time_cost=1, memory_cost=8192, parallelism=1)
        self.system = system
        self.checked_out: list[int] = []
        self.wrote: list[bool] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        self.checked_out.append(self.system.engine.pool.checkedout())  # type: ignore[attr-defined]
        done = threading.Event()

        def write() -> None:
            with self.system.uow() as uow:
                uow.commit()
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        self.wrote.append(done.wait(5))
        writer.join()
        return super().verify(hash, password)


@pytest.mark.parametrize("password", [PASSWORD, "wrong"])
def test_password_check_holds_no_connection(
    federation: Small, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    watching = _Watching(federation.system)
    monkeypatch.setattr(accounts, "_hasher", watching)
    if password == PASSWORD:
        assert login(federation.system.uow(), "forge1", password).member.username == "forge1"
    else:
        with pytest.raises(BadCredentials):
            login(federation.system.uow(), "forge1", password)
    assert watching.checked_out == [0]
    assert watching.wrote == [True]


def test_a_right_password_takes_its_counted_attempt_back(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_LOGIN_FAILURES", "2")
    for _ in range(3):
        login(federation.system.uow(), "forge1", PASSWORD)
    with pytest.raises(BadCredentials):
        login(federation.system.uow(), "forge1", "wrong")
    login(federation.system.uow(), "forge1", PASSWORD)


def test_failures_are_still_counted_and_limited(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_LOGIN_FAILURES", "2")
    for _ in range(2):
        with pytest.raises(BadCredentials):
            login(federation.system.uow(), "forge1", "wrong")
    with pytest.raises(RateLimited):
        login(federation.system.uow(), "forge1", PASSWORD)
