"""Login limits that cannot lock a member out (DESIGN.md 2.10, issue 21) on both databases:
failures are counted per client address and username together, slowed after a few, and a
stranger's 1,000 failures from one address never stop the member's own correct password from
another; the answers are the same whether the account exists or not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dualpower.bootstrap import System
from dualpower.domain.errors import BadCredentials
from dualpower.domain.limits import RateLimited
from dualpower.services import limits
from dualpower.services.accounts import login
from factories import PASSWORD, Small, small_federation

STRANGER, MEMBER = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def federation(system: System) -> Small:
    return small_federation(system, elect=False)


class Clock:
    def __init__(self, system: System) -> None:
        self.now = system.clock()
        system.clock = lambda: self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def _answers(system: System, username: str, address: str, tries: int) -> list[str]:
    answers = []
    for _ in range(tries):
        try:
            login(system.uow(), username, "not the password", address=address)
        except BadCredentials as error:
            answers.append(f"401 {error}")
        except RateLimited as error:
            answers.append(f"429 {error} {error.retry_after}")
    return answers


@pytest.mark.slow
def test_a_strangers_thousand_failures_never_stop_the_members_own_login(
    federation: Small,
) -> None:
    system = federation.system
    clock = Clock(system)  # the thousand come within the same second
    answers = _answers(system, "forge1", STRANGER, 1000)
    assert answers[: limits.LOGIN_FREE_FAILURES] == ["401 wrong username or password"] * 5
    assert all(a.startswith("429 ") for a in answers[5:])
    # The stranger's own address is slowed, even with the right password ...
    with pytest.raises(RateLimited):
        login(system.uow(), "forge1", PASSWORD, address=STRANGER)
    # ... the member, from their own address, gets in at once.
    assert login(system.uow(), "forge1", PASSWORD, address=MEMBER).member.username == "forge1"
    assert login(system.uow(), "forge1", PASSWORD, address=MEMBER, kind="session").token
    clock.advance(hours=1)  # and an hour on, the stranger's address is free again
    assert login(system.uow(), "forge1", PASSWORD, address=STRANGER).token


def test_the_answers_do_not_tell_whether_an_account_exists(federation: Small) -> None:
    system = federation.system
    Clock(system)  # time stands still: the same slowdown for both
    known = _answers(system, "forge2", STRANGER, 12)
    unknown = _answers(system, "no-such-member", STRANGER, 12)
    assert known == unknown


def test_failures_are_slowed_more_and_more(federation: Small) -> None:
    system = federation.system
    clock = Clock(system)
    assert _answers(system, "mill3", STRANGER, 5) == ["401 wrong username or password"] * 5
    for pause in (2, 4, 8, 16):
        (refused,) = _answers(system, "mill3", STRANGER, 1)
        assert refused.startswith("429 ") and refused.endswith(f" {pause}")
        clock.advance(seconds=pause)
        assert _answers(system, "mill3", STRANGER, 1) == ["401 wrong username or password"]
    clock.advance(seconds=32)
    assert login(system.uow(), "mill3", PASSWORD, address=STRANGER).member.username == "mill3"


def test_the_hours_limit_holds_per_address_and_username(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_LOGIN_FAILURES", "3")
    system = federation.system
    clock = Clock(system)
    for _ in range(3):
        assert _answers(system, "farm1", STRANGER, 1)[0].startswith("401")
        clock.advance(minutes=6)
    (refused,) = _answers(system, "farm1", STRANGER, 1)
    assert refused.startswith("429 ") and "failed logins" in refused
    assert _answers(system, "farm1", MEMBER, 1)[0].startswith("401")  # another address
    assert _answers(system, "farm2", STRANGER, 1)[0].startswith("401")  # another username
    clock.advance(hours=1)
    assert login(system.uow(), "farm1", PASSWORD, address=STRANGER).member.username == "farm1"
