"""Accounts (services/accounts.py): argon2id passwords, bearer tokens of at least 128 random
bits stored only as hashes, expiry, and no way in with a wrong password."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from datetime import timedelta

import argon2
import pytest
from sqlalchemy import select

from dualpower.bootstrap import System
from dualpower.domain.errors import BadCredentials, InvalidRequest, NotFound
from dualpower.services import accounts
from dualpower.services.accounts import authenticate, hash_password, login, logout, set_password
from dualpower.store import tables as t
from factories import PASSWORD, Small, small_federation


@pytest.fixture
def federation(system: System) -> Small:
    """The small federation without its elections: these tests need only its roll."""
    return small_federation(system, elect=False)


def test_hash_is_argon2id_and_salted() -> None:
    one, two = hash_password("correct horse"), hash_password("correct horse")
    assert one.startswith("$argon2id$") and two.startswith("$argon2id$")
    assert one != two and "correct horse" not in one


def test_an_unknown_username_is_checked_against_a_hash_of_the_members_cost() -> None:
    """The answer for an unknown username takes as long as a member's (no timing tells them
    apart): the dummy hash has the parameters of the hashes `hash_password` makes."""
    dummy = argon2.extract_parameters(accounts._DUMMY_HASH)
    assert dummy == argon2.extract_parameters(hash_password("correct horse"))
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        accounts._hasher.verify(accounts._DUMMY_HASH, "not a password of anyone")


def test_importing_the_accounts_makes_no_hash() -> None:
    """Every command and server imports the accounts: its import spends no argon2 hash."""
    script = (
        "import argon2\n"
        "made = []\n"
        "hash_ = argon2.PasswordHasher.hash\n"
        "argon2.PasswordHasher.hash = lambda *a, **k: made.append(1) or hash_(*a, **k)\n"
        "import dualpower.services.accounts\n"
        "print(len(made))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def test_login_issues_a_long_random_token_stored_only_hashed(federation: Small) -> None:
    issued = login(federation.system.uow(), "forge1", PASSWORD)
    again = login(federation.system.uow(), "forge1", PASSWORD)
    assert issued.member.username == "forge1" and issued.csrf_token is None
    assert issued.token != again.token
    raw = base64.urlsafe_b64decode(issued.token + "=" * (-len(issued.token) % 4))
    assert len(raw) * 8 >= 128
    with federation.system.engine.connect() as conn:
        rows = conn.execute(select(t.auth_tokens)).all()
    assert len(rows) == 2
    stored = {r.token_hash for r in rows}
    assert hashlib.sha256(issued.token.encode()).hexdigest() in stored
    for row in rows:
        assert issued.token not in {str(v) for v in row}
        assert all(issued.token not in str(v) for v in row)


def test_authenticate_finds_the_member(federation: Small) -> None:
    issued = login(federation.system.uow(), "mill3", PASSWORD)
    found = authenticate(federation.system.uow(), issued.token)
    assert found is not None and found.member.id == federation.members["mill3"]
    assert authenticate(federation.system.uow(), issued.token + "x") is None
    assert authenticate(federation.system.uow(), "") is None
    assert authenticate(federation.system.uow(), issued.token, kind="session") is None


def test_session_carries_a_csrf_token(federation: Small) -> None:
    issued = login(federation.system.uow(), "mill3", PASSWORD, kind="session")
    assert issued.csrf_token and len(issued.csrf_token) >= 22
    found = authenticate(federation.system.uow(), issued.token, kind="session")
    assert found is not None and found.csrf_token == issued.csrf_token


def test_tokens_expire(federation: Small) -> None:
    system = federation.system
    issued = login(system.uow(), "farm1", PASSWORD)
    start = system.clock()
    system.clock = lambda: start + accounts.API_TOKEN_LIFETIME - timedelta(minutes=1)
    assert authenticate(system.uow(), issued.token) is not None
    system.clock = lambda: start + accounts.API_TOKEN_LIFETIME + timedelta(minutes=1)
    assert authenticate(system.uow(), issued.token) is None


def test_logout_revokes(federation: Small) -> None:
    issued = login(federation.system.uow(), "farm1", PASSWORD)
    logout(federation.system.uow(), issued.token)
    assert authenticate(federation.system.uow(), issued.token) is None


@pytest.mark.parametrize(
    ("username", "password"),
    [("forge1", "wrong password"), ("forge1", ""), ("nobody", PASSWORD), ("FORGE1", PASSWORD)],
)
def test_wrong_credentials(federation: Small, username: str, password: str) -> None:
    with pytest.raises(BadCredentials, match="wrong username or password"):
        login(federation.system.uow(), username, password)
    with federation.system.engine.connect() as conn:
        assert conn.execute(select(t.auth_tokens)).all() == []


def test_member_without_password_cannot_log_in(federation: Small) -> None:
    from dualpower.services.roll import import_roll

    import_roll(
        federation.system.uow(), "username,name\nanna,Anna\n", "Forge", actor=None, is_operator=True
    )
    with pytest.raises(BadCredentials):
        login(federation.system.uow(), "anna", "")
    with pytest.raises(BadCredentials):
        login(federation.system.uow(), "anna", "not a password of anyone")


def test_set_password(federation: Small) -> None:
    set_password(federation.system.uow(), "barracks2", "a brand new one", actor="operator")
    with pytest.raises(BadCredentials):
        login(federation.system.uow(), "barracks2", PASSWORD)
    assert login(federation.system.uow(), "barracks2", "a brand new one").member.username == (
        "barracks2"
    )
    with pytest.raises(InvalidRequest):
        set_password(federation.system.uow(), "barracks2", "short", actor="operator")
    with pytest.raises(NotFound):
        set_password(federation.system.uow(), "nobody", "long enough", actor="operator")
