"""Getting in over HTTP (DESIGN.md 2.10, 4.1), on both databases: POST /auth/join with a code
answers 201 and a token, once; the /join form works without JavaScript and refuses a missing
CSRF token; a reset asked by mail is answered alike for anyone; /me/credentials lists and ends
sessions and tokens (API and page); /auth/logout ends a token; a new password ends the others;
a stranger's failed logins from one address never stop the member's login from another."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import invitations
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.services.roll_changes import add_member
from dualpower.web.app import create_app
from dualpower.web.deps import SESSION_COOKIE
from factories import PASSWORD

API = "/api/v1"
NEW = "a password of my own"


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    add_member(system.uow(), "newbie", "New Member", "Forge", OPERATOR_CALLER)
    with TestClient(create_app(system)) as c:
        yield c


def _code(system, username: str = "newbie") -> str:  # type: ignore[no-untyped-def]
    (issued,) = invitations.issue_invitations(
        system.uow(), None, usernames=[username], actor="operator"
    )
    return issued.code


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_join_answers_a_token_once(client, system) -> None:  # type: ignore[no-untyped-def]
    code = _code(system)
    r = client.post(f"{API}/auth/join", json={"code": code, "password": NEW})
    assert r.status_code == 201 and set(r.json()) == {"token"}
    me = client.get(f"{API}/me", headers=_bearer(r.json()["token"]))
    assert me.status_code == 200 and me.json()["username"] == "newbie"
    again = client.post(f"{API}/auth/join", json={"code": code, "password": NEW})
    wrong = client.post(f"{API}/auth/join", json={"code": "XXXX-XXXX", "password": NEW})
    assert again.status_code == wrong.status_code == 401
    assert again.json() == wrong.json() == {"detail": "the code is unknown, used or expired"}
    short = client.post(f"{API}/auth/join", json={"code": _code(system), "password": "short"})
    assert short.status_code == 422
    login = client.post(f"{API}/auth/login", json={"username": "newbie", "password": NEW})
    assert login.status_code == 200


def test_the_join_form_works_without_javascript(client, system) -> None:  # type: ignore[no-untyped-def]
    code = _code(system)
    form = client.get(f"/join?code={code}")
    assert form.status_code == 200 and code in form.text
    data = {"code": code, "password": NEW, "confirm": NEW}
    refused = client.post("/join", data=data, follow_redirects=False)
    assert refused.status_code == 403
    data["csrf_token"] = _csrf(form.text)
    mismatch = client.post("/join", data={**data, "confirm": "other"}, follow_redirects=False)
    assert mismatch.status_code == 422
    done = client.post("/join", data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/me"
    assert SESSION_COOKIE in client.cookies
    assert client.get("/me", follow_redirects=False).status_code == 200
    page = client.get("/me/credentials")
    assert page.status_code == 200 and "page session" in page.text


def test_the_join_form_in_russian(client, system) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("dp_lang", "ru")
    form = client.get("/join")
    assert "Задайте свой пароль" in form.text
    data = {"code": "BAD", "password": NEW, "confirm": NEW, "csrf_token": _csrf(form.text)}
    refused = client.post("/join", data=data, follow_redirects=False)
    assert refused.status_code == 401 and "код неизвестен" in refused.text


def test_a_reset_is_answered_alike_for_anyone(client) -> None:  # type: ignore[no-untyped-def]
    answers = {
        who: client.post(f"{API}/auth/reset", json={"who": who}) for who in ("forge1", "nobody")
    }
    assert {r.status_code for r in answers.values()} == {202}
    assert answers["forge1"].json() == answers["nobody"].json()
    form = client.get("/reset")
    sent = client.post("/reset", data={"who": "forge1", "csrf_token": _csrf(form.text)})
    assert sent.status_code == 200 and "/join" in sent.text


def test_credentials_are_listed_and_ended_and_a_new_password_ends_the_others(client) -> None:  # type: ignore[no-untyped-def]
    body = {"username": "forge3", "password": PASSWORD}
    first = client.post(f"{API}/auth/login", json=body).json()["token"]
    second = client.post(f"{API}/auth/login", json=body).json()["token"]
    third = client.post(f"{API}/auth/login", json=body).json()["token"]
    listed = client.get(f"{API}/me/credentials", headers=_bearer(first)).json()
    assert len(listed) == 3 and sum(c["is_current"] for c in listed) == 1
    assert all("token" not in c for c in listed)
    other = next(c for c in listed if not c["is_current"])
    end = f"{API}/me/credentials/{other['id']}"
    assert client.delete(end, headers=_bearer(first)).status_code == 204
    assert client.delete(end, headers=_bearer(first)).status_code == 404
    left = client.get(f"{API}/me/credentials", headers=_bearer(first)).json()
    assert len(left) == 2
    alive = [x for x in (second, third) if client.get(f"{API}/me", headers=_bearer(x)).is_success]
    assert len(alive) == 1  # the one ended answers 401
    assert client.post(f"{API}/auth/logout", headers=_bearer(alive[0])).status_code == 204
    assert client.get(f"{API}/me", headers=_bearer(alive[0])).status_code == 401
    fourth = client.post(f"{API}/auth/login", json=body).json()["token"]
    changed = client.post(
        f"{API}/auth/password", json={"current": PASSWORD, "new": NEW}, headers=_bearer(first)
    )
    assert changed.status_code == 200 and changed.json() == {"ended": 1}
    assert client.get(f"{API}/me", headers=_bearer(fourth)).status_code == 401
    assert client.get(f"{API}/me", headers=_bearer(first)).status_code == 200
    client.post(f"{API}/auth/logout", headers=_bearer(first))
    assert client.get(f"{API}/me", headers=_bearer(first)).status_code == 401


def test_a_strangers_failures_never_stop_the_members_login(system, federation) -> None:  # type: ignore[no-untyped-def]
    app = create_app(system)
    with (
        TestClient(app, client=("203.0.113.9", 4000)) as stranger,
        TestClient(app, client=("198.51.100.7", 4000)) as member,
    ):
        wrong = {"username": "forge4", "password": "not the password"}
        codes = [stranger.post(f"{API}/auth/login", json=wrong).status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]  # slowed: the sixth comes too soon
        right = {"username": "forge4", "password": PASSWORD}
        assert member.post(f"{API}/auth/login", json=right).status_code == 200
