"""Sessions and rate limits over HTTP (issue 7 items 6 and 9), on both databases: the login
form replaces the old session cookie, logout refuses it, too many failed logins answer 429 with
Retry-After on the API and the form; petitions, ballots and API writes past their limit answer
429 with a clear sentence and Retry-After, and nothing of the refused act is recorded."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
import recall_web_support as support

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import limits
from dualpower.services.elections import OpenElection, nominate
from dualpower.web.app import create_app
from dualpower.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from factories import PASSWORD
from fixtures_services import open_election

API = "/api/v1"


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _form_login(client: TestClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )


def _logged_in_with(client: TestClient, cookie: str) -> bool:
    client.cookies.set(SESSION_COOKIE, cookie)
    return client.get("/me", follow_redirects=False).status_code == 200


def test_login_form_replaces_the_session_cookie_and_logout_refuses_it(client) -> None:
    form = client.get("/login")
    login_csrf = client.cookies[LOGIN_CSRF_COOKIE]
    body = {"username": "forge5", "password": PASSWORD, "csrf_token": _csrf(form.text)}
    assert client.post("/login", data=body, follow_redirects=False).status_code == 303
    old = client.cookies[SESSION_COOKIE]
    # a second tab posts the same login form: the browser sends the old session cookie along
    client.cookies.set(LOGIN_CSRF_COOKIE, login_csrf, path="/login")
    assert client.post("/login", data=body, follow_redirects=False).status_code == 303
    new = client.cookies[SESSION_COOKIE]
    assert new != old
    assert not _logged_in_with(client, old)
    assert _logged_in_with(client, new)
    csrf = _csrf(client.get("/me").text)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code
    assert not _logged_in_with(client, new)
    assert client.get("/me", follow_redirects=False).headers["location"].startswith("/login")


def _fail(system, username: str, times: int) -> None:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        for _ in range(times):
            # counted for the test client's address and this username (services/limits.py)
            limits.count(uow, limits.LOGIN_FAILURES, limits.login_key("testclient", username))
        uow.commit()


@pytest.mark.parametrize("username", ["forge6", "nobody"])
def test_too_many_failed_logins_answer_429(client, system, username: str) -> None:
    _fail(system, username, 100)
    body = {"username": username, "password": PASSWORD}
    r = client.post(f"{API}/auth/login", json=body)
    assert r.status_code == 429
    assert r.json()["detail"].startswith("too many failed logins for this account")
    assert 3500 <= int(r.headers["retry-after"]) <= 3600
    page = _form_login(client, username)
    assert page.status_code == 429 and "too many failed logins" in page.text
    assert int(page.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in page.cookies
    assert client.post(f"{API}/auth/login", json={**body, "username": "forge7"}).status_code == 200


@pytest.fixture
def plurality(system, federation) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Three open plurality elections in Forge, each with a candidate."""
    with system.uow() as uow:
        forge = uow.electorates.for_unit(federation.units["Forge"])
    opened = []
    for _ in range(3):
        election_id = open_election(system.uow(), OpenElection(forge.id, "plurality"))
        candidate = nominate(system.uow(), election_id, federation.members["forge2"], None, None)
        opened.append((election_id, candidate))
    return opened


def _participated(system, election_id: int, member_id: int) -> bool:  # type: ignore[no-untyped-def]
    with system.reader() as uow:
        return bool(uow.elections.has_participated(election_id, member_id))


def test_ballots_past_the_limit_answer_429_and_refused_ones_do_not_count(
    client, system, federation, plurality, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_BALLOTS", "2")
    voter = federation.members["forge9"]
    headers = support.bearer(system, voter)
    (one, c1), (two, c2), (three, c3) = plurality
    cast = lambda e, c: client.post(  # noqa: E731
        f"{API}/elections/{e}/ballots", json={"choices": [c]}, headers=headers
    )
    assert cast(one, c1).status_code == 201
    assert cast(one, c1).status_code == 409  # refused: does not use the allowance
    assert cast(two, c2).status_code == 201
    refused = cast(three, c3)
    assert refused.status_code == 429, refused.text
    assert refused.json()["detail"] == (
        "too many ballots and votes cast: at most 2 per minute; try again in "
        f"{refused.headers['retry-after']} seconds"
    )
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert not _participated(system, three, voter)
    other = support.bearer(system, federation.members["forge10"])  # limits are per member
    assert (
        client.post(
            f"{API}/elections/{three}/ballots", json={"choices": [c3]}, headers=other
        ).status_code
        == 201
    )


def test_api_writes_past_the_limit_answer_429(
    client, system, federation, plurality, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_API_WRITES", "3")
    voter = federation.members["forge11"]
    headers = support.bearer(system, voter)
    (one, c1), (two, c2), _ = plurality
    url = f"{API}/elections/{one}/ballots"
    codes = [client.post(url, json={"choices": [c1]}, headers=headers).status_code for _ in "abc"]
    assert codes == [201, 409, 409]  # refused writes count as API writes
    refused = client.post(f"{API}/elections/{two}/ballots", json={"choices": [c2]}, headers=headers)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("too many write requests to the API: at most 3")
    assert int(refused.headers["retry-after"]) >= 1
    assert not _participated(system, two, voter)
    assert client.get(f"{API}/me", headers=headers).status_code == 200  # reads go on


def test_opening_petitions_past_the_limit_answers_429(
    client, system, federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALPOWER_LIMIT_PETITIONS", "1")
    with system.reader() as uow:
        forge = uow.electorates.for_unit(federation.units["Forge"])
        seats = uow.mandates.active(uow.mandates.table.c.electorate_id == forge.id)
    assert len(seats) >= 2
    targets = [md.id for md in seats[:2]]
    opener = federation.members["forge12"]
    headers = support.bearer(system, opener)
    first = client.post(f"{API}/recalls", json={"mandate_id": targets[0]}, headers=headers)
    assert first.status_code in (200, 201), first.text
    second = client.post(f"{API}/recalls", json={"mandate_id": targets[1]}, headers=headers)
    assert second.status_code == 429, second.text
    assert "recall petitions opened: at most 1 per hour" in second.json()["detail"]
    assert 3500 <= int(second.headers["retry-after"]) <= 3600
    with system.reader() as uow:
        assert uow.recalls.undecided_for(targets[1]) is None
