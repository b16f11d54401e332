"""Stances by the council's vote through the web (DESIGN.md 2.6, 2.9), on both databases: a
deputy puts a stance to the council by the API or the directive page's form (a motion); once the
council adopts it the directive page shows the stance; a member who is no deputy is refused."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import date

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import motions, register, sessions
from dualpower.web.app import create_app
from factories import PASSWORD
from fixtures_services import show_of_hands
from offices_support import Offices, setup_offices, sit

OPERATOR = register.Actor(is_operator=True)


@pytest.fixture
def o(system, federation) -> Offices:  # type: ignore[no-untyped-def]
    return setup_offices(federation, stipend=0)


@pytest.fixture
def client(system, o, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    # Several logins in a row on a loaded machine: the password gate (web/guards.py) may not
    # hold them back here; its own tests are tests/e2e/web/test_ops_web.py's.
    monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_SHARE", "1")
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _directive(o: Offices) -> int:
    uow, north = o.fed.system.uow, o.fed.councils["North Council"]
    authority = register.record_authority(
        uow(), register.RecordAuthority("Provisional Government", north), OPERATOR
    )
    cmd = register.RecordDirective(authority, north, "Order to the front", date(1917, 4, 18))
    return register.record_directive(uow(), cmd, OPERATOR)


def _token(client: TestClient, o: Offices, member_id: int) -> dict[str, str]:
    name = next(u for u, i in o.fed.members.items() if i == member_id)
    got = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {got.json()['token']}"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _log_in(client: TestClient, o: Offices, member_id: int) -> None:
    name = next(u for u, i in o.fed.members.items() if i == member_id)
    client.cookies.clear()
    data = {"username": name, "password": PASSWORD, "csrf_token": _csrf(client.get("/login").text)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def test_a_stance_put_to_the_vote_by_api_is_taken_when_adopted(client, o) -> None:  # type: ignore[no-untyped-def]
    directive = _directive(o)
    north = o.fed.councils["North Council"]
    body = {"directive_id": directive, "kind": "countermand", "counter_order": "Stay"}
    member = _token(client, o, o.fed.members["forge4"])
    refused = client.post(f"/api/v1/councils/{north}/stance-motions", json=body, headers=member)
    assert refused.status_code == 403
    deputy = _token(client, o, o.deputies[0])
    bad = client.post(
        f"/api/v1/councils/{north}/stance-motions",
        json={"directive_id": directive, "kind": "support_conditionally"},
        headers=deputy,
    )
    assert bad.status_code == 422
    got = client.post(f"/api/v1/councils/{north}/stance-motions", json=body, headers=deputy)
    assert got.status_code == 201, got.text
    motion = got.json()["id"]
    uow = o.fed.system.uow
    session = sit(o)
    sessions.add_to_agenda(uow(), o.holder["chair"], session, motion)
    motions.open_vote(uow(), motion, o.holder["chair"])
    show_of_hands(uow(), motion, [(d, "yes") for d in o.deputies])
    assert motions.close_vote(uow(), motion, o.holder["chair"]).status == "adopted"
    stances = client.get(f"/api/v1/directives/{directive}").json()["stances"]
    assert [(s["council_id"], s["current"]["kind"]) for s in stances] == [(north, "countermand")]


def test_the_directive_page_form_puts_a_stance_to_the_vote(client, o) -> None:  # type: ignore[no-untyped-def]
    directive = _directive(o)
    north = o.fed.councils["North Council"]
    _log_in(client, o, o.deputies[0])
    page = client.get(f"/directives/{directive}")
    assert f'action="/directives/{directive}/stance-motions"' in page.text
    form = {"council_id": str(north), "kind": "endorse", "csrf_token": _csrf(page.text)}
    done = client.post(f"/directives/{directive}/stance-motions", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/motions/")
    _log_in(client, o, o.fed.members["forge4"])
    page = client.get(f"/directives/{directive}")
    assert "stance-motions" not in page.text
    form["csrf_token"] = _csrf(page.text)
    assert client.post(f"/directives/{directive}/stance-motions", data=form).status_code == 403
