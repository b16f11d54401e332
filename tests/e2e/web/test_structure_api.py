"""Structure motions through the API (DESIGN.md 2.10, issue 21), on both databases: a deputy of
the council concerned proposes a change (201, a motion of that council, logged); anyone else is
refused (403), a malformed change 422, an unknown unit 404, and nothing is drafted."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app
from factories import PASSWORD, Small
from offices_support import north_deputies

URL = "/api/v1/structure-motions"
MOVE = {"kind": "move_unit", "unit": "Forge", "council": "South Council"}
SPLIT = {"kind": "split_unit", "unit": "Forge", "name": "Forge East", "members": ["forge11"]}


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def _auth(client: TestClient, fed: Small, member_id: int) -> dict[str, str]:
    name = next(u for u, i in fed.members.items() if i == member_id)
    r = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _motions(fed: Small) -> int:
    with fed.system.uow() as uow:
        return len(uow.motions.list())


def test_a_deputy_of_the_council_concerned_proposes(client, federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    with fed.system.uow() as uow:
        chief = {
            md.holder_id for md in uow.mandates.active_in_council(fed.councils["Chief Council"])
        }
    deputy = _auth(client, fed, next(d for d in north_deputies(fed) if d not in chief))
    before = _motions(fed)
    assert client.post(URL, json={"change": SPLIT}).status_code == 401
    # a move from the North to the South is the Chief Council's to decide: a North deputy is not
    moved = client.post(URL, json={"change": MOVE}, headers=deputy)
    assert moved.status_code == 403 and "Chief Council" in moved.json()["detail"]
    bad = client.post(URL, json={"change": {"kind": "rename"}}, headers=deputy)
    assert bad.status_code == 422 and "kind is one of" in bad.text
    gone = client.post(URL, json={"change": SPLIT | {"unit": "Nowhere"}}, headers=deputy)
    assert gone.status_code == 404
    assert _motions(fed) == before
    r = client.post(URL, json={"change": SPLIT, "majority": "absolute"}, headers=deputy)
    assert r.status_code == 201, r.text
    with fed.system.uow() as uow:
        motion = uow.motions.get(r.json()["id"])
        assert motion.council_id == fed.councils["North Council"]
        assert uow.structure_motions.of_motion(motion.id)["members"] == ["forge11"]
    assert client.get(f"/motions/{motion.id}").status_code == 200
    mill = _auth(client, fed, fed.members["mill1"])
    assert client.post(URL, json={"change": SPLIT}, headers=mill).status_code == 403
