"""Votes on paper through the web (DESIGN.md 2.9), on both databases: the commission's API and
page forms for paper ballots and signature sheets (each entry logged with who entered it; a
member who voted online refused, 409; others 403, nothing changed), and the council page's
form to open a general election (shown to the commission only; without a script)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import cycle, elections, recall
from dualpower.web.app import create_app
from factories import PASSWORD, to_voting, username
from offices_support import Offices, setup_offices


@pytest.fixture
def o(system, federation) -> Offices:  # type: ignore[no-untyped-def]
    return setup_offices(federation)


@pytest.fixture
def client(system, o, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    # Several logins in a row on a loaded machine: the password gate (web/guards.py) may not
    # hold them back here; its own tests are tests/e2e/web/test_ops_web.py's.
    monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_SHARE", "1")
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _log_in(client: TestClient, o: Offices, member_id: int) -> str:
    name = next(u for u, i in o.fed.members.items() if i == member_id)
    client.cookies.clear()
    form = client.get("/login")
    data = {"username": name, "password": PASSWORD, "csrf_token": _csrf(form.text)}
    got = client.post("/login", data=data, follow_redirects=False)
    assert got.status_code == 303, got.text[:3000]
    return name


def _token(client: TestClient, o: Offices, member_id: int) -> dict[str, str]:
    name = next(u for u, i in o.fed.members.items() if i == member_id)
    got = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {got.json()['token']}"}


def forge(o: Offices, i: int) -> int:
    return o.fed.members[username("Forge", i)]


def _election(o: Offices, *, is_secret: bool = False) -> tuple[int, int]:
    fed = o.fed
    cmd = cycle.GeneralElection(
        fed.councils["North Council"], "unit", fed.units["Forge"], "block", is_secret
    )
    election = cycle.open_general(fed.system.uow(), cmd, o.holder["electoral commission"])
    cand = elections.nominate(fed.system.uow(), election, forge(o, 1), None, None)
    to_voting(fed.system, election)
    return election, cand


def test_paper_ballots_by_api(client: TestClient, o: Offices) -> None:
    election, cand = _election(o)
    commission = _token(client, o, o.holder["electoral commission"])
    body = {"voters": ["forge5", forge(o, 6)], "ballots": [{"choices": [cand]}] * 2}
    got = client.post(f"/api/v1/elections/{election}/paper-ballots", json=body, headers=commission)
    assert got.status_code == 201, got.text
    assert got.json()["ballots"] == 2 and len(got.json()["receipts"]) == 2
    again = client.post(
        f"/api/v1/elections/{election}/paper-ballots", json=body, headers=commission
    )
    assert again.status_code == 409 and "on paper already" in again.json()["detail"]
    chair = _token(client, o, o.holder["chair"])
    other = {"voters": ["forge7"], "ballots": [{"choices": [cand]}]}
    refused = client.post(f"/api/v1/elections/{election}/paper-ballots", json=other, headers=chair)
    assert refused.status_code == 403
    mismatch = {"voters": ["forge7", "forge8"], "ballots": [{"choices": [cand]}]}
    bad = client.post(
        f"/api/v1/elections/{election}/paper-ballots", json=mismatch, headers=commission
    )
    assert bad.status_code == 422 and "2 voters, 1 ballots" in bad.json()["detail"]
    both = {"voters": ["forge7"], "ballots": [{"choices": [cand], "ranking": [cand]}]}
    assert (
        client.post(
            f"/api/v1/elections/{election}/paper-ballots", json=both, headers=commission
        ).status_code
        == 422
    )
    online = client.post(
        f"/api/v1/elections/{election}/ballots",
        json={"choices": [cand]},
        headers=_token(client, o, forge(o, 5)),
    )
    assert online.status_code == 409  # forge5 voted on paper


def test_who_enters_paper_sheets_is_public(client: TestClient, o: Offices) -> None:
    election, cand = _election(o)
    commission = o.holder["electoral commission"]
    got = client.get(f"/api/v1/elections/{election}/paper-ballots")
    assert got.status_code == 200, got.text
    desk = got.json()
    assert desk["council_id"] == o.fed.councils["North Council"]
    assert [e["id"] for e in desk["enterers"]] == [commission] and desk["on_paper"] == 0
    body = {"voters": ["forge5"], "ballots": [{"choices": [cand]}]}
    headers = _token(client, o, desk["enterers"][0]["id"])
    entered = client.post(f"/api/v1/elections/{election}/paper-ballots", json=body, headers=headers)
    assert entered.status_code == 201
    assert client.get(f"/api/v1/elections/{election}/paper-ballots").json()["on_paper"] == 1
    signing = client.get(f"/api/v1/recalls/{_petition(o)}/paper-signatures")
    assert signing.status_code == 200 and [e["id"] for e in signing.json()["enterers"]] == [
        commission
    ]
    assert client.get("/api/v1/elections/99999/paper-ballots").status_code == 404
    assert client.get("/api/v1/recalls/99999/paper-signatures").status_code == 404
    _log_in(client, o, forge(o, 4))
    page = client.get(f"/elections/{election}/paper")
    name = desk["enterers"][0]["name"]
    assert page.status_code == 200 and "Who may enter them now" in page.text and name in page.text


def test_paper_ballots_by_the_page_form(client: TestClient, o: Offices) -> None:
    election, cand = _election(o, is_secret=True)
    elections.cast_ballot(o.fed.system.uow(), election, forge(o, 9), [cand])
    _log_in(client, o, o.holder["electoral commission"])
    page = client.get(f"/elections/{election}/paper")
    assert page.status_code == 200 and 'action="/elections/' in page.text
    form = {
        "voters": "forge5\nforge6",
        "ballots": f"{cand}\n{cand}",
        "csrf_token": _csrf(page.text),
    }
    done = client.post(f"/elections/{election}/paper", data=form)
    assert done.status_code == 200 and done.text.count('class="receipt"') == 2
    twice = client.post(f"/elections/{election}/paper", data={**form, "voters": "forge9\nforge7"})
    assert twice.status_code == 409 and "voted online" in twice.text
    assert (
        client.post(f"/elections/{election}/paper", data={**form, "csrf_token": ""}).status_code
        == 403
    )
    _log_in(client, o, forge(o, 4))
    page = client.get(f"/elections/{election}/paper")
    assert page.status_code == 200 and 'action="/elections/' not in page.text
    refused = client.post(
        f"/elections/{election}/paper",
        data={"voters": "forge7", "ballots": str(cand), "csrf_token": _csrf(page.text)},
    )
    assert refused.status_code == 403
    with o.fed.system.uow() as uow:
        assert uow.paper.votes_count(election) == 2


def _petition(o: Offices) -> int:
    with o.fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(o.fed.units["Forge"])
        seats = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
    target = next(md for md in seats if md.holder_id != o.holder["electoral commission"])
    return recall.open_recall(o.fed.system.uow(), target.id, forge(o, 12)).id


def test_paper_signatures_by_api_and_form(client: TestClient, o: Offices) -> None:
    petition = _petition(o)
    commission = _token(client, o, o.holder["electoral commission"])
    got = client.post(
        f"/api/v1/recalls/{petition}/paper-signatures",
        json={"members": ["forge5", forge(o, 6)]},
        headers=commission,
    )
    assert got.status_code == 200, got.text
    assert got.json()["signatures"] == 2 and got.json()["status"] == "open"
    chair = _token(client, o, o.holder["chair"])
    assert (
        client.post(
            f"/api/v1/recalls/{petition}/paper-signatures",
            json={"members": ["forge7"]},
            headers=chair,
        ).status_code
        == 403
    )
    _log_in(client, o, o.holder["electoral commission"])
    page = client.get(f"/recalls/{petition}/paper")
    assert page.status_code == 200 and 'action="/recalls/' in page.text
    csrf = _csrf(page.text)
    done = client.post(f"/recalls/{petition}/paper", data={"members": "forge7", "csrf_token": csrf})
    assert done.status_code == 200 and "3 of" in done.text
    again = client.post(
        f"/recalls/{petition}/paper", data={"members": "forge5", "csrf_token": csrf}
    )
    assert again.status_code == 409
    assert recall.petition_state(o.fed.system.reader(), petition).signatures == 3


def test_the_commission_opens_a_general_election_from_the_council_page(
    client: TestClient, o: Offices
) -> None:
    north = o.fed.councils["North Council"]
    _log_in(client, o, forge(o, 4))  # a member: no form
    assert f'action="/councils/{north}/elections"' not in client.get(f"/councils/{north}").text
    _log_in(client, o, o.holder["chair"])  # a deputy, not the commission: no form, 403
    page = client.get(f"/councils/{north}")
    assert f'action="/councils/{north}/elections"' not in page.text
    form = {"electorate": f"unit:{o.fed.units['Forge']}", "csrf_token": _csrf(page.text)}
    assert client.post(f"/councils/{north}/elections", data=form).status_code == 403
    _log_in(client, o, o.holder["electoral commission"])
    page = client.get(f"/councils/{north}")
    assert f'action="/councils/{north}/elections"' in page.text
    form = {
        "electorate": f"unit:{o.fed.units['Forge']}",
        "method": "block",
        "secrecy": "secret",
        "csrf_token": _csrf(page.text),
    }
    opened = client.post(f"/councils/{north}/elections", data=form, follow_redirects=False)
    assert opened.status_code == 303
    election = int(opened.headers["location"].rsplit("/", 1)[1])
    with o.fed.system.uow() as uow:
        found = uow.elections.get(election)
    assert found is not None and (found.kind, found.method, found.is_secret) == (
        "general",
        "block",
        True,
    )
    assert client.post(f"/councils/{north}/elections", data=form).status_code == 409
    bad = client.post(f"/councils/{north}/elections", data={**form, "electorate": "Forge"})
    assert bad.status_code == 422
    assert "an election is open" in client.get(f"/councils/{north}").text


def test_the_election_page_links_paper_ballots_only_for_who_may_enter_them(
    client: TestClient, o: Offices
) -> None:
    """Issue 25: an ordinary member is not shown the commission's "Paper ballots" link; a member
    of the electoral commission is (the route's own check, services/paper.enterers)."""
    election, _ = _election(o)
    link = f'href="/elections/{election}/paper"'
    _log_in(client, o, forge(o, 4))
    assert link not in client.get(f"/elections/{election}").text
    assert client.get(f"/elections/{election}/paper").text.count('action="/elections/') == 0
    _log_in(client, o, o.holder["electoral commission"])
    assert link in client.get(f"/elections/{election}").text
