"""The register and the alignment over HTTP: the 4.1 shapes, the binding answer per caller,
refusals (no change), the hemicycle SVG and the pages."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import date

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import register as reg
from dualpower.web.app import create_app
from factories import PASSWORD
from register_helpers import secretary

API = "/api/v1"
OPERATOR = reg.Actor(is_operator=True)


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def _login(client: TestClient, username: str) -> dict[str, str]:
    tokens: dict[str, dict[str, str]] = client.__dict__.setdefault("_tokens", {})
    if username in tokens:
        return tokens[username]
    r = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    tokens[username] = {"Authorization": f"Bearer {r.json()['token']}"}
    return tokens[username]


@pytest.fixture
def note(federation) -> int:  # type: ignore[no-untyped-def]
    chief = federation.councils["Chief Council"]
    authority = reg.record_authority(
        federation.system.uow(), reg.RecordAuthority("Provisional Government", chief), OPERATOR
    )
    return reg.record_directive(
        federation.system.uow(),
        reg.RecordDirective(authority, chief, "Note", date(1917, 4, 18), is_old_style=True),
        OPERATOR,
    )


def test_directives_list_has_the_contract_fields(client, note) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{API}/directives")
    assert r.status_code == 200
    [d] = r.json()
    assert {"id", "authority", "title", "issued_on"} <= set(d)
    assert (d["id"], d["authority"], d["issued_on"]) == (
        note,
        "Provisional Government",
        "1917-04-18",
    )
    assert d["issued_on_new_style"] == "1917-05-01"


def test_binding_differs_by_caller_and_stances_need_the_office(client, federation, note) -> None:  # type: ignore[no-untyped-def]
    north = federation.councils["North Council"]
    sec = secretary(federation, "North Council")
    username = next(u for u, i in federation.members.items() if i == sec)
    mill = _login(client, "mill1")
    # A member of South may not record North's stance: 403, nothing recorded.
    r = client.post(
        f"{API}/directives/{note}/stances",
        json={"council_id": north, "kind": "countermand"},
        headers=mill,
    )
    assert r.status_code == 403 and "record stance" in r.json()["detail"]
    assert client.get(f"{API}/directives/{note}").json()["stances"] == []
    r = client.post(
        f"{API}/directives/{note}/stances",
        json={"council_id": north, "kind": "dismiss"},
        headers=_login(client, username),
    )
    assert r.status_code == 422
    r = client.post(
        f"{API}/directives/{note}/stances",
        json={"council_id": north, "kind": "countermand", "counter_order": "Not one step."},
        headers=_login(client, username),
    )
    assert r.status_code == 201
    forge = client.get(f"{API}/directives/{note}/binding", headers=_login(client, "forge1")).json()
    assert forge["binding"] is False
    assert [(b["council_id"], b["stance"]) for b in forge["because"]] == [(north, "countermand")]
    assert client.get(f"{API}/directives/{note}/binding", headers=mill).json()["because"] == []
    assert client.get(f"{API}/directives/{note}/binding").status_code == 401
    assert client.get(f"{API}/directives/999/binding", headers=mill).status_code == 404
    page = client.get(f"/directives/{note}")
    assert page.status_code == 200 and "countermand" in page.text and "Not one step." in page.text


def test_the_alignment_page_links_each_council_to_its_own_alignment(client, federation) -> None:  # type: ignore[no-untyped-def]
    """The alignment page lists the councils it shows in one table (seats, majority, seats by
    faction with their popular base), each linking to its own alignment page, which draws its
    hemicycle and strength over time and lists its changes of majority (issue 24: the page
    drew all of that for every council it showed, 204 KB at 1,000,000 members)."""
    page = client.get("/alignment").text
    rows = re.findall(r'<tr id="council-(\d+)">(.*?)</tr>', page, re.S)
    assert {int(i) for i, _ in rows} == set(federation.councils.values())
    north = federation.councils["North Council"]
    [row] = [r for i, r in rows if int(i) == north]
    assert f'href="/councils/{north}/alignment"' in row and "Reds" in row and "3" in row
    assert "Changes of majority" not in page and "hemicycle.svg" not in page
    own = client.get(f"/councils/{north}/alignment")
    assert own.status_code == 200
    assert f'src="/api/v1/councils/{north}/hemicycle.svg"' in own.text
    assert re.search(r'<th scope="row">Reds</th><td class="num">3</td><td class="num">\d', own.text)
    assert "<caption>Changes of majority</caption>" in own.text
    assert 'href="/alignment"' in own.text and f'href="/councils/{north}"' in own.text
    assert f'href="/councils/{north}/alignment"' in client.get(f"/councils/{north}").text
    missing = client.get("/councils/999999/alignment")
    assert missing.status_code == 404 and "there is no council 999999" in missing.text.lower()


def test_hemicycle_has_one_circle_per_seat(client, federation) -> None:  # type: ignore[no-untyped-def]
    for name, seats in (("Chief Council", 4), ("North Council", 3)):
        r = client.get(f"{API}/councils/{federation.councils[name]}/hemicycle.svg")
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        assert r.text.count("<circle") == seats
        assert "<title" in r.text and "<desc" in r.text
    assert client.get(f"{API}/councils/999/hemicycle.svg").status_code == 404


def test_alignment_and_the_road(client, federation) -> None:  # type: ignore[no-untyped-def]
    body = client.get(f"{API}/alignment").json()
    by_name = {c["name"]: c for c in body["councils"]}
    assert by_name["North Council"]["composition"] == {"Reds": 3}
    assert by_name["North Council"]["majority"] == "Reds"
    assert by_name["South Council"]["majority"] == "Greens"
    assert body["federation"]["composition"] == {"Greens": 3, "Reds": 3}
    assert body["federation"]["majority"] is None
    assert sum(body["federation"]["popular_base"].values()) == 40
    road = client.get(f"{API}/alignment/road", params={"faction": "R"}).json()
    assert (road["cost"], road["target"], road["seats"]) == (2, 4, 4)
    [wins] = road["wins"]
    assert wins["council"] == "South Council" and len(wins["seats"]) == 2
    assert all(s["faction"] == "Greens" for s in wins["seats"])
    assert client.get(f"{API}/alignment/road", params={"faction": "Blues"}).status_code == 404
    page = client.get("/alignment", params={"faction": "Reds"})
    assert page.status_code == 200 and "must win" in page.text
    assert re.search(r"<svg[^>]*class=\"tree\"", page.text)
    assert (
        client.get(
            f"{API}/councils/{federation.councils['North Council']}/strength.svg"
        ).status_code
        == 200
    )
