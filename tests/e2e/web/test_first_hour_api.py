"""Issue 25, defect 12: the API as an integrator meets it. A body that is not JSON is 400; the
election list names council, unit and dates; units and factions are listed; list endpoints take
`limit` and `offset` and, without them, answer the same arrays as before; /me says what the
member can do now; every datetime has one format (RFC 3339 in UTC, ending in Z)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_api_auth import token

from dualpower.services import elections, motions, sessions
from dualpower.web.app import create_app
from fixtures_services import open_election
from sessions_helpers import deputies, open_session

API = "/api/v1"
ONE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
LOOKS_LIKE_A_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


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
    return open_election(system.uow(), cmd)


def test_a_body_that_is_not_json_is_400(client, forge_election) -> None:
    headers = {"content-type": "application/json"}
    for url in (f"{API}/auth/login", f"{API}/elections/{forge_election}/ballots"):
        r = client.post(url, content=b"{not json", headers=headers | token(client, "forge1"))
        assert r.status_code == 400, (url, r.text)
        assert r.json() == {"detail": "invalid request: the request body is not valid JSON"}
    wrong_shape = client.post(f"{API}/auth/login", json={"username": "forge1"})
    assert wrong_shape.status_code == 422  # JSON, but not what the operation takes
    spec = client.get("/api/openapi.json").json()
    assert "400" in spec["paths"][f"{API}/auth/login"]["post"]["responses"]


def test_the_election_list_names_council_unit_and_dates(client, federation, forge_election):
    listed = client.get(f"{API}/elections", params={"status": "open"}).json()
    found = next(e for e in listed if e["id"] == forge_election)
    assert found["council_id"] == federation.councils["North Council"]
    assert found["council_name"] == "North Council"
    assert found["unit_id"] == federation.units["Forge"] and found["unit_name"] == "Forge"
    assert found["kind"] == "general"
    assert ONE_FORMAT.match(found["opened_at"]) and ONE_FORMAT.match(found["closes_at"])
    assert found["closed_at"] is None
    closed = client.get(f"{API}/elections", params={"status": "closed"}).json()
    assert all(ONE_FORMAT.match(e["closed_at"]) for e in closed)


def test_units_and_factions_are_listed(client, federation) -> None:
    units = client.get(f"{API}/units").json()
    assert {u["name"] for u in units} == set(federation.units)
    forge = next(u for u in units if u["name"] == "Forge")
    assert (
        forge
        == {
            "id": federation.units["Forge"],
            "name": "Forge",
            "kind": forge["kind"],
            "section": forge["section"],
            "council_id": federation.councils["North Council"],
            "members": 12,
        }
        and forge["kind"]
        and forge["section"]
    )
    factions = client.get(f"{API}/factions").json()
    assert [(f["short"], f["name"]) for f in factions] == [("R", "Reds"), ("G", "Greens")]
    assert all(set(f) == {"id", "name", "short", "colour", "seats"} for f in factions)
    assert sum(f["seats"] for f in factions) > 0


@pytest.mark.parametrize(
    "path", ["/councils", "/elections", "/units", "/factions", "/directives", "/recalls"]
)
def test_lists_page_with_limit_and_offset_and_stay_arrays(client, path, forge_election):
    everything = client.get(API + path)
    assert everything.status_code == 200 and isinstance(everything.json(), list)
    whole = everything.json()
    page = client.get(API + path, params={"limit": 2, "offset": 1})
    assert page.status_code == 200 and page.json() == whole[1:3]
    assert page.headers["x-total-count"] == str(len(whole))
    for bad in ({"limit": 0}, {"offset": -1}, {"limit": "x"}, {"limit": 100_001}):
        assert client.get(API + path, params=bad).status_code == 422


def test_me_says_what_the_member_can_do_now(client, federation, forge_election) -> None:
    me = client.get(f"{API}/me", headers=token(client, "forge5")).json()
    assert {"id", "username", "name", "unit_id", "mandates"} <= set(me)  # the contract
    assert me["unit"] == {"id": federation.units["Forge"], "name": "Forge", "kind": "factory"}
    now = me["can_do_now"]
    assert [e["id"] for e in now["elections"]] == [forge_election]
    assert ONE_FORMAT.match(now["elections"][0]["closes_at"])
    assert now["petitions"] == [] and now["sessions"] == [] and now["motions"] == []


def _moments(value: Any, found: list[str]) -> list[str]:
    if isinstance(value, dict):
        for item in value.values():
            _moments(item, found)
    elif isinstance(value, list):
        for item in value:
            _moments(item, found)
    elif isinstance(value, str) and LOOKS_LIKE_A_MOMENT.match(value):
        found.append(value)
    return found


def test_every_datetime_has_one_format(client, system, federation, forge_election) -> None:
    """(The audit log's entries are served as they were hashed, and stay so.)"""
    north = deputies(federation, "North Council")
    cmd = motions.DraftMotion(None, federation.councils["North Council"], "Eight", "8 h.")
    motion = motions.draft_motion(system.uow(), north[0], cmd)
    session, chair = open_session(federation, "North Council", [motion], present=north[:2])
    motions.open_vote(system.uow(), motion, chair)
    motions.cast_vote(system.uow(), motion, north[0], "yes")
    motions.cast_vote(system.uow(), motion, north[1], "no")
    motions.close_vote(system.uow(), motion, chair)
    sessions.close_session(system.uow(), chair, session)
    auth = token(client, "forge5")
    council = federation.councils["North Council"]
    paths = [
        "/elections",
        f"/elections/{forge_election}",
        "/elections?status=closed",
        "/recalls",
        "/me",
        f"/motions/{motion}",
        f"/sessions/{session}",
        f"/councils/{council}/sessions",
        "/notifications",
        "/pay",
        f"/councils/{council}/offices",
    ]
    found: list[str] = []
    for path in paths:
        r = client.get(API + path, headers=auth)
        assert r.status_code == 200, (path, r.text)
        _moments(r.json(), found)
    assert len(found) > 10
    assert [m for m in found if not ONE_FORMAT.match(m)] == []


def test_petitions_are_listed_newest_opened_first(client, system, federation) -> None:
    from sqlalchemy import update

    from dualpower.services import recall
    from dualpower.store import tables as t

    with system.uow() as uow:
        forge = uow.electorates.for_unit(federation.units["Forge"])
        mandates = uow.mandates.active(uow.mandates.table.c.electorate_id == forge.id)
    first = recall.open_recall(system.uow(), mandates[0].id, federation.members["forge9"])
    second = recall.open_recall(system.uow(), mandates[1].id, federation.members["forge10"])
    with system.uow() as uow:  # the first was opened later (a petition's date is its order)
        later = uow.now() + timedelta(hours=1)
        table = t.recall_petitions
        uow.conn.execute(update(table).where(table.c.id == first.id).values(opened_at=later))
        uow.commit()
    listed = [p["id"] for p in client.get(f"{API}/recalls").json()]
    assert listed == [first.id, second.id]
    page = client.get("/recalls").text
    assert page.index(f"/recalls/{first.id}") < page.index(f"/recalls/{second.id}")
