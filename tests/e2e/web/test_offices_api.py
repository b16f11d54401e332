"""Offices and pay over HTTP: the contract shapes of `GET /councils/{id}/offices` and `GET /pay`,
the writes refused without their capability (403) or above the cap (422, nothing changed), and
the pages."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import recall
from dualpower.web.app import create_app
from factories import PASSWORD, to_close, to_voting, username
from offices_support import WAGE_MEDIAN, Offices, adopt_stipend, setup_offices

API = "/api/v1"


@pytest.fixture
def offices_setup(system, federation) -> Offices:  # type: ignore[no-untyped-def]
    return setup_offices(federation)


@pytest.fixture
def client(system, offices_setup) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _auth(client: TestClient, fed, member_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    name = next(u for u, i in fed.members.items() if i == member_id)
    r = client.post(f"{API}/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_council_offices_have_the_contract_fields(client, offices_setup) -> None:
    o = offices_setup
    north = o.fed.councils["North Council"]
    r = client.get(f"{API}/councils/{north}/offices")
    assert r.status_code == 200
    body = r.json()
    assert all({"id", "name", "holder_id", "stipend", "capabilities"} <= set(x) for x in body)
    by_name = {x["name"]: x for x in body}
    assert by_name["credentials committee"]["capabilities"] == ["verify_members", "report_wages"]
    assert by_name["chair"]["holder_id"] == o.holder["chair"]
    assert by_name["chair"]["stipend"] == WAGE_MEDIAN
    assert client.get(f"{API}/councils/999999/offices").status_code == 404


def test_pay_lists_every_stipend_and_the_cap(client, offices_setup) -> None:
    r = client.get(f"{API}/pay")
    assert r.status_code == 200
    body = r.json()
    assert body["cap"] == WAGE_MEDIAN
    assert len(body["stipends"]) == 3
    for s in body["stipends"]:
        assert {"office_id", "holder_id", "amount"} <= set(s)
        assert s["amount"] <= body["cap"]


def test_a_stipend_motion_above_the_cap_is_a_clear_422_and_nothing_changes(
    client, offices_setup
) -> None:
    o = offices_setup
    chair = o.office["chair"]
    headers = _auth(client, o.fed, o.holder["credentials committee"])
    url = f"{API}/offices/{chair}/stipend-motions"
    r = client.post(url, json={"amount": WAGE_MEDIAN + 1}, headers=headers)
    assert r.status_code == 422
    assert "above the cap" in r.json()["detail"]
    assert client.get(f"{API}/pay").json()["stipends"][0]["amount"] == WAGE_MEDIAN
    r = client.post(url, json={"amount": 10}, headers=headers)
    assert r.status_code == 201
    motion = client.get(f"{API}/motions/{r.json()['id']}").json()
    assert motion["status"] == "draft" and "stipend" in motion["title"]
    # A proposal changes nothing until the council adopts it.
    assert client.get(f"{API}/pay").json()["stipends"][0]["amount"] == WAGE_MEDIAN
    # The old one-official path is gone.
    assert client.post(f"{API}/offices/{chair}/stipend", json={"amount": 1}).status_code == 404


def test_writes_without_the_capability_are_403(client, offices_setup) -> None:
    o = offices_setup
    fed = o.fed
    chair_headers = _auth(client, fed, o.holder["chair"])
    member = fed.members[username("Forge", 4)]
    plain = _auth(client, fed, member)
    forge = fed.units["Forge"]
    wages = {"wages": [{"member_id": member, "amount": 300}]}
    assert client.post(f"{API}/units/{forge}/wages", json=wages, headers=plain).status_code == 403
    assert (
        client.post(f"{API}/units/{forge}/wages", json=wages, headers=chair_headers).status_code
        == 403
    )
    assert client.post(f"{API}/units/{forge}/wages", json=wages).status_code == 401
    verify = f"{API}/members/{member}/verification"
    assert client.post(verify, json={}, headers=plain).status_code == 403
    stipend = f"{API}/offices/{o.office['chair']}/stipend-motions"
    assert client.post(stipend, json={"amount": 1}, headers=plain).status_code == 403
    elect = f"{API}/offices/{o.office['chair']}/elections"
    assert client.post(elect, json={}, headers=chair_headers).status_code == 403
    committee = _auth(client, fed, o.holder["credentials committee"])
    r = client.post(f"{API}/units/{forge}/wages", json=wages, headers=committee)
    assert r.status_code == 200 and r.json()["reported"] == 1
    assert client.post(verify, json={"is_verified": True}, headers=committee).status_code == 200


def test_after_the_recall_the_capability_is_gone_on_the_next_request(client, offices_setup) -> None:
    o = offices_setup
    fed = o.fed
    holder = o.holder["credentials committee"]
    committee = _auth(client, fed, holder)
    member = fed.members[username("Forge", 4)]
    verify = f"{API}/members/{member}/verification"
    assert client.post(verify, json={}, headers=committee).status_code == 200
    north = fed.councils["North Council"]
    with fed.system.uow() as uow:
        mandate = next(m for m in uow.mandates.active_of_holder(holder) if m.council_id == north)
        electors = sorted(recall.electors(uow, uow.electorates.get(mandate.electorate_id)))
    petition = recall.open_recall(fed.system.uow(), mandate.id, electors[0])
    recall.sign_many(fed.system.uow(), petition.id, electors[: petition.threshold])
    assert client.post(verify, json={}, headers=committee).status_code == 403


def test_an_office_election_over_http(client, offices_setup) -> None:
    o = offices_setup
    fed = o.fed
    commission = _auth(client, fed, o.holder["electoral commission"])
    office = o.office["chair"]
    # The council lowers the newcomer's own stipend so they may hold both.
    adopt_stipend(o, office, 0)
    r = client.post(f"{API}/offices/{office}/elections", json={}, headers=commission)
    assert r.status_code == 201
    election = r.json()["id"]
    assert (
        client.post(f"{API}/offices/{office}/elections", json={}, headers=commission).status_code
        == 409
    )
    standing = _auth(client, fed, o.holder["chair"])
    r = client.post(f"{API}/office-elections/{election}/candidacy", headers=standing)
    assert r.status_code == 201
    cand = r.json()["id"]
    outsider = _auth(client, fed, fed.members[username("Forge", 4)])
    assert (
        client.post(f"{API}/office-elections/{election}/candidacy", headers=outsider).status_code
        == 403
    )
    early = client.post(
        f"{API}/elections/{election}/ballots", json={"choices": [cand]}, headers=standing
    )
    assert early.status_code == 409 and "voting opens at" in early.json()["detail"]
    to_voting(fed.system, election)  # nominations close, ballots are taken (DESIGN.md 2.9)
    r = client.post(
        f"{API}/elections/{election}/ballots", json={"choices": [cand]}, headers=standing
    )
    assert r.status_code == 201
    assert (
        client.post(
            f"{API}/elections/{election}/ballots", json={"choices": [cand]}, headers=outsider
        ).status_code
        == 403
    )
    assert (
        client.post(f"{API}/office-elections/{election}/close", headers=standing).status_code == 403
    )
    early = client.post(f"{API}/office-elections/{election}/close", headers=commission)
    assert early.status_code == 409  # electors are still to vote and its time has not come
    to_close(fed.system, election)
    r = client.post(f"{API}/office-elections/{election}/close", headers=commission)
    assert r.status_code == 200 and r.json()["holder_id"] == o.holder["chair"]


def test_the_pay_page_and_the_offices_page(client, offices_setup) -> None:
    o = offices_setup
    r = client.get("/pay")
    assert r.status_code == 200
    # Amounts are kept in minor units and shown as money (no currency named: two decimals).
    assert f"{WAGE_MEDIAN / 100:,.2f}" in r.text and "credentials committee" in r.text
    north = o.fed.councils["North Council"]
    r = client.get(f"/councils/{north}/offices")
    assert r.status_code == 200 and "electoral commission" in r.text
    assert "run election" in r.text
