"""Factions on pages and through the API (DESIGN.md 2.10, 2.7a), on both databases: a member
registers a faction by the form on /factions, another joins it from its page and, the faction
having no seat, publishes its platform there; leaving by the page and by the API; a bad form is
answered 4xx with the reason and changes nothing; a form without its CSRF token is refused."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app
from factories import PASSWORD, Small


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _log_in(client: TestClient, name: str) -> str:
    client.cookies.clear()
    form = client.get("/login")
    data = {"username": name, "password": PASSWORD, "csrf_token": _csrf(form.text)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return _csrf(client.get("/factions").text)


def _members(fed: Small, faction_id: int) -> int:
    with fed.system.uow() as uow:
        return uow.faction_members.count(faction_id)


def test_a_faction_registers_joins_publishes_and_leaves_on_pages(client, federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    csrf = _log_in(client, "forge5")
    page = client.get("/factions")
    assert 'action="/factions"' in page.text and "Register a faction" in page.text
    form = {"name": "Anarchists", "short": "A", "colour": "#000000", "csrf_token": csrf}
    assert client.post("/factions", data={**form, "csrf_token": ""}).status_code == 403
    done = client.post("/factions", data=form, follow_redirects=False)
    assert done.status_code == 303
    faction = int(done.headers["location"].rsplit("/", 1)[1])
    taken = client.post("/factions", data=form)
    assert taken.status_code == 409 and "already" in taken.text
    bad = client.post("/factions", data={**form, "name": "Other", "colour": "red"})
    assert bad.status_code == 422 and "colour" in bad.text
    with fed.system.uow() as uow:
        assert len(uow.factions.list()) == 3  # the two refused forms changed nothing
    page = client.get(f"/factions/{faction}")
    assert "Leave the faction" in page.text and "Publish a new version" in page.text
    # another member joins from the page and, the faction holding no seat, publishes
    csrf = _log_in(client, "mill6")
    page = client.get(f"/factions/{faction}")
    assert "Join the faction" in page.text and "Publish a new version" not in page.text
    assert client.post(f"/factions/{faction}/join", data={"csrf_token": ""}).status_code == 403
    joined = client.post(
        f"/factions/{faction}/join", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert joined.status_code == 303 and _members(fed, faction) == 2
    again = client.post(f"/factions/{faction}/join", data={"csrf_token": csrf})
    assert again.status_code == 409 and "already" in again.text
    body = {"title": "Ours", "text": "No gods, no masters.", "csrf_token": csrf}
    published = client.post(f"/factions/{faction}/platforms", data=body, follow_redirects=False)
    assert published.status_code == 303
    assert "No gods, no masters." in client.get(f"/factions/{faction}").text
    left = client.post(
        f"/factions/{faction}/leave", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert left.status_code == 303 and _members(fed, faction) == 1
    not_in = client.post(f"/factions/{faction}/leave", data={"csrf_token": csrf})
    assert not_in.status_code == 409 and "not a member" in not_in.text
    refused = client.post(f"/factions/{faction}/platforms", data=body)
    assert refused.status_code == 403 and "nly a member of the faction" in refused.text
    assert client.post("/factions/999999/join", data={"csrf_token": csrf}).status_code == 404


def test_leaving_by_the_api(client, federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    r = client.post("/api/v1/auth/login", json={"username": "farm3", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {r.json()['token']}"}
    reds = fed.factions["R"]
    assert client.delete(f"/api/v1/factions/{reds}/members").status_code == 401
    assert client.post(f"/api/v1/factions/{reds}/members", headers=auth).status_code == 201
    assert client.delete(f"/api/v1/factions/{reds}/members", headers=auth).status_code == 204
    assert _members(fed, reds) == 0
    r = client.delete(f"/api/v1/factions/{reds}/members", headers=auth)
    assert r.status_code == 409 and "not a member" in r.json()["detail"]
    assert client.delete("/api/v1/factions/999999/members", headers=auth).status_code == 404
