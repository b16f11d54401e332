"""Issue 25, defect 7: a refusal of any topic reads in the page's language, the names it quotes
kept: a faction registered twice (services/factions.py), a recall petition opened twice
(services/recall.py), in Russian on a Russian page and in English on an English one; the API
answers in English whatever the reader's language."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from test_faction_pages import _csrf
from test_i18n_pages import parse

from dualpower.web.app import create_app
from factories import PASSWORD

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _said(html: str) -> str:
    return " ".join(" ".join(parse(html).text).split())


def _log_in(client: TestClient, name: str, then: str) -> str:
    client.cookies.clear()
    form = client.get("/login")
    data = {"username": name, "password": PASSWORD, "csrf_token": _csrf(form.text)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return _csrf(client.get(then).text)


def test_a_faction_registered_twice_is_refused_in_the_page_s_language(client) -> None:  # type: ignore[no-untyped-def]
    csrf = _log_in(client, "forge5", "/factions")
    form = {"name": "Anarchists", "short": "A", "colour": "#000000", "csrf_token": csrf}
    assert client.post("/factions", data=form, follow_redirects=False).status_code == 303
    refused = client.post("/factions", data=form, headers=RU)
    assert refused.status_code == 409
    assert "Фракция «Anarchists» уже есть." in _said(refused.text)
    english = client.post("/factions", data=form, headers=EN)
    assert english.status_code == 409
    assert "There is a faction 'Anarchists' already." in _said(english.text)
    token = client.post("/api/v1/auth/login", json={"username": "forge5", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {token.json()['token']}"} | RU
    api = client.post(
        "/api/v1/factions",
        json={"name": "Anarchists", "short": "A", "colour": "#000"},
        headers=auth,
    )
    assert api.status_code == 409
    assert api.json()["detail"] == "there is a faction 'Anarchists' already"


def test_a_second_recall_petition_is_refused_in_the_page_s_language(client, federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    with fed.system.reader() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
    csrf = _log_in(client, "forge5", "/me")
    form = {"mandate_id": mandate.id, "csrf_token": csrf}
    assert client.post("/recalls", data=form, follow_redirects=False).status_code == 303
    refused = client.post("/recalls", data=form, headers=RU)
    assert refused.status_code == 409
    said = _said(refused.text)
    assert "Петиция об отзыве" in said and "уже открыта" in said, said
    english = client.post("/recalls", data=form, headers=EN)
    assert "ecall petition against this" in _said(english.text)
