"""The session page's forms (no JavaScript: POST + CSRF token + redirect back), accessible by
their labels, for every chair's act and the speakers' list; and the speakers' and stewards' API
(DESIGN.md 2.4a): the list, who may keep it, 409 on a second request, the steward's power
ending with the session."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import motions
from dualpower.web.app import create_app
from factories import PASSWORD
from sessions_helpers import deputies, give_chair

API = "/api/v1"
NORTH = "North Council"


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _names(fed) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {i: u for u, i in fed.members.items()}


def _token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _login_page(client: TestClient, username: str) -> str:
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    me = client.get("/me")
    return re.search(r'name="csrf_token" value="([^"]+)"', me.text).group(1)  # type: ignore[union-attr]


class Forms(HTMLParser):
    """The forms of a page: their actions, and whether every visible field has a label."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []
        self.fields: list[str] = []
        self.labels: set[str] = set()
        self.tokens = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.actions.append(a.get("action") or "")
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        elif tag in ("input", "select", "textarea"):
            if a.get("name") == "csrf_token":
                self.tokens += 1
            elif a.get("type") not in ("hidden", "checkbox", "radio"):
                self.fields.append(a.get("id") or f"<{tag} name={a.get('name')} without id>")


def _forms(html: str) -> Forms:
    parsed = Forms()
    parsed.feed(html)
    assert parsed.tokens == len(parsed.actions), "every form carries its CSRF token"
    unlabelled = [f for f in parsed.fields if f not in parsed.labels]
    assert not unlabelled, f"fields without a label: {unlabelled}"
    return parsed


def _post(client: TestClient, url: str, csrf: str, **form: object) -> str:
    r = client.post(url, data={"csrf_token": csrf, **form}, follow_redirects=False)
    assert r.status_code == 303, (url, r.status_code, r.text[:300])
    return r.headers["location"]


def test_the_chair_runs_a_session_from_its_page(client, federation) -> None:
    fed = federation
    north = deputies(fed, NORTH)
    chair, deputy = north[0], north[1]
    give_chair(fed, NORTH, chair)
    names = _names(fed)
    draft = motions.DraftMotion(None, fed.councils[NORTH], "Bread", "Bread for all.")
    motion = motions.draft_motion(fed.system.uow(), deputy, draft)
    council = fed.councils[NORTH]
    csrf = _login_page(client, names[chair])
    page = client.get(f"/councils/{council}/sessions")
    assert f"/councils/{council}/sessions" in _forms(page.text).actions
    where = _post(
        client, f"/councils/{council}/sessions", csrf, title="Session of 1 May", agenda=motion
    )
    session = int(where.rsplit("/", 1)[1])
    assert f"/sessions/{session}/open" in _forms(client.get(where).text).actions
    _post(client, f"/sessions/{session}/open", csrf)
    for member in north:
        member_csrf = _login_page(client, names[member])
        _post(client, f"/sessions/{session}/attendance", member_csrf)
    csrf = _login_page(client, names[chair])
    forms = _forms(client.get(f"/sessions/{session}").text).actions
    for act in ("vote/open", "close", "speakers", "speakers/next", "speakers/limit", "stewards"):
        assert f"/sessions/{session}/{act}" in forms, act
    _post(client, f"/sessions/{session}/speakers/limit", csrf, seconds=90)
    _post(client, f"/sessions/{session}/speakers", csrf, motion_id=motion)
    _post(client, f"/sessions/{session}/speakers/next", csrf)
    assert f"/sessions/{session}/speakers/end" in _forms(client.get(where).text).actions
    _post(client, f"/sessions/{session}/speakers/end", csrf)
    _post(client, f"/sessions/{session}/vote/open", csrf, motion_id=motion)
    for member in north:
        member_csrf = _login_page(client, names[member])
        _post(client, f"/motions/{motion}/vote", member_csrf, position="yes")
    csrf = _login_page(client, names[chair])
    _post(client, f"/sessions/{session}/vote/close", csrf, motion_id=motion)
    _post(client, f"/sessions/{session}/close", csrf)
    view = client.get(f"{API}/sessions/{session}").json()
    assert view["status"] == "closed" and view["agenda"][0]["status"] == "adopted"
    order = client.get(f"{API}/sessions/{session}/speakers").json()
    assert [s["status"] for s in order["done"]] == ["spoken"]
    # A deputy's page offers the floor, not the keeper's forms.
    member_csrf = _login_page(client, names[deputy])
    assert member_csrf
    page = client.get(f"/sessions/{session}").text
    assert "/speakers/next" not in page and "/stewards" not in _forms(page).actions


def test_speakers_and_stewards_api(client, federation) -> None:
    fed = federation
    north = deputies(fed, NORTH)
    chair, steward, speaker = north
    give_chair(fed, NORTH, chair)
    names = _names(fed)
    h = {m: _token(client, names[m]) for m in north}
    council = fed.councils[NORTH]
    body = {"council_id": council, "title": "Bread", "text": "Bread for all."}
    motion = client.post(f"{API}/motions", json=body, headers=h[speaker]).json()["id"]
    made = client.post(
        f"{API}/councils/{council}/sessions",
        json={"title": "S", "agenda": [motion]},
        headers=h[chair],
    )
    session = made.json()["id"]
    assert client.post(f"{API}/sessions/{session}/open", headers=h[chair]).status_code == 204
    for m in north:
        client.post(f"{API}/sessions/{session}/attendance", headers=h[m])
    url = f"{API}/sessions/{session}/speakers"
    assert client.post(url, json={}, headers=h[speaker]).status_code == 201
    again = client.post(url, json={}, headers=h[speaker])
    assert again.status_code == 409 and "already" in again.json()["detail"]
    assert client.post(url, json={}).status_code == 401
    assert client.post(f"{url}/next", headers=h[speaker]).status_code == 403
    opened = client.post(f"{API}/sessions/{session}/stewards", json={"posts": 1}, headers=h[chair])
    assert opened.status_code == 201
    [election] = opened.json()["elections"]
    stood = client.post(f"{API}/office-elections/{election}/candidacy", headers=h[steward])
    assert stood.status_code in (200, 201), stood.text
    candidate = client.get(f"{API}/elections/{election}").json()["candidates"][0]["id"]
    for m in north:
        cast = client.post(
            f"{API}/elections/{election}/ballots", json={"choices": [candidate]}, headers=h[m]
        )
        assert cast.status_code == 201, cast.text
    close = f"{API}/sessions/{session}/stewards/elections/{election}/close"
    assert client.post(close, headers=h[steward]).status_code == 403
    assert client.post(close, headers=h[chair]).status_code == 200
    [post] = client.get(f"{API}/sessions/{session}/stewards").json()
    assert (post["holder_id"], post["capabilities"]) == (steward, ["keep_order"])
    assert client.post(f"{url}/next", headers=h[chair]).status_code == 403  # stewards keep it
    given = client.post(f"{url}/next", headers=h[steward])
    assert given.status_code == 200 and given.json()["speaking"]["member"]["id"] == speaker
    assert given.json()["kept_by"] == "stewards"
    limit = client.post(f"{url}/limit", json={"seconds": 5}, headers=h[steward])
    assert limit.status_code == 422
    assert client.post(f"{url}/end", headers=h[steward]).status_code == 200
    assert client.delete(url, headers=h[speaker]).status_code == 409  # spoken: not waiting
    client.post(f"{API}/motions/{motion}/vote/open", headers=h[chair])
    for m in north:
        client.post(f"{API}/motions/{motion}/votes", json={"position": "no"}, headers=h[m])
    client.post(f"{API}/motions/{motion}/vote/close", headers=h[chair])
    assert client.post(f"{API}/sessions/{session}/close", headers=h[chair]).status_code == 204
    refused = client.post(f"{url}/limit", json={"seconds": 60}, headers=h[steward])
    assert refused.status_code == 403  # the session closed: the steward's power with it
    with fed.system.uow() as uow:
        assert uow.office_terms.active_of_holder(steward) == []
