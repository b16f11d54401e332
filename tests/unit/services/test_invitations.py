"""Invitations and resets (DESIGN.md 2.10) on both databases: codes for members without a
password, stored only as digests; a code sets the member's own password once, until it expires;
two requests with one code: one wins; a reset ends the member's other sessions and tokens; wrong
codes are limited per address and answered alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from dualpower.bootstrap import System
from dualpower.domain.errors import BadCredentials, InvalidRequest
from dualpower.domain.invitations import CodeMailed, normalise
from dualpower.domain.limits import RateLimited
from dualpower.services import accounts, invitations
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.services.roll_changes import add_member
from dualpower.store import tables as t
from dualpower.store.tables_members import invitations as invitations_table
from factories import Small, small_federation

NEW = "a fresh password"


@pytest.fixture
def federation(system: System) -> Small:
    fed = small_federation(system, elect=False)
    for i in range(3):
        add_member(system.uow(), f"new{i}", f"New Member {i}", "Forge", OPERATOR_CALLER)
    add_member(
        system.uow(), "mailed", "Mailed Member", "Mill", OPERATOR_CALLER, email="m@example.org"
    )
    return fed


class Clock:
    def __init__(self, system: System) -> None:
        self.now = system.clock()
        system.clock = lambda: self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def test_codes_go_to_members_without_a_password_and_are_stored_as_digests(
    federation: Small,
) -> None:
    system = federation.system
    codes = invitations.issue_invitations(system.uow(), "Forge", actor="operator")
    assert sorted(c.username for c in codes) == ["new0", "new1", "new2"]
    everyone = invitations.issue_invitations(system.uow(), None, actor="operator")
    assert sorted(c.username for c in everyone) == ["mailed", "new0", "new1", "new2"]
    with system.engine.connect() as conn:
        stored = list(conn.execute(select(invitations_table)))
        log = " ".join(conn.execute(select(t.audit_log.c.payload)).scalars())
    assert len(stored) == 4  # the second issue replaced the first, unused codes
    for code in everyone:
        assert normalise(code.code) not in log and code.code not in log
        assert all(normalise(code.code) not in row.code_hash for row in stored)


def test_a_code_sets_the_members_own_password_once(federation: Small) -> None:
    system = federation.system
    (code,) = invitations.issue_invitations(system.uow(), None, usernames=["new0"], actor="op")
    done = invitations.redeem(system.uow(), code.code.lower().replace("-", " "), NEW)
    assert done.purpose == "join" and done.issued.member.username == "new0"
    assert accounts.authenticate(system.uow(), done.issued.token) is not None
    assert accounts.login(system.uow(), "new0", NEW).member.username == "new0"
    with pytest.raises(BadCredentials, match="unknown, used or expired"):
        invitations.redeem(system.uow(), code.code, "another password")
    with pytest.raises(BadCredentials):
        accounts.login(system.uow(), "new0", "another password")


def test_an_expired_code_and_a_short_password_are_refused(federation: Small) -> None:
    system = federation.system
    clock = Clock(system)
    (code,) = invitations.issue_invitations(system.uow(), None, usernames=["new1"], actor="op")
    with pytest.raises(InvalidRequest, match="at least 8"):
        invitations.redeem(system.uow(), code.code, "short")
    clock.advance(days=31)
    with pytest.raises(BadCredentials, match="unknown, used or expired"):
        invitations.redeem(system.uow(), code.code, NEW)
    with system.engine.connect() as conn:
        stored = conn.execute(
            select(t.members.c.password_hash).where(t.members.c.username == "new1")
        ).scalar()
    assert stored is None


def test_two_requests_with_one_code_one_wins(federation: Small) -> None:
    system = federation.system
    (code,) = invitations.issue_invitations(system.uow(), None, usernames=["new2"], actor="op")

    def attempt(password: str) -> str:
        try:
            invitations.redeem(system.uow(), code.code, password)
        except BadCredentials:
            return "refused"
        return password

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(attempt, ["first password", "second password"]))
    assert results.count("refused") == 1
    winner = next(r for r in results if r != "refused")
    assert accounts.login(system.uow(), "new2", winner).member.username == "new2"


def test_a_reset_by_mail_ends_the_old_token_and_session(federation: Small) -> None:
    system = federation.system
    mailed: list[CodeMailed] = []
    system.subscribe(lambda event: mailed.append(event) if isinstance(event, CodeMailed) else None)
    (code,) = invitations.issue_invitations(system.uow(), None, usernames=["mailed"], actor="op")
    invitations.redeem(system.uow(), code.code, NEW)
    token = accounts.login(system.uow(), "mailed", NEW).token
    session = accounts.login(system.uow(), "mailed", NEW, kind="session").token
    invitations.request_reset(system.uow(), "nobody-here")  # nothing, and no error
    invitations.request_reset(system.uow(), "forge1")  # no address: nothing
    assert mailed == []
    invitations.request_reset(system.uow(), "m@example.org")
    (event,) = mailed
    (reset,) = event.codes
    assert reset.purpose == "reset" and reset.email == "m@example.org"
    done = invitations.redeem(system.uow(), reset.code, "forgot it, new one")
    assert done.purpose == "reset"
    assert accounts.authenticate(system.uow(), token) is None
    assert accounts.authenticate(system.uow(), session, kind="session") is None
    assert accounts.authenticate(system.uow(), done.issued.token) is not None


def test_wrong_codes_are_limited_per_address(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_CODE_FAILURES", "3")
    system = federation.system
    (code,) = invitations.issue_invitations(system.uow(), None, usernames=["new0"], actor="op")
    for _ in range(3):
        with pytest.raises(BadCredentials, match="unknown, used or expired"):
            invitations.redeem(system.uow(), "AAAA-AAAA-AAAA-AAAA", NEW, address="192.0.2.1")
    with pytest.raises(RateLimited):
        invitations.redeem(system.uow(), code.code, NEW, address="192.0.2.1")
    done = invitations.redeem(system.uow(), code.code, NEW, address="192.0.2.2")
    assert done.issued.member.username == "new0"
