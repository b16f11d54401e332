"""Issue 25, defect 3: an open election is reached by links: from /me ("what you can do now"),
from /elections (open elections with their closing times), from its council's and its unit's
pages through their elections index. /me also lists the petitions the member may sign and the
sessions they sit in."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import timedelta

import pytest

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_pages_web import log_in

from dualpower.services import elections, recall, sessions
from dualpower.web.app import create_app
from factories import PASSWORD
from fixtures_services import file_and_draw, open_election
from sessions_helpers import deputies, give_chair


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


@pytest.fixture
def forge_election(system, federation) -> int:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Forge"])
        closes_at = uow.now() + timedelta(days=2)
    cmd = elections.OpenElection(electorate.id, "block", closes_at=closes_at)
    election_id = open_election(system.uow(), cmd)
    for i in (6, 7):
        elections.nominate(system.uow(), election_id, federation.members[f"forge{i}"], None, "t")
    return election_id


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="(/[^"#?]*)', html))


def test_the_open_election_is_reached_by_links_only(client, federation, forge_election) -> None:
    target = f"/elections/{forge_election}"
    log_in(client, "forge5")
    me = client.get("/me").text
    assert "What you can do now" in me
    assert me.index("What you can do now") < me.index("My deputies</h2>")
    assert target in _links(me) and "open until" in me

    listed = client.get("/elections")
    assert listed.status_code == 200 and target in _links(listed.text)
    assert "open until" in listed.text and "<time" in listed.text
    assert "/elections" in _links(client.get("/").text)  # in the header of every page

    north = f"/councils/{federation.councils['North Council']}"
    council = client.get(north).text
    assert f"{north}/elections" in _links(council) and f"{north}/sessions" in _links(council)
    assert target in _links(client.get(f"{north}/elections").text)

    forge = f"/units/{federation.units['Forge']}"
    assert f"{forge}/elections" in _links(client.get(forge).text)
    index = client.get(f"{forge}/elections")
    assert index.status_code == 200 and target in _links(index.text)
    assert target not in _links(client.get(f"/units/{federation.units['Mill']}/elections").text)


def test_me_stops_offering_what_is_done(client, system, federation, forge_election) -> None:
    csrf = log_in(client, "forge5")
    target = f"/elections/{forge_election}"
    candidate = next(
        c["id"] for c in client.get(f"/api/v1/elections/{forge_election}").json()["candidates"]
    )
    r = client.post(f"{target}/ballot", data={"choice": [str(candidate)], "csrf_token": csrf})
    assert r.status_code == 200
    me = client.get("/me").text
    assert target not in _links(me)
    assert "Nothing waits for you" in me
    log_in(client, "mill1")  # not an elector of the Forge
    assert target not in _links(client.get("/me").text)


def test_me_lists_petitions_to_sign_and_sessions_to_sit_in(client, system, federation) -> None:
    with system.uow() as uow:
        forge = uow.electorates.for_unit(federation.units["Forge"])
        table = uow.mandates.table
        mandate = next(iter(uow.mandates.active(table.c.electorate_id == forge.id)))
    petition = recall.open_recall(system.uow(), mandate.id, federation.members["forge9"])
    north = deputies(federation, "North Council")
    give_chair(federation, "North Council", north[0])
    session = sessions.convene_session(
        system.uow(), north[0], federation.councils["North Council"], "Spring session", []
    )
    with system.uow() as uow:
        deputy = uow.members.get(north[1])
    log_in(client, "forge5")
    me = client.get("/me").text
    assert f"/recalls/{petition.id}" in _links(me) and "Sign a recall petition" in me
    log_in(client, "forge9")  # signed it on opening: nothing to sign
    assert f"/recalls/{petition.id}" not in _links(client.get("/me").text.split("My deputies")[0])
    log_in(client, deputy.username)
    me = client.get("/me").text
    assert f"/sessions/{session}" in _links(me) and "Spring session" in me


def test_me_lists_the_reports_whose_panel_seats_the_member(client, system, federation) -> None:
    from dualpower.services import panels

    members = federation.members
    filed = panels.FileReport(members["mill2"], "not a worker here", member_id=members["mill5"])
    opened = file_and_draw(system.uow(), filed)
    with system.uow() as uow:
        sitting = uow.members.get(opened.panel[0]).username
        others = [m for m in uow.members.list() if m.id not in opened.panel]
    log_in(client, sitting)
    assert f"/reports/{opened.id}" in _links(client.get("/me").text)
    api = client.post("/api/v1/auth/login", json={"username": sitting, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {api.json()['token']}"}
    now = client.get("/api/v1/me", headers=headers).json()["can_do_now"]
    assert [r["id"] for r in now["reports"]] == [opened.id]
    panels.vote(system.uow(), opened.id, opened.panel[0], "refer")
    assert f"/reports/{opened.id}" not in _links(client.get("/me").text)
    log_in(client, others[0].username)
    assert f"/reports/{opened.id}" not in _links(client.get("/me").text)
