"""Acts in a session opened with a password the operator set are marked in the log (DESIGN.md
2.10, issue 21), on both databases: the member's act through such a token is logged with the
actor `N~operator-set`; once the member logs in with a password of their own, their acts are not
marked; the log still verifies."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from sqlalchemy import select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import credentials
from dualpower.services.audit import verify_log
from dualpower.store import tables as t
from dualpower.web.app import create_app

API = "/api/v1"
SET = "set by the operator"
OWN = "my very own password"


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def _draft(client: TestClient, token: str, unit_id: int, title: str) -> None:
    r = client.post(
        f"{API}/motions",
        json={"unit_id": unit_id, "title": title, "text": "a motion"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text


def _actors(system, act: str) -> list[str]:  # type: ignore[no-untyped-def]
    with system.engine.connect() as conn:
        query = select(t.audit_log.c.actor).where(t.audit_log.c.act == act)
        return list(conn.execute(query.order_by(t.audit_log.c.id)).scalars())


def test_acts_in_an_operator_set_session_are_marked(client, system, federation) -> None:  # type: ignore[no-untyped-def]
    member_id, unit_id = federation.members["forge7"], federation.units["Forge"]
    credentials.operator_set_password(system.uow(), "forge7", SET, actor="operator")
    login = {"username": "forge7", "password": SET}
    token = client.post(f"{API}/auth/login", json=login).json()["token"]
    _draft(client, token, unit_id, "drafted in the operator's session")
    changed = client.post(
        f"{API}/auth/password",
        json={"current": SET, "new": OWN},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert changed.status_code == 200
    own = client.post(f"{API}/auth/login", json={"username": "forge7", "password": OWN})
    _draft(client, own.json()["token"], unit_id, "drafted in my own session")
    drafted = [a for a in _actors(system, "motion.draft") if a.startswith(str(member_id))]
    assert drafted[-2:] == [f"{member_id}~operator-set", str(member_id)]
    assert _actors(system, "member.change_password") == [f"{member_id}~operator-set"]
    assert verify_log(system.engine).ok
