"""A council gives an office a capability by a motion it adopts, through the web (DESIGN.md 2.9),
on both databases: a deputy proposes it by the API or by the offices page's form; the holder of
an office given `record_stance` takes the council's stance on a directive by the API (403 before
the adoption, and again once a second motion takes it back); refused proposals are 4xx and
change nothing."""

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


def _adopt(o: Offices, motion: int) -> None:
    """The council decides the motion in a session, every deputy for it."""
    uow, chair = o.fed.system.uow, o.holder["chair"]
    session = sit(o)
    sessions.add_to_agenda(uow(), chair, session, motion)
    motions.open_vote(uow(), motion, chair)
    show_of_hands(uow(), motion, [(d, "yes") for d in o.deputies])
    assert motions.close_vote(uow(), motion, chair).status == "adopted"
    sessions.close_session(uow(), chair, session)


def test_a_capability_given_and_taken_back_by_motion(client, o) -> None:  # type: ignore[no-untyped-def]
    directive = _directive(o)
    north = o.fed.councils["North Council"]
    office, holder = o.office["credentials committee"], o.holder["credentials committee"]
    stance = {"council_id": north, "kind": "endorse"}
    as_holder = _token(client, o, holder)
    url = f"/api/v1/directives/{directive}/stances"
    assert client.post(url, json=stance, headers=as_holder).status_code == 403
    deputy = _token(client, o, o.deputies[0])
    propose = f"/api/v1/offices/{office}/capability-motions"
    got = client.post(propose, json={"capability": "record_stance"}, headers=deputy)
    assert got.status_code == 201, got.text
    assert client.post(url, json=stance, headers=as_holder).status_code == 403  # not yet
    _adopt(o, got.json()["id"])
    offices = client.get(f"/api/v1/councils/{north}/offices").json()
    given = next(x for x in offices if x["id"] == office)
    assert "record_stance" in given["capabilities"]
    taken = client.post(url, json=stance, headers=as_holder)
    assert taken.status_code == 201, taken.text
    back = client.post(
        propose, json={"capability": "record_stance", "gives": False}, headers=deputy
    )
    assert back.status_code == 201, back.text
    _adopt(o, back.json()["id"])
    assert client.post(url, json=stance, headers=as_holder).status_code == 403


def test_refused_proposals_are_4xx(client, o) -> None:  # type: ignore[no-untyped-def]
    chair_office = o.office["chair"]
    propose = f"/api/v1/offices/{chair_office}/capability-motions"
    deputy = _token(client, o, o.deputies[0])
    for body, status in (
        ({"capability": "keep_order"}, 422),
        ({"capability": "fly"}, 422),
        ({"capability": "convene_session"}, 409),  # the chair has it
        ({"capability": "record_stance", "gives": False}, 409),  # nothing to take back
        ({"capability": "record_stance", "extra": 1}, 422),
    ):
        got = client.post(propose, json=body, headers=deputy)
        assert got.status_code == status, (body, got.text)
    member = _token(client, o, o.fed.members["forge4"])
    body = {"capability": "record_stance"}
    assert client.post(propose, json=body, headers=member).status_code == 403
    assert client.post(propose, json=body).status_code == 401
    missing = "/api/v1/offices/99999/capability-motions"
    assert client.post(missing, json=body, headers=deputy).status_code == 404
    with o.fed.system.uow() as uow:
        assert uow.conn.exec_driver_sql("SELECT count(*) FROM capability_motions").scalar() == 0


def test_the_offices_page_form_proposes_a_capability_motion(client, o) -> None:  # type: ignore[no-untyped-def]
    north = o.fed.councils["North Council"]
    _log_in(client, o, o.deputies[0])
    page = client.get(f"/councils/{north}/offices")
    assert f'action="/councils/{north}/capability-motions"' in page.text
    assert 'value="record_stance"' in page.text and 'value="keep_order"' not in page.text
    form = {
        "office_id": str(o.office["chair"]),
        "capability": "record_stance",
        "gives": "1",
        "csrf_token": _csrf(page.text),
    }
    done = client.post(f"/councils/{north}/capability-motions", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/motions/")
    refused = client.post(
        f"/councils/{north}/capability-motions", data={**form, "capability": "keep_order"}
    )
    assert refused.status_code == 422 and "steward" in refused.text
    _log_in(client, o, o.fed.members["forge4"])
    page = client.get(f"/councils/{north}/offices")
    assert "capability-motions" not in page.text
    form["csrf_token"] = _csrf(page.text)
    assert client.post(f"/councils/{north}/capability-motions", data=form).status_code == 403
