"""The API with a bearer token: login, /me, the unit roll's visibility, casting ballots."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app
from factories import PASSWORD

API = "/api/v1"


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"token"}
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_login_with_bad_credentials_is_401(client) -> None:
    for body in [
        {"username": "forge1", "password": "wrong password"},
        {"username": "nobody", "password": PASSWORD},
    ]:
        r = client.post(f"{API}/auth/login", json=body)
        assert r.status_code == 401
        assert r.json() == {"detail": "wrong username or password"}


def test_me_needs_a_valid_token(client) -> None:
    r = client.get(f"{API}/me")
    assert r.status_code == 401 and isinstance(r.json()["detail"], str)
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.get(f"{API}/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and "token" in r.json()["detail"]


def test_me_of_a_member_and_of_a_deputy(client, federation) -> None:
    me = client.get(f"{API}/me", headers=token(client, "forge5")).json()
    assert {"id", "username", "unit_id", "mandates"} <= set(me)
    assert me["id"] == federation.members["forge5"] and me["username"] == "forge5"
    assert me["unit_id"] == federation.units["Forge"]
    assert me["mandates"] == []
    deputy = client.get(f"{API}/me", headers=token(client, "forge1")).json()
    north = [m for m in deputy["mandates"] if m["electorate"]["kind"] == "unit"]
    assert len(north) == 1
    assert north[0]["holder_id"] == federation.members["forge1"]
    assert north[0]["electorate"] == {"kind": "unit", "id": federation.units["Forge"]}
    assert north[0]["faction"] == "Reds"


def test_unit_members_visibility(client, federation) -> None:
    forge = federation.units["Forge"]
    url = f"{API}/units/{forge}/members"
    assert client.get(url).status_code == 401
    # A member of the unit sees its roll.
    r = client.get(url, headers=token(client, "forge5"))
    assert r.status_code == 200
    roll = r.json()
    assert len(roll) == 12 and all(set(m) == {"id", "username", "name"} for m in roll)
    assert {m["username"] for m in roll} == {f"forge{i}" for i in range(1, 13)}
    # A deputy of North Council (Forge's base council) elected elsewhere sees it too.
    assert client.get(url, headers=token(client, "barracks1")).status_code == 200
    # A plain member of another unit does not.
    r = client.get(url, headers=token(client, "mill5"))
    assert r.status_code == 403 and "deputies of its councils" in r.json()["detail"]
    # Deputies of South Council: only those who also sit in the Chief Council (on Forge's path).
    chief = client.get(f"{API}/councils/{federation.councils['Chief Council']}/mandates").json()
    in_chief = {m["holder_username"] for m in chief}
    south = client.get(f"{API}/councils/{federation.councils['South Council']}/mandates").json()
    south_deputies = {m["holder_username"] for m in south}
    assert south_deputies & in_chief and south_deputies - in_chief
    for username in sorted(south_deputies):
        expected = 200 if username in in_chief else 403
        assert client.get(url, headers=token(client, username)).status_code == expected, username
    r = client.get(f"{API}/units/9999/members", headers=token(client, "forge5"))
    assert r.status_code == 404


@pytest.fixture
def open_elections(system, federation) -> dict[str, tuple[int, list[int]]]:  # type: ignore[no-untyped-def]
    """A block and an STV election for Forge, each with three candidates."""
    from dualpower.services.elections import OpenElection, nominate
    from fixtures_services import open_election

    with system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Forge"])
    out = {}
    for method in ("block", "stv-scottish"):
        election_id = open_election(system.uow(), OpenElection(electorate.id, method))
        candidates = [
            nominate(system.uow(), election_id, federation.members[f"forge{i}"], None, "test")
            for i in (6, 7, 8)
        ]
        out[method] = (election_id, candidates)
    return out


def test_cast_a_ballot_then_409_on_a_second(client, open_elections) -> None:
    election_id, candidates = open_elections["block"]
    auth = token(client, "forge5")
    url = f"{API}/elections/{election_id}/ballots"
    r = client.post(url, json={"choices": candidates[:2]}, headers=auth)
    assert r.status_code == 201
    assert set(r.json()) == {"receipt"} and len(r.json()["receipt"]) >= 16
    again = client.post(url, json={"choices": candidates[:1]}, headers=auth)
    assert again.status_code == 409 and "already voted" in again.json()["detail"]


def test_ranked_ballot_and_refusals(client, open_elections) -> None:
    election_id, candidates = open_elections["stv-scottish"]
    url = f"{API}/elections/{election_id}/ballots"
    assert client.post(url, json={"ranking": candidates}).status_code == 401
    auth = token(client, "forge6")
    wrong_shape = client.post(url, json={"choices": candidates}, headers=auth)
    assert wrong_shape.status_code == 422 and "ranking" in wrong_shape.json()["detail"]
    stranger = client.post(url, json={"ranking": candidates}, headers=auth | token(client, "mill1"))
    assert stranger.status_code == 403 and "not an elector" in stranger.json()["detail"]
    bad = client.post(url, json={"ranking": [candidates[0], 99999]}, headers=auth)
    assert bad.status_code == 422 and "not a candidate" in bad.json()["detail"]
    extra = client.post(url, json={"ranking": candidates, "weight": 9}, headers=auth)
    assert extra.status_code == 422 and isinstance(extra.json()["detail"], str)
    ok = client.post(url, json={"ranking": list(reversed(candidates))}, headers=auth)
    assert ok.status_code == 201 and "receipt" in ok.json()
    missing = client.post(f"{API}/elections/99999/ballots", json={"ranking": [1]}, headers=auth)
    assert missing.status_code == 404
