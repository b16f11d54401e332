"""The public read API of DESIGN.md 4.1: councils, mandates, elections, results, the audit log,
the OpenAPI document, and the error shapes (404, 422, 500)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app

API = "/api/v1"


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def test_councils_list_has_exactly_the_contract_fields(client, federation) -> None:
    r = client.get(f"{API}/councils")
    assert r.status_code == 200
    body = r.json()
    assert [set(c) for c in body] == [{"id", "name", "parent_id", "seats"}] * 3
    by_name = {c["name"]: c for c in body}
    chief, north = by_name["Chief Council"], by_name["North Council"]
    assert chief["parent_id"] is None and chief["id"] == federation.councils["Chief Council"]
    assert north["parent_id"] == chief["id"]
    assert chief["seats"] == 4  # two delegates from each base council
    assert north["seats"] == 3  # Forge 2 + Barracks 1


def test_council_composition_and_majority(client, federation) -> None:
    north = client.get(f"{API}/councils/{federation.councils['North Council']}").json()
    assert north["composition"] == {"Reds": 3}
    assert north["majority"] == "Reds"
    south = client.get(f"{API}/councils/{federation.councils['South Council']}").json()
    assert south["composition"] == {"Greens": 3} and south["majority"] == "Greens"
    chief = client.get(f"{API}/councils/{federation.councils['Chief Council']}").json()
    assert chief["composition"] == {"Greens": 2, "Reds": 2}
    assert chief["majority"] is None  # two of four is not more than half
    assert {"id", "name", "parent_id", "seats", "composition", "majority"} <= set(chief)


def test_council_mandates_shape_and_sources(client, federation) -> None:
    north_id = federation.councils["North Council"]
    r = client.get(f"{API}/councils/{north_id}/mandates")
    assert r.status_code == 200
    mandates = r.json()
    assert len(mandates) == 3
    keys = {"id", "holder_id", "holder_name", "holder_username", "faction", "electorate"}
    assert all(set(m) == keys for m in mandates)
    assert {m["holder_username"] for m in mandates} == {"forge1", "forge3", "barracks1"}
    forge1 = next(m for m in mandates if m["holder_username"] == "forge1")
    assert forge1["holder_id"] == federation.members["forge1"]
    assert forge1["holder_name"] == "Forge Member 1" and forge1["faction"] == "Reds"
    assert forge1["electorate"] == {"kind": "unit", "id": federation.units["Forge"]}
    chief = client.get(f"{API}/councils/{federation.councils['Chief Council']}/mandates").json()
    sources = {(m["electorate"]["kind"], m["electorate"]["id"]) for m in chief}
    assert sources == {
        ("council", federation.councils["North Council"]),
        ("council", federation.councils["South Council"]),
    }


def test_mandate_detail_and_ended_mandate(client, federation, system) -> None:
    from dualpower.services.mandates import end_mandate

    north_id = federation.councils["North Council"]
    mandate = client.get(f"{API}/councils/{north_id}/mandates").json()[0]
    r = client.get(f"{API}/mandates/{mandate['id']}")
    assert r.status_code == 200
    detail = r.json()
    assert {k: detail[k] for k in mandate} == mandate
    assert detail["is_active"] is True and detail["ended_at"] is None
    assert detail["end_reason"] is None
    with system.uow() as uow:
        end_mandate(uow, uow.mandates.get(mandate["id"]), "resigned", uow.now(), actor="test")
        uow.commit()
    ended = client.get(f"{API}/mandates/{mandate['id']}").json()
    assert ended["is_active"] is False and ended["end_reason"] == "resigned"
    assert ended["ended_at"] is not None
    remaining = client.get(f"{API}/councils/{north_id}/mandates").json()
    assert mandate["id"] not in {m["id"] for m in remaining}
    assert len(remaining) == 2


def test_unknown_ids_are_404_with_a_sentence(client) -> None:
    for path, word in [
        ("/councils/9999", "council"),
        ("/councils/9999/mandates", "council"),
        ("/mandates/9999", "mandate"),
        ("/elections/9999", "election"),
        ("/elections/9999/result", "election"),
    ]:
        r = client.get(API + path)
        assert r.status_code == 404, path
        assert set(r.json()) == {"detail"}
        assert word in r.json()["detail"] and "9999" in r.json()["detail"]
    r = client.get(f"{API}/no-such-thing")
    assert r.status_code == 404 and isinstance(r.json()["detail"], str)


def test_malformed_input_is_422_with_a_string_detail(client) -> None:
    r = client.get(f"{API}/councils/abc")
    assert r.status_code == 422
    assert isinstance(r.json()["detail"], str) and "council_id" in r.json()["detail"]
    r = client.get(f"{API}/elections", params={"status": "pending"})
    assert r.status_code == 422 and "status" in r.json()["detail"]
    r = client.post(
        f"{API}/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json() == {  # malformed: 400 (issue 25)
        "detail": "invalid request: the request body is not valid JSON"
    }
    r = client.post(f"{API}/auth/login", json={"username": "forge1"})
    assert r.status_code == 422 and "password is required" in r.json()["detail"]
    r = client.get(f"{API}/audit/entries", params={"start": 5, "end": 2})
    assert r.status_code == 422 and isinstance(r.json()["detail"], str)


def test_elections_list_filter_and_detail(client, federation) -> None:
    closed = client.get(f"{API}/elections", params={"status": "closed"}).json()
    assert len(closed) == 6  # four units and two council delegations
    keys = {"id", "electorate", "seats", "method", "is_secret", "status"}
    assert all(keys <= set(e) and e["status"] == "closed" for e in closed)  # may be extended
    assert client.get(f"{API}/elections", params={"status": "open"}).json() == []
    assert len(client.get(f"{API}/elections").json()) == 6
    forge_ref = {"kind": "unit", "id": federation.units["Forge"]}
    forge = next(e for e in closed if e["electorate"] == forge_ref)
    assert forge["seats"] == 2 and forge["method"] == "block" and forge["is_secret"] is False
    detail = client.get(f"{API}/elections/{forge['id']}").json()
    assert {k: detail[k] for k in keys} == {k: forge[k] for k in keys}
    assert all(set(c) == {"id", "name", "faction"} for c in detail["candidates"])
    assert {(c["name"], c["faction"]) for c in detail["candidates"]} == {
        ("Forge Member 1", "Reds"),
        ("Forge Member 3", "Reds"),
        ("Forge Member 2", "Greens"),
        ("Forge Member 4", "Greens"),
    }


def test_result_of_a_closed_election(client, federation) -> None:
    closed = client.get(f"{API}/elections", params={"status": "closed"}).json()
    forge = next(e for e in closed if e["electorate"]["id"] == federation.units["Forge"])
    candidates = client.get(f"{API}/elections/{forge['id']}").json()["candidates"]
    ids = {c["name"]: c["id"] for c in candidates}
    r = client.get(f"{API}/elections/{forge['id']}/result")
    assert r.status_code == 200
    result = r.json()
    assert result["ballots"] == 12 and result["seats"] == 2 and result["method"] == "block"
    assert set(result["winners"]) == {ids["Forge Member 1"], ids["Forge Member 3"]}
    assert {c["name"] for c in result["elected"]} == {"Forge Member 1", "Forge Member 3"}
    assert result["rounds"], "the count explains itself round by round"
    totals = result["rounds"][0]["totals"]
    assert totals[str(ids["Forge Member 1"])] == 8  # two thirds of twelve voted Reds
    assert totals[str(ids["Forge Member 2"])] == 4


def test_result_of_an_open_election_is_409(client, federation, system) -> None:
    from dualpower.services.elections import OpenElection
    from fixtures_services import open_election

    with system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Farm"])
    election_id = open_election(system.uow(), OpenElection(electorate.id, "block"))
    r = client.get(f"{API}/elections/{election_id}/result")
    assert r.status_code == 409 and "still open" in r.json()["detail"]
    opened = client.get(f"{API}/elections", params={"status": "open"}).json()
    assert [e["id"] for e in opened] == [election_id]


def test_audit_head_and_entries(client) -> None:
    head = client.get(f"{API}/audit/head").json()
    assert set(head) == {"size", "root"}
    assert head["size"] > 0 and len(head["root"]) == 64
    entries = client.get(f"{API}/audit/entries", params={"start": 0, "end": 3}).json()
    assert [e["seq"] for e in entries] == [0, 1, 2]
    assert entries[0]["act"] == "federation.found"
    assert entries[1]["prev_hash"] == entries[0]["entry_hash"]
    everything = client.get(f"{API}/audit/entries").json()
    assert len(everything) == head["size"]
    tail = client.get(f"{API}/audit/entries", params={"start": head["size"] - 1}).json()
    assert [e["seq"] for e in tail] == [head["size"] - 1]


def test_openapi_document_and_no_cdn_docs(client) -> None:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    paths = doc["paths"]
    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/units/{unit_id}/members",
        "/api/v1/councils",
        "/api/v1/councils/{council_id}",
        "/api/v1/councils/{council_id}/mandates",
        "/api/v1/mandates/{mandate_id}",
        "/api/v1/elections",
        "/api/v1/elections/{election_id}",
        "/api/v1/elections/{election_id}/ballots",
        "/api/v1/elections/{election_id}/result",
        "/api/v1/audit/head",
        "/api/v1/audit/entries",
    ]:
        assert path in paths, path
    assert not any(p.startswith("/login") or p.startswith("/councils") for p in paths)
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_unexpected_error_is_500_without_a_traceback(client, monkeypatch) -> None:
    from dualpower.services import page_views, views

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(views, "councils", broken)
    monkeypatch.setattr(page_views, "home", broken)  # the home page's read model
    r = client.get(f"{API}/councils")
    assert r.status_code == 500 and r.json()["detail"] == "internal error"
    assert r.json()["request_id"] == r.headers["x-request-id"]  # to quote to the operator
    page = client.get("/")
    assert page.status_code == 500
    assert "secret internals" not in page.text and "Traceback" not in page.text
