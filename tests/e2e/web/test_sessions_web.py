"""The motions API (DESIGN.md 4.1: POST /motions, GET /motions/{id}) and the pages of motions,
sessions, initiatives and breaches: who may draft, bad bodies, escaping of stored text."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import instructions, motions
from dualpower.web.app import create_app
from factories import PASSWORD, close_vote_in_time
from fixtures_services import show_of_hands
from sessions_helpers import deputies, member, open_session

API = "/api/v1"
EVIL = '<script>alert("x")</script>'


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _login_page(client: TestClient, username: str) -> str:
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


def test_post_motions_authorisation(client, federation) -> None:
    fed = federation
    forge, north = fed.units["Forge"], fed.councils["North Council"]
    body = {"title": "Eight hours", "text": "The 8-hour day."}
    member_headers = _token(client, "forge2")  # a member of the Forge, no mandate
    deputy_headers = _token(client, "forge1")  # a Forge deputy in the North Council
    r = client.post(f"{API}/motions", json=body | {"unit_id": forge}, headers=member_headers)
    assert r.status_code == 201 and set(r.json()) == {"id"}
    motion_id = r.json()["id"]
    assert (
        client.post(
            f"{API}/motions", json=body | {"unit_id": fed.units["Mill"]}, headers=member_headers
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{API}/motions", json=body | {"council_id": north}, headers=member_headers
        ).status_code
        == 403
    )
    r = client.post(f"{API}/motions", json=body | {"council_id": north}, headers=deputy_headers)
    assert r.status_code == 201
    south = fed.councils["South Council"]
    r = client.post(f"{API}/motions", json=body | {"council_id": south}, headers=deputy_headers)
    assert r.status_code == 403 and "detail" in r.json()
    assert client.post(f"{API}/motions", json=body | {"unit_id": forge}).status_code == 401
    for bad in (
        body,  # no place
        body | {"unit_id": forge, "council_id": north},  # two places
        {"unit_id": forge, "title": "No text"},
        body | {"unit_id": forge, "title": "   "},
        body | {"unit_id": forge, "majority": "most"},
        body | {"unit_id": forge, "extra": 1},
    ):
        r = client.post(f"{API}/motions", json=bad, headers=member_headers)
        assert r.status_code == 422, (bad, r.text)
        assert isinstance(r.json()["detail"], str)
    got = client.get(f"{API}/motions/{motion_id}")
    assert got.status_code == 200
    assert {"id", "title", "text", "status", "unit_id", "council_id"} <= set(got.json())
    assert got.json()["unit_id"] == forge and got.json()["status"] == "draft"
    assert client.get(f"{API}/motions/999999").status_code == 404


def test_roll_call_api_and_pages_escape_stored_text(client, federation) -> None:
    fed = federation
    north = deputies(fed, "North Council")
    headers = _token(client, "forge1")
    r = client.post(
        f"{API}/motions",
        json={"council_id": fed.councils["North Council"], "title": EVIL, "text": EVIL},
        headers=headers,
    )
    motion_id = r.json()["id"]
    order = instructions.propose_instruction(
        fed.system.uow(), member(fed, "Forge", 5), fed.units["Forge"], None, motion_id, "no"
    )
    caller = member(fed, "Forge", 5)
    motions.open_vote(fed.system.uow(), order, caller)
    show_of_hands(fed.system.uow(), order, [(member(fed, "Forge", i), "yes") for i in range(5, 9)])
    close_vote_in_time(fed.system, order, caller)
    session_id, chair = open_session(fed, "North Council", [motion_id], present=north)
    assert chair == member(fed, "Forge", 1)  # the lowest id among North's deputies
    no_chair = client.post(
        f"{API}/motions/{motion_id}/vote/open", headers=_token(client, "barracks1")
    )
    assert no_chair.status_code == 403
    opened = client.post(f"{API}/motions/{motion_id}/vote/open", headers=headers)
    assert opened.status_code == 200 and opened.json()["status"] == "voting"
    r = client.post(f"{API}/motions/{motion_id}/votes", json={"position": "yes"}, headers=headers)
    assert r.status_code == 201 and r.json()["position"] == "yes"
    again = client.post(
        f"{API}/motions/{motion_id}/votes", json={"position": "no"}, headers=headers
    )
    assert again.status_code == 409
    outsider = client.post(
        f"{API}/motions/{motion_id}/votes", json={"position": "no"}, headers=_token(client, "mill1")
    )
    assert outsider.status_code == 403
    view = client.get(f"{API}/motions/{motion_id}").json()
    assert [v["username"] for v in view["roll_call"]] == ["forge1"]
    breach_id = view["breaches"][0]["id"]
    for path in (
        f"/motions/{motion_id}",
        f"/sessions/{session_id}",
        f"/breaches/{breach_id}",
        f"/councils/{fed.councils['North Council']}/sessions",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert EVIL not in page.text and "&lt;script&gt;" in page.text, path
    assert "Forge Member 1" in client.get(f"/motions/{motion_id}").text  # the roll-call
    # The one-step recall from the breach page, as an elector of the Forge.
    csrf = _login_page(client, "forge9")
    page = client.get(f"/breaches/{breach_id}")
    assert 'action="/breaches/' in page.text and 'name="csrf_token"' in page.text
    refused = client.post(f"/breaches/{breach_id}/recall", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    done = client.post(f"/breaches/{breach_id}/recall", data={"csrf_token": csrf})
    assert done.status_code == 200 and "Recall petition" in done.text
    with fed.system.uow() as uow:
        petition = uow.recalls.undecided_for(view["breaches"][0]["mandate_id"])
        assert petition is not None and uow.recalls.signers(petition.id) == {
            member(fed, "Forge", 9)
        }


def test_initiative_page_shows_its_path(client, federation) -> None:
    from dualpower.services import initiatives

    fed = federation
    draft = motions.DraftMotion(fed.units["Mill"], None, f"Bread {EVIL}", "Bread for all.")
    motion = motions.draft_motion(fed.system.uow(), member(fed, "Mill", 1), draft)
    motions.open_vote(fed.system.uow(), motion, member(fed, "Mill", 1))
    show_of_hands(fed.system.uow(), motion, [(member(fed, "Mill", i), "yes") for i in range(1, 4)])
    close_vote_in_time(fed.system, motion, member(fed, "Mill", 1))
    initiative = initiatives.send_up(fed.system.uow(), motion, member(fed, "Mill", 1))
    page = client.get(f"/initiatives/{initiative}")
    assert page.status_code == 200
    assert "South Council" in page.text and "Chief Council" in page.text
    assert EVIL not in page.text
    api = client.get(f"{API}/initiatives/{initiative}").json()
    assert [lv["council"]["name"] for lv in api["levels"]] == ["South Council", "Chief Council"]


def test_the_sessions_page_names_its_council_in_the_crumbs(client, federation) -> None:
    """Issue 25: the crumbs of a council's sessions page read the council's name, not 'Council'."""
    council = federation.councils["North Council"]
    page = client.get(f"/councils/{council}/sessions")
    assert page.status_code == 200
    crumbs = re.search(r'<nav aria-label="Breadcrumb" class="crumbs">(.*?)</nav>', page.text, re.S)
    assert crumbs is not None
    assert f'<a href="/councils/{council}">North Council</a>' in crumbs.group(1)
