"""A member's credentials (DESIGN.md 2.10) on both databases: a new password ends every other
session and token; the member lists and ends their own, never another's; the operator's password
is a logged act that tells the member, ends their sessions and marks those opened with it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dualpower.bootstrap import System
from dualpower.domain.errors import BadCredentials, InvalidRequest, NotFound
from dualpower.services import accounts, credentials
from dualpower.store import tables as t
from factories import PASSWORD, Small, small_federation

NEW = "my own new password"


@pytest.fixture
def federation(system: System) -> Small:
    return small_federation(system, elect=False)


def test_a_new_password_ends_every_other_session_and_token(federation: Small) -> None:
    system = federation.system
    token = accounts.login(system.uow(), "forge1", PASSWORD).token
    session = accounts.login(system.uow(), "forge1", PASSWORD, kind="session").token
    current = accounts.login(system.uow(), "forge1", PASSWORD).token
    other_member = accounts.login(system.uow(), "forge2", PASSWORD).token
    member_id = federation.members["forge1"]
    ended = credentials.change_password(system.uow(), member_id, PASSWORD, NEW, token=current)
    assert ended == 2
    assert accounts.authenticate(system.uow(), token) is None
    assert accounts.authenticate(system.uow(), session, kind="session") is None
    assert accounts.authenticate(system.uow(), current) is not None
    assert accounts.authenticate(system.uow(), other_member) is not None
    with pytest.raises(BadCredentials):
        accounts.login(system.uow(), "forge1", PASSWORD)
    assert accounts.login(system.uow(), "forge1", NEW).member.id == member_id


def test_a_wrong_current_password_or_a_short_new_one_changes_nothing(federation: Small) -> None:
    system = federation.system
    token = accounts.login(system.uow(), "mill1", PASSWORD).token
    other = accounts.login(system.uow(), "mill1", PASSWORD).token
    member_id = federation.members["mill1"]
    with pytest.raises(BadCredentials, match="current password is wrong"):
        credentials.change_password(system.uow(), member_id, "not it", NEW, token=token)
    with pytest.raises(InvalidRequest, match="at least 8"):
        credentials.change_password(system.uow(), member_id, PASSWORD, "short", token=token)
    assert accounts.authenticate(system.uow(), other) is not None
    assert accounts.login(system.uow(), "mill1", PASSWORD).token


def test_a_member_lists_and_ends_their_own_credentials_only(federation: Small) -> None:
    system = federation.system
    api = accounts.login(system.uow(), "farm1", PASSWORD).token
    session = accounts.login(system.uow(), "farm1", PASSWORD, kind="session").token
    theirs = accounts.login(system.uow(), "farm2", PASSWORD).token
    me, them = federation.members["farm1"], federation.members["farm2"]
    listed = credentials.list_credentials(system.uow(), me, current=api)
    assert sorted(c.kind for c in listed) == ["api", "session"]
    assert [c.is_current for c in listed if c.kind == "api"] == [True]
    (their_token,) = credentials.list_credentials(system.uow(), them, current=None)
    with pytest.raises(NotFound):
        credentials.end_credential(system.uow(), me, their_token.id)
    assert accounts.authenticate(system.uow(), theirs) is not None
    (mine,) = [c for c in listed if c.kind == "session"]
    credentials.end_credential(system.uow(), me, mine.id)
    assert accounts.authenticate(system.uow(), session, kind="session") is None
    assert accounts.authenticate(system.uow(), api) is not None
    assert _acts(system, "member.end_credential") == [
        (str(me), {"member": me, "credential": mine.id})
    ]


def _acts(system: System, act: str) -> list[tuple[str | None, dict[str, object]]]:
    with system.engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_log.c.actor, t.audit_log.c.payload).where(t.audit_log.c.act == act)
        )
        return [(actor, p if isinstance(p, dict) else json.loads(p)) for actor, p in rows]


def test_ending_every_other_credential_is_logged_as_the_members_act(federation: Small) -> None:
    system = federation.system
    current = accounts.login(system.uow(), "farm3", PASSWORD).token
    accounts.login(system.uow(), "farm3", PASSWORD, kind="session")
    accounts.login(system.uow(), "farm3", PASSWORD)
    me = federation.members["farm3"]
    assert credentials.end_others(system.uow(), me, current=current) == 2
    assert accounts.authenticate(system.uow(), current) is not None
    assert _acts(system, "member.end_credentials") == [(str(me), {"member": me, "ended": 2})]
    with pytest.raises(NotFound):  # a refused end writes nothing
        credentials.end_credential(system.uow(), me, 10**9)
    assert _acts(system, "member.end_credential") == []


def test_the_operators_password_is_logged_told_and_marks_its_sessions(federation: Small) -> None:
    system = federation.system
    before = accounts.login(system.uow(), "barracks1", PASSWORD).token
    member_id = federation.members["barracks1"]
    ended = credentials.operator_set_password(
        system.uow(), "barracks1", "set by the operator", actor="operator"
    )
    assert ended == 1 and accounts.authenticate(system.uow(), before) is None
    with system.engine.connect() as conn:
        act = conn.execute(
            select(t.audit_log).where(t.audit_log.c.act == "member.set_password")
        ).one()
        told = conn.execute(
            select(t.notifications.c.kind).where(t.notifications.c.member_id == member_id)
        ).scalars()
        assert list(told) == ["password_set"]
    assert act.is_operator and act.actor == "operator"
    assert json.loads(act.payload) == {"member": member_id, "ended": 1}
    marked = accounts.login(system.uow(), "barracks1", "set by the operator").token
    (listed,) = credentials.list_credentials(system.uow(), member_id, current=marked)
    assert listed.is_operator_set
    credentials.change_password(system.uow(), member_id, "set by the operator", NEW, token=marked)
    own = accounts.login(system.uow(), "barracks1", NEW).token
    rows = credentials.list_credentials(system.uow(), member_id, current=own)
    assert [c.is_operator_set for c in rows if c.is_current] == [False]


def test_an_unknown_member_or_a_short_operator_password_is_refused(federation: Small) -> None:
    system = federation.system
    with pytest.raises(NotFound):
        credentials.operator_set_password(system.uow(), "nobody", "long enough", actor="op")
    with pytest.raises(InvalidRequest):
        credentials.operator_set_password(system.uow(), "forge1", "short", actor="op")
