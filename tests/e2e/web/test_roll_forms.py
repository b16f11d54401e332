"""The roll's page forms (DESIGN.md 2.10) for the North Council's credentials committee, on both
databases: it adds a member to Forge, moves one to Mill (history kept), ends a membership; a
plain member gets 403 and changes nothing; a form without its CSRF token is refused."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app
from factories import PASSWORD
from offices_support import Offices, setup_offices


@pytest.fixture
def o(system, federation) -> Offices:  # type: ignore[no-untyped-def]
    return setup_offices(federation)


@pytest.fixture
def client(system, o) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _log_in(client: TestClient, o: Offices, member_id: int) -> None:
    name = next(u for u, i in o.fed.members.items() if i == member_id)
    client.cookies.clear()
    form = client.get("/login")
    data = {"username": name, "password": PASSWORD, "csrf_token": _csrf(form.text)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def test_the_credentials_committee_changes_the_roll_by_forms(client, o) -> None:  # type: ignore[no-untyped-def]
    fed = o.fed
    forge, mill = fed.units["Forge"], fed.units["Mill"]
    _log_in(client, o, o.holder["credentials committee"])
    page = client.get(f"/units/{forge}/roll")
    assert page.status_code == 200 and "forge12" in page.text
    csrf = _csrf(page.text)
    add = {"username": "newbie", "name": "New Member", "email": "", "csrf_token": csrf}
    assert (
        client.post(f"/units/{forge}/roll/add", data=add, follow_redirects=False).status_code == 303
    )
    assert (
        client.post(f"/units/{forge}/roll/add", data={**add, "csrf_token": ""}).status_code == 403
    )
    mover, leaver = fed.members["forge11"], fed.members["forge12"]
    moved = client.post(
        f"/units/{forge}/roll/{mover}/move",
        data={"to": mill, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    left = client.post(
        f"/units/{forge}/roll/{leaver}/leave", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert left.status_code == 303
    with fed.system.uow() as uow:
        assert uow.members.by_username("newbie") is not None
        assert [h.end_reason for h in uow.memberships.history(mover)] == ["transferred", None]
        assert uow.members.current_unit_id(mover) == mill
        assert uow.members.current_unit_id(leaver) is None


def test_a_plain_member_is_refused(client, o) -> None:  # type: ignore[no-untyped-def]
    fed = o.fed
    forge = fed.units["Forge"]
    _log_in(client, o, fed.members["forge9"])
    assert client.get(f"/units/{forge}/roll").status_code == 403
    csrf = _csrf(client.get("/me").text)
    add = {"username": "sneaky", "name": "Sneaky", "csrf_token": csrf}
    assert client.post(f"/units/{forge}/roll/add", data=add).status_code == 403
    with fed.system.uow() as uow:
        assert uow.members.by_username("sneaky") is None
