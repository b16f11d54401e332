"""Issue 25, defect 7: a structure change the page refuses says why in Russian on a Russian page
(the names it quotes kept), in English on an English one; the API stays English."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from test_i18n_pages import parse
from test_structure_api import _auth
from test_structure_forms import _csrf, _log_in

from dualpower.web.app import create_app
from offices_support import north_deputies

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


def test_structure_refusals_read_in_the_page_s_language(client, federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    north = fed.councils["North Council"]
    url = f"/councils/{north}/structure"
    deputies = set(north_deputies(fed))
    plain = next(i for u, i in fed.members.items() if u.startswith("forge") and i not in deputies)
    _log_in(client, fed, plain)
    add = {"kind": "add_unit", "name": "Dockyard", "unit_kind": "factory", "section": "workers"}
    add |= {"council": str(north), "csrf_token": _csrf(client.get(url).text)}
    refused = client.post(url, data=add, headers=RU)
    assert refused.status_code == 403
    assert "Изменение структуры совета North Council предлагают только его депутаты" in (
        _said(refused.text)
    )
    english = client.post(url, data=add, headers=EN)
    assert "Only the deputies of North Council propose a change of its structure" in (
        _said(english.text)
    )
    _log_in(client, fed, min(deputies))
    council = {"kind": "add_council", "parent": str(north), "name": "East"}
    council["csrf_token"] = _csrf(client.get(url).text)
    refused = client.post(url, data=council, headers=RU)
    assert refused.status_code == 409
    said = _said(refused.text)
    assert "нет правила для нижестоящих советов" in said and "North Council" in said
    split = {"kind": "split_unit", "unit": str(fed.units["Forge"]), "name": "Forge"}
    split |= {"members": "forge11", "csrf_token": council["csrf_token"]}
    refused = client.post(url, data=split, headers=RU)
    assert refused.status_code == 409 and "Коллектив «Forge» уже есть" in _said(refused.text)
    # the API answers in English whatever the reader's language
    api = client.post(
        "/api/v1/structure-motions",
        json={"change": {"kind": "merge_units", "unit": "Forge", "into": "Forge"}},
        headers=_auth(client, fed, min(deputies)) | RU,
    )
    assert api.status_code == 422
    assert api.json()["detail"] == "a unit is not merged into itself"
