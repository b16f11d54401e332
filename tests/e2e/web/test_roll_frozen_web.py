"""Frozen electorates and verification on the API and the pages (DESIGN.md 2.10), both databases:
a member who joined after a petition opened gets a 403 that says so, and the petition's page
tells them why they may not sign, in English and Russian; an unverified member where the
standing orders ask for verification likewise."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
import recall_web_support as support

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_recall_pages import log_in

from dualpower.services import recall
from dualpower.services.offices import OPERATOR_CALLER, verify_member
from dualpower.services.roll_changes import add_member
from dualpower.web.app import create_app
from factories import PASSWORD, password_hash, username

API = "/api/v1"
small_template, fed = support.small_template, support.fed  # fixtures


@pytest.fixture
def client(fed) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as c:
        yield c


def _petition(fed) -> int:  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
    opener = fed.members[username("Forge", 1)]
    return recall.open_recall(fed.system.uow(), mandate.id, opener).id


def _late_joiner(fed) -> int:  # type: ignore[no-untyped-def]
    member = add_member(fed.system.uow(), "latecomer", "Late Comer", "Forge", OPERATOR_CALLER)
    with fed.system.uow() as uow:
        uow.members.set(member, password_hash=password_hash(PASSWORD))
        uow.commit()
    return member


def test_a_late_joiner_is_told_why_on_the_api_and_the_page(client, fed) -> None:
    petition = _petition(fed)
    late = _late_joiner(fed)
    r = client.post(
        f"{API}/recalls/{petition}/signatures", headers=support.bearer(fed.system, late)
    )
    assert r.status_code == 403
    assert "after the petition opened" in r.json()["detail"]
    assert client.get(f"{API}/recalls/{petition}").json()["threshold"] == 7
    log_in(client, "latecomer")
    page = client.get(f"/recalls/{petition}")
    assert "you joined it later, so you may not sign" in page.text
    client.cookies.set("dp_lang", "ru")
    page = client.get(f"/recalls/{petition}")
    assert "вы вошли в него позже" in page.text


def test_an_unverified_member_is_told_why_where_verification_is_asked(client, fed) -> None:
    petition = _petition(fed)
    member = fed.members[username("Forge", 4)]
    verify_member(fed.system.uow(), member, OPERATOR_CALLER, is_verified=False)
    with fed.system.uow() as uow:
        uow.councils.set(fed.councils["North Council"], verified_only=True)
        uow.commit()
    r = client.post(
        f"{API}/recalls/{petition}/signatures", headers=support.bearer(fed.system, member)
    )
    assert r.status_code == 403
    assert "verified by the credentials committee sign" in r.json()["detail"]
    log_in(client, username("Forge", 4))
    page = client.get(f"/recalls/{petition}")
    assert "you are not verified yet" in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post(f"/recalls/{petition}/sign", data={"csrf_token": csrf})
    assert refused.status_code in (403, 303, 200)
    assert client.get(f"{API}/recalls/{petition}").json()["signatures"] == 0
