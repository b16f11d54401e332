"""The structure page's forms (DESIGN.md 2.10, issue 21), on both databases: a deputy of the
North proposes, without JavaScript, a split of the Forge and a merge into it (303 to
the motion, a motion of the North with the change); a council the North cannot yet seat is
refused (409 with the sentence); a member who is no deputy is refused (403
with the sentence on the page) and nothing is drafted; a form without its CSRF token is refused;
a malformed change answers 422 on the page."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app
from factories import PASSWORD, Small
from offices_support import north_deputies


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _log_in(client: TestClient, fed: Small, member_id: int) -> None:
    name = next(u for u, i in fed.members.items() if i == member_id)
    client.cookies.clear()
    form = client.get("/login")
    data = {"username": name, "password": PASSWORD, "csrf_token": _csrf(form.text)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def _motions(fed: Small) -> int:
    with fed.system.uow() as uow:
        return len(uow.motions.list())


def test_a_deputy_proposes_by_the_page_forms(client, federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    north, forge = fed.councils["North Council"], fed.units["Forge"]
    _log_in(client, fed, north_deputies(fed)[0])
    council_page = client.get(f"/councils/{north}")
    assert f'href="/councils/{north}/structure"' in council_page.text
    page = client.get(f"/councils/{north}/structure")
    assert page.status_code == 200 and "Split a unit" in page.text
    csrf = _csrf(page.text)
    url = f"/councils/{north}/structure"
    split = {
        "kind": "split_unit",
        "unit": str(forge),
        "name": "Forge East",
        "members": "forge11, forge12",
        "majority": "absolute",
        "csrf_token": csrf,
    }
    before = _motions(fed)
    assert client.post(url, data={**split, "csrf_token": ""}).status_code == 403
    bad = client.post(url, data={**split, "kind": "rename"})
    assert bad.status_code == 422 and "Kind is one of" in bad.text
    assert _motions(fed) == before
    r = client.post(url, data=split, follow_redirects=False)
    assert r.status_code == 303, r.text
    motion_id = int(r.headers["location"].rsplit("/", 1)[1])
    with fed.system.uow() as uow:
        other = next(u.id for u in uow.units.list() if u.council_id == north and u.id != forge)
    merge = {"kind": "merge_units", "unit": str(other), "into": str(forge), "csrf_token": csrf}
    merged = client.post(url, data=merge, follow_redirects=False)
    assert merged.status_code == 303, merged.text
    # a council under the North waits for its apportionment to give lower councils seats
    council = client.post(
        url, data={"kind": "add_council", "parent": str(north), "name": "East", "csrf_token": csrf}
    )
    assert council.status_code == 409 and "no rule for lower councils" in council.text
    with fed.system.uow() as uow:
        motion = uow.motions.get(motion_id)
        assert motion is not None and motion.council_id == north and motion.majority == "absolute"
        change = uow.structure_motions.of_motion(motion_id)
        assert change == {
            "kind": "split_unit",
            "unit": forge,
            "name": "Forge East",
            "members": ["forge11", "forge12"],
        }
    assert _motions(fed) == before + 2
    assert client.get(r.headers["location"]).status_code == 200


def test_a_member_who_is_no_deputy_is_refused(client, federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    north = fed.councils["North Council"]
    deputies = set(north_deputies(fed))
    plain = next(i for u, i in fed.members.items() if u.startswith("forge") and i not in deputies)
    _log_in(client, fed, plain)
    page = client.get(f"/councils/{north}/structure")
    assert page.status_code == 200
    before = _motions(fed)
    data = {
        "kind": "add_unit",
        "name": "Dockyard",
        "unit_kind": "factory",
        "section": "workers",
        "council": str(north),
        "csrf_token": _csrf(page.text),
    }
    r = client.post(f"/councils/{north}/structure", data=data, follow_redirects=False)
    assert r.status_code == 403 and "Only the deputies of North Council" in r.text
    assert _motions(fed) == before
    anonymous = TestClient(client.app)
    assert anonymous.get(f"/councils/{north}/structure", follow_redirects=False).status_code == 303
