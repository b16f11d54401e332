"""Issue 25, defect 5: money has a unit. A plan names its currency (ISO 4217); amounts are kept
and served by the API in its minor unit, with the currency named; pages write them as the
language writes money (Babel): 12050 kopecks are "RUB120.50" in English, "120,50 ₽" in Russian,
never "12,050"."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator

import pytest
from sqlalchemy import update

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.domain.errors import FoundingError
from dualpower.services.plans import plan_from_json
from dualpower.store import tables as t
from dualpower.web.app import create_app

PLAN = {"name": "F", "factions": [], "councils": [], "units": [], "members": []}


def test_a_plan_names_its_currency() -> None:
    assert plan_from_json(json.dumps(PLAN | {"currency": "RUB"})).currency == "RUB"
    assert plan_from_json(json.dumps(PLAN)).currency == "XXX"  # none named
    for bad in ("roubles", "rub", 643, None):
        with pytest.raises(FoundingError, match="currency"):
            plan_from_json(json.dumps(PLAN | {"currency": bad}))


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        uow.conn.execute(update(t.federations).values(currency="RUB"))
        uow.offices.add(
            council_id=federation.councils["North Council"],
            name="secretary",
            capabilities=[],
            stipend=12050,
        )
        uow.commit()
    with TestClient(create_app(system)) as c:
        yield c


def test_amounts_are_minor_units_with_the_currency_named(client) -> None:
    pay = client.get("/api/v1/pay").json()
    assert pay["currency"] == "RUB"
    assert [s["amount"] for s in pay["stipends"]] == [12050]
    spec = client.get("/api/openapi.json").json()
    assert (
        "minor unit"
        in spec["components"]["schemas"]["PayPublic"]["properties"]["currency"]["description"]
    )


def test_pages_write_money_as_the_language_does(client, federation) -> None:
    council = f"/councils/{federation.councils['North Council']}"
    for path in ("/pay", council, f"{council}/offices"):
        english = client.get(path).text
        assert "RUB120.50" in english and "12,050" not in english, path
        client.cookies.set("dp_lang", "ru")
        russian = client.get(path).text
        client.cookies.delete("dp_lang")
        assert "120,50\xa0₽" in russian and "12,050" not in russian, path
