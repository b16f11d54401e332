"""The server-rendered pages: content, login and logout, CSRF on every form, cookie flags,
redirects to /login, HTML escaping, the demo notice, and the ballot form."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app
from factories import PASSWORD


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def hidden_csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "every form carries a CSRF token"
    return found.group(1)


def log_in(client: TestClient, username: str) -> str:
    """Log in through the form; returns the session's CSRF token (from the next page)."""
    client.cookies.clear()
    form = client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": hidden_csrf(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return hidden_csrf(client.get("/me").text)


def test_pages_are_html_for_phones(client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'href="#main"' in html and 'id="main"' in html  # skip link
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert "script-src 'self'" in r.headers["content-security-policy"]
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "@media" in css.text


def test_home_shows_the_tree_with_seats_and_majorities(client, federation) -> None:
    html = client.get("/").text
    assert "Test Federation" in html
    for name in ("Chief Council", "North Council", "South Council"):
        assert f'href="/councils/{federation.councils[name]}">{name}</a>' in html
    assert html.index("Chief Council") < html.index("North Council")
    assert "3 of 3 seats filled" in html and "4 of 4 seats filled" in html
    assert "Majority: <strong>Reds</strong>" in html
    assert "Majority: <strong>Greens</strong>" in html
    assert "No faction holds a majority" in html  # the chief council: 2 Reds, 2 Greens


def test_council_page_groups_deputies_by_faction(client, federation) -> None:
    r = client.get(f"/councils/{federation.councils['North Council']}")
    assert r.status_code == 200
    html = r.text
    assert "<h1>North Council</h1>" in html
    assert re.search(r"<h3>Reds <span class=\"count\">\(3\)</span></h3>", html)
    for name in ("Forge Member 1", "Forge Member 3", "Barracks Member 1"):
        assert name in html
    assert f'href="/units/{federation.units["Forge"]}"' in html
    missing = client.get("/councils/9999")
    assert missing.status_code == 404 and "there is no council 9999" in missing.text.lower()


def test_unit_page_shows_the_roll_only_to_those_allowed(client, federation) -> None:
    url = f"/units/{federation.units['Forge']}"
    anonymous = client.get(url).text
    assert "<h1>Forge</h1>" in anonymous and "Forge Member 1" in anonymous  # a deputy
    assert "Forge Member 12" not in anonymous and "shown only to the members" in anonymous
    log_in(client, "mill5")
    assert "Forge Member 12" not in client.get(url).text
    log_in(client, "forge5")
    assert "Forge Member 12" in client.get(url).text


def test_pages_that_need_a_login_redirect_to_it(client) -> None:
    r = client.get("/me", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/me"


def test_me_shows_my_unit_my_deputies_up_to_the_chief(client, federation) -> None:
    log_in(client, "forge5")
    html = client.get("/me").text
    assert "Forge Member 5" in html and f'href="/units/{federation.units["Forge"]}">Forge' in html
    north, chief = html.index("North Council"), html.index("Chief Council")
    assert north < chief
    assert "Forge Member 1" in html[north:chief] and "Forge Member 3" in html[north:chief]
    assert "Barracks Member 1" not in html[north:chief]  # elected by Barracks, not by Forge
    assert "You hold no mandate" in html
    log_in(client, "forge1")
    assert "You hold no mandate" not in client.get("/me").text


def test_login_cookie_flags(client) -> None:
    form = client.get("/login")
    assert "dp_login_csrf" in form.headers["set-cookie"]
    r = client.post(
        "/login",
        data={"username": "forge5", "password": PASSWORD, "csrf_token": hidden_csrf(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/me"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("dp_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags  # plain http: a Secure cookie would never come back


def test_session_cookie_is_secure_over_https(system, federation) -> None:
    with TestClient(create_app(system), base_url="https://testserver") as client:
        form = client.get("/login")
        r = client.post(
            "/login",
            data={"username": "forge5", "password": PASSWORD, "csrf_token": hidden_csrf(form.text)},
            follow_redirects=False,
        )
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("dp_session="))
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_login_form_refuses_a_missing_or_wrong_csrf_token(client) -> None:
    form = client.get("/login")
    token = hidden_csrf(form.text)
    for data in [
        {"username": "forge5", "password": PASSWORD},
        {"username": "forge5", "password": PASSWORD, "csrf_token": token + "x"},
    ]:
        r = client.post("/login", data=data, follow_redirects=False)
        assert r.status_code == 403
        assert "dp_session" not in r.headers.get("set-cookie", "")
    # The token alone, without its cookie (a cross-site post), is refused too.
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": "forge5", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert client.get("/me", follow_redirects=False).status_code == 303


def test_wrong_password_on_the_form(client) -> None:
    form = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "forge5", "password": "nope", "csrf_token": hidden_csrf(form.text)},
    )
    assert r.status_code == 401 and "wrong username or password" in r.text
    assert "dp_session" not in r.headers.get("set-cookie", "")


def test_login_next_stays_on_this_site(client) -> None:
    form = client.get("/login")
    r = client.post(
        "/login",
        data={
            "username": "forge5",
            "password": PASSWORD,
            "csrf_token": hidden_csrf(form.text),
            "next": "//evil.example/steal",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/me"


def test_logout_needs_the_csrf_token(client) -> None:
    csrf = log_in(client, "forge5")
    refused = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/me", follow_redirects=False).status_code == 200  # still logged in
    done = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.get("/me", follow_redirects=False).status_code == 303


def test_everything_is_html_escaped(client, system, federation) -> None:
    with system.uow() as uow:
        uow.members.set(federation.members["forge1"], display_name="<script>alert(1)</script>")
        uow.commit()
    html = client.get(f"/councils/{federation.councils['North Council']}").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_demo_notice_only_for_a_demo(client, system, federation) -> None:
    assert "synthetic" not in client.get("/").text
    with system.uow() as uow:
        uow.federations.set(federation.federation_id, is_demo=True)
        uow.commit()
    assert "synthetic" in client.get("/").text


def test_closed_election_page_shows_every_round(client, federation) -> None:
    closed = client.get("/api/v1/elections", params={"status": "closed"}).json()
    chief = next(
        e
        for e in closed
        if e["electorate"] == {"kind": "council", "id": federation.councils["North Council"]}
    )
    result = client.get(f"/api/v1/elections/{chief['id']}/result").json()
    html = client.get(f"/elections/{chief['id']}").text
    assert "Round by round" in html
    assert len(re.findall(r"<caption>Round \d+", html)) == len(result["rounds"]) >= 1
    for c in result["elected"]:
        assert c["name"] in html


@pytest.fixture
def open_block(system, federation) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    from dualpower.services.elections import OpenElection, nominate
    from fixtures_services import open_election

    with system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Forge"])
    election_id = open_election(system.uow(), OpenElection(electorate.id, "block"))
    ids = [
        nominate(system.uow(), election_id, federation.members[f"forge{i}"], None, "test")
        for i in (6, 7, 8)
    ]
    return election_id, ids


def _has_voted(system, election_id: int, member_id: int) -> bool:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        return uow.elections.has_participated(election_id, member_id)


def test_ballot_form_needs_the_csrf_token(client, system, federation, open_block) -> None:
    election_id, candidates = open_block
    csrf = log_in(client, "forge5")
    page = client.get(f"/elections/{election_id}").text
    assert f'action="/elections/{election_id}/ballot"' in page and hidden_csrf(page) == csrf
    url = f"/elections/{election_id}/ballot"
    voter = federation.members["forge5"]
    for bad in [{}, {"csrf_token": "forged"}]:
        r = client.post(url, data={"choice": [str(candidates[0])]} | bad)
        assert r.status_code == 403
        assert not _has_voted(system, election_id, voter)  # nothing changed
    r = client.post(url, data={"choice": [str(c) for c in candidates[:2]], "csrf_token": csrf})
    assert r.status_code == 200 and "Your ballot was counted" in r.text
    receipt = re.search(r'<code class="receipt"[^>]*>([0-9a-f]+)</code>', r.text)
    assert receipt and len(receipt.group(1)) >= 16
    assert _has_voted(system, election_id, voter)
    again = client.post(url, data={"choice": [str(candidates[2])], "csrf_token": csrf})
    assert again.status_code == 409 and "already voted" in again.text


def test_ballot_form_without_a_session_goes_to_login(client, open_block) -> None:
    election_id, candidates = open_block
    r = client.post(
        f"/elections/{election_id}/ballot",
        data={"choice": [str(candidates[0])], "csrf_token": "x"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
