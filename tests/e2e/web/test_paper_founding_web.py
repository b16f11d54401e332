"""A founding election's paper page (DESIGN.md 2.4, 2.9), on both databases: no commission exists
yet, so the page offers no member the form and says that the operator enters its paper ballots
from the command line; the API's desk names nobody who may enter them."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import cycle
from dualpower.web.app import create_app
from factories import PASSWORD, Small, small_federation


@pytest.fixture
def founding(system) -> tuple[Small, int]:  # type: ignore[no-untyped-def]
    fed = small_federation(system, elect=False)
    cycle.open_founding(system.uow())
    with system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        [election] = [e.id for e in uow.elections.list() if e.electorate_id == electorate.id]
    return fed, election


@pytest.fixture
def client(system, monkeypatch) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DUALPOWER_PASSWORD_CHECK_SHARE", "1")
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def test_the_founding_paper_page_points_to_the_operator(founding, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    _, election = founding
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    data = {"username": "forge3", "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    page = client.get(f"/elections/{election}/paper")
    assert page.status_code == 200
    assert "dualpower paper ballots --operator" in page.text
    assert 'name="voters"' not in page.text
    assert "Only the electoral commission" not in page.text
    desk = client.get(f"/api/v1/elections/{election}/paper-ballots")
    assert desk.status_code == 200 and desk.json()["enterers"] == []
