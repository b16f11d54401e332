"""What an anonymous visitor can read (DESIGN.md 2.11, issue 22).

The world of tests/e2e/web/authz_world.py (one of everything: elections, recalls with signers,
comments, a report with its panel, sessions, motions of a unit and a council) is crawled
anonymously: every GET page and API route with every id of its kind, and the log's entries.
No answer names a member who never held a mandate or office nor stood as a candidate: not
their username, name or e-mail.
A member of a unit still sees its roll.

Rendering does not depend on the database, so this runs on SQLite only.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from authz_world import Template, World, copy_of, drop_template, make_template
from privacy_support import found, private_words, urls

from dualpower.store import tables as t
from dualpower.web.app import create_app
from dualpower.web.deps import SESSION_COOKIE
from dualpower.web.live import Broadcaster


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    built = make_template("sqlite", tmp_path_factory.mktemp("privacy"), None)
    yield built
    drop_template(built)


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[World]:
    yield from copy_of(template, tmp_path)


def test_the_finder_finds_whole_words_only() -> None:
    words = {"forge4": "forge4", "Forge Member 4": "forge4"}
    assert found('{"username": "forge4"}', words) == {"forge4"}
    assert found("<td>Forge Member 4</td>", words) == {"forge4"}
    assert found("forge40 Forge Member 41", words) == set()


@pytest.mark.slow
def test_an_anonymous_visitor_reads_no_private_member(world: World) -> None:
    with world.system.engine.begin() as conn:  # e-mail addresses, for the crawl to look for
        conn.execute(update(t.members).values(email=t.members.c.username + "@mail.example"))
    app = create_app(world.system)
    app.state.live = Broadcaster(heartbeat=0.05, lifetime=0.1)
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    words = private_words(world)
    assert len(words) > 30
    crawled = urls(world, app)
    assert len(crawled) > 100
    leaks: dict[str, set[str]] = {}
    answered = 0
    for url in crawled:
        if url.endswith(("/events", "/live")):
            continue
        got = client.get(url)
        assert got.status_code < 500, (url, got.status_code)
        if got.status_code != 200:
            continue
        answered += 1
        hit = found(got.text, words)
        if hit:
            leaks[url] = hit
    assert answered > 80
    assert leaks == {}, "\n".join(f"{u}: {sorted(w)[:6]}" for u, w in sorted(leaks.items()))


def test_a_member_sees_the_names_an_anonymous_visitor_does_not(world: World) -> None:
    app = create_app(world.system)
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    words = private_words(world)
    forge = world.ids["forge"]
    roll = f"/api/v1/units/{forge}/members"
    assert client.get(roll).status_code == 401
    member = {"Authorization": f"Bearer {world.api['member']}"}
    got = client.get(roll, headers=member)
    assert got.status_code == 200 and found(got.text, words)  # the unit's roll, by name
    comment = f"/api/v1/comments/{world.ids['comment']}"
    anonymous, logged_in = client.get(comment), client.get(comment, headers=member)
    assert anonymous.status_code == logged_in.status_code == 200
    assert found(logged_in.text, words) and not found(anonymous.text, words)
    author = anonymous.json()["author_id"]
    assert f"#{author}" in anonymous.text  # the log's pseudonym
    client.cookies.set(SESSION_COOKIE, world.cookie["member"])
    page = f"/comments/{world.ids['comment']}"
    assert found(client.get(page).text, words)
    client.cookies.set(SESSION_COOKIE, "not-a-session")
    assert not found(client.get(page).text, words)  # a forged cookie reads as anonymous
