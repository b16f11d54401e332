"""ARCHITECTURE.md's first example, "a new vote method", done as it says: a method registered by
a test (domain/vote_methods.py `register`) is opened, voted and counted through the API, and the
election's page shows its ballot. Nothing else is edited: services, schemas and pages read the
registry."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from dualpower.domain import vote_methods
from dualpower.domain.model import Candidate
from dualpower.domain.vote_methods import VoteMethod
from dualpower.services import accounts
from dualpower.services.due import run_due
from dualpower.web.deps import SESSION_COOKIE
from factories import to_close, to_voting, username

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app

API = "/api/v1"


def count_fewest(
    candidates: Sequence[Candidate], ballots: Sequence[Sequence[int]], seats: int, seed: int
) -> dict[str, Any]:
    """A made-up rule: the candidates named least often win (ties: nomination order)."""
    marks = {c.id: 0 for c in candidates}
    for ballot in ballots:
        marks[ballot[0]] += 1
    order = sorted(marks, key=lambda cid: marks[cid])  # stable: nomination order
    return {
        "method": "fewest",
        "seats": seats,
        "winners": [str(cid) for cid in order[:seats]],
        "rounds": [{"round": 1, "totals": {str(k): v for k, v in marks.items()}}],
        "ballots": len(ballots),
    }


@pytest.fixture
def fewest() -> Iterator[VoteMethod]:
    method = vote_methods.register(
        VoteMethod("fewest", "the fewest marks", "choices", "one", count_fewest)
    )
    yield method
    vote_methods.unregister("fewest")


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _issue(system, name: str, kind: str) -> accounts.Issued:  # type: ignore[no-untyped-def]
    """A token without a password check (the check is slow on a loaded machine)."""
    with system.uow() as uow:
        member = next(m for m in uow.members.list() if m.username == name)
        issued = accounts._issue(uow, member, kind)
        uow.commit()
    return issued


def _auth(system, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {_issue(system, name, 'api').token}"}


def _page_session(client: TestClient, system, name: str) -> str:  # type: ignore[no-untyped-def]
    """A page session's cookie in the client; its CSRF token."""
    issued = _issue(system, name, "session")
    client.cookies.set(SESSION_COOKIE, issued.token)
    assert issued.csrf_token is not None
    return issued.csrf_token


def test_a_method_registered_by_a_test_is_opened_voted_and_counted(
    client, federation, system, fewest
) -> None:
    north = federation.councils["North Council"]
    forge = federation.units["Forge"]
    deputy = _auth(system, "forge1")  # nobody in North holds "run election": any deputy may
    body = {"electorate": {"kind": "unit", "id": forge}, "method": "fewest"}
    r = client.post(f"{API}/councils/{north}/elections", json=body, headers=deputy)
    assert r.status_code == 201, r.text
    election = r.json()["id"]
    assert client.get(f"{API}/elections/{election}").json()["method"] == "fewest"

    stand = {}
    for name in ("forge1", "forge2", "forge3"):
        r = client.post(
            f"{API}/elections/{election}/candidates", json={}, headers=_auth(system, name)
        )
        assert r.status_code == 201, r.text
        stand[name] = r.json()["id"]
    to_voting(system, election)

    # the method's ballot: one choice, as "choices" (its shape), checked by its rule
    voter = _auth(system, "forge4")
    wrong = {"ranking": [stand["forge1"]]}
    r = client.post(f"{API}/elections/{election}/ballots", json=wrong, headers=voter)
    assert r.status_code == 422 and '{"choices"' in r.json()["detail"]
    two = {"choices": [stand["forge1"], stand["forge2"]]}
    r = client.post(f"{API}/elections/{election}/ballots", json=two, headers=voter)
    assert r.status_code == 422 and r.json()["detail"] == "choose one candidate"

    # forge1 named by four (one on the page, below), forge2 by two, forge3 by one: fewest marks wins
    votes = {4: "forge1", 5: "forge1", 6: "forge1", 7: "forge2", 8: "forge2", 9: "forge3"}
    with system.uow() as uow:
        electors = {m.username for m in uow.members.list() if m.username.startswith("forge")}
    for i, choice in votes.items():
        assert username("Forge", i) in electors
        r = client.post(
            f"{API}/elections/{election}/ballots",
            json={"choices": [stand[choice]]},
            headers=_auth(system, username("Forge", i)),
        )
        assert r.status_code == 201, r.text

    # the page's ballot follows the method's marks: one choice, radio buttons; its form casts
    csrf = _page_session(client, system, "forge3")
    page = client.get(f"/elections/{election}")
    assert "the fewest marks" in page.text  # the method's label
    assert "Choose one candidate." in page.text and 'type="radio"' in page.text
    form = {"csrf_token": csrf, "choice": str(stand["forge1"])}
    r = client.post(f"/elections/{election}/ballot", data=form)
    assert r.status_code == 200 and "receipt" in r.text.lower()
    client.cookies.clear()

    to_close(system, election)
    run_due(system.uow)
    r = client.get(f"{API}/elections/{election}/result")
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["method"] == "fewest"
    seats = result["seats"]
    expected = [stand["forge3"], stand["forge2"], stand["forge1"]][:seats]
    assert result["winners"] == expected
    mandates = client.get(f"{API}/councils/{north}/mandates").json()
    assert {m["holder_username"] for m in mandates if m["electorate"]["id"] == forge} == {
        n for n in ("forge3", "forge2", "forge1")[:seats]
    }


def test_an_unregistered_method_is_refused_where_an_election_opens(
    client, federation, system
) -> None:
    north = federation.councils["North Council"]
    body = {"electorate": {"kind": "unit", "id": federation.units["Forge"]}, "method": "fewest"}
    r = client.post(f"{API}/councils/{north}/elections", json=body, headers=_auth(system, "forge1"))
    assert r.status_code == 422
    assert r.json()["detail"].startswith("unknown method 'fewest': one of plurality, block")
