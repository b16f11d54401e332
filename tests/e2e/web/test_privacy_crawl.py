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

import itertools
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from authz_world import Template, World, app_routes, copy_of, drop_template, make_template

from dualpower.store import tables as t
from dualpower.web.app import create_app
from dualpower.web.deps import SESSION_COOKIE
from dualpower.web.live import Broadcaster

SOURCES = {
    "council_id": "councils",
    "unit_id": "base_units",
    "comment_id": "comments",
    "report_id": "reports",
    "faction_id": "factions",
    "election_id": "elections",
    "petition_id": "recall_petitions",
    "directive_id": "directives",
    "motion_id": "motions",
    "session_id": "sessions",
    "breach_id": "breaches",
    "initiative_id": "initiatives",
    "mandate_id": "mandates",
    "office_id": "offices",
    "term_id": "office_terms",
    "member_id": "members",
    "kind": None,
}
SUBJECTS = {
    "motion": "motions",
    "initiative": "initiatives",
    "directive": "directives",
    "recall": "recall_petitions",
}
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    built = make_template("sqlite", tmp_path_factory.mktemp("privacy"), None)
    yield built
    drop_template(built)


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[World]:
    yield from copy_of(template, tmp_path)


def _ids(world: World, table: str) -> list[int]:
    tab = t.metadata.tables.get(table)
    if tab is None:
        return []
    with world.system.engine.connect() as conn:
        return [int(i) for i in conn.execute(select(tab.c.id).order_by(tab.c.id)).scalars()]


def urls(world: World, app: Any) -> list[str]:
    """Every GET route, page or API, with every id of each of its parameters."""
    out: list[str] = []
    for method, path, _ in app_routes(app):
        if method != "GET":
            continue
        names = [p.split("}")[0] for p in path.split("{")[1:]]
        choices: list[list[dict[str, Any]]] = []
        if "kind" in names:
            choices.append(
                [
                    {"kind": kind, "subject_id": i}
                    for kind, table in SUBJECTS.items()
                    for i in _ids(world, table)
                ]
            )
            names = [n for n in names if n not in ("kind", "subject_id")]
        for name in names:
            table = SOURCES.get(name, name.removesuffix("_id") + "s")
            choices.append([{name: i} for i in _ids(world, table or "")] or [{name: 1}])
        for combo in itertools.product(*choices):
            url = path
            for part in combo:
                for name, value in part.items():
                    url = url.replace(f"{{{name}}}", str(value))
            out.append(url)
    for kind, table in SUBJECTS.items():
        out += [f"/api/v1/comments?kind={kind}&id={i}" for i in _ids(world, table)]
    out += ["/api/v1/audit/entries", "/api/v1/recalls", "/api/v1/elections"]
    return out


def holders(world: World) -> set[int]:
    with world.system.engine.connect() as conn:
        held = set(conn.execute(select(t.mandates.c.holder_id)).scalars())
        held |= set(conn.execute(select(t.candidates.c.member_id)).scalars())
        return held | set(conn.execute(select(t.office_terms.c.holder_id)).scalars())


def private_words(world: World) -> dict[str, str]:
    """word -> username, for the username, name and e-mail of each member who never held a
    mandate or office."""
    public = holders(world)
    words: dict[str, str] = {}
    with world.system.engine.connect() as conn:
        for row in conn.execute(select(t.members)):
            if row.id not in public:
                for word in (row.username, row.display_name, row.email):
                    if word:
                        words[word] = row.username
    return words


def found(text: str, words: dict[str, str]) -> set[str]:
    return {
        who for word, who in words.items() if re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", text)
    }


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
