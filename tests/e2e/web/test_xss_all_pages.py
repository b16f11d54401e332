"""Stored XSS (issue 7, item 8): attack payloads in every user text field, every page rendered,
0 unescaped.

The world of tests/e2e/web/authz_world.py is built with a payload in every text it stores: the
federation's, councils', units', factions' and members' names (the founding plan; one more
member through a roll import), founding platforms, motion titles and texts, instructions (their
motions quote the target's title), session titles, office names, authority names, directive
titles, texts and sources, stance conditions and counter-orders, comments, faction statements,
report reasons, platform titles and texts. Then every page route of the app is fetched with
every id of its kind, anonymous and logged in as several roles, with a few reflected inputs
besides; the pictures (SVG) too. Each answer is parsed (html.parser): no <script> but the site's
own, no on* attribute, no javascript: URL, no element a payload brought.

Rendering does not depend on the database, so this runs on SQLite only.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from authz_world import (
    Template,
    World,
    app_routes,
    copy_of,
    drop_template,
    is_api,
    make_template,
)

from dualpower.services import roll
from dualpower.store import tables as t
from dualpower.web.app import create_app
from dualpower.web.deps import SESSION_COOKIE
from dualpower.web.live import Broadcaster

# Each set fits the shortest field limit (office names: 100 characters with their label).
PAYLOADS = {
    "tags": '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
    "links": '[x](javascript:alert(1)) <a href="javascript:alert(1)">y</a>',
    "mixed": "'><svg onload=alert(1)> **<b onclick=alert(1)>b</b>** [y](JaVaScRiPt:alert(1))",
}
VIEWERS = ("anonymous", "member", "official", "other_official")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
# Which table holds the ids of each path parameter.
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
    "member_id": "members",
    "credential_id": "auth_tokens",
}
SUBJECTS = {
    "motion": "motions",
    "initiative": "initiatives",
    "directive": "directives",
    "recall": "recall_petitions",
}


class Finder(HTMLParser):
    """Collects what a payload would have brought into the page, were it unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            src = values.get("src") or ""
            if not src.startswith("/static/"):
                self.found.append(f"<script src={src!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            squeezed = "".join((value or "").split()).lower()
            if name in URL_ATTRS and squeezed.startswith(("javascript:", "vbscript:", "data:text")):
                self.found.append(f"<{tag} {name}={value!r}>")
        if values.get("src") == "x":  # the payload's <img src=x ...>, whatever else it kept
            self.found.append(f"<{tag} {values}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert" in data:
            self.found.append(f"script body {data[:60]!r}")


def unescaped(html: str) -> list[str]:
    finder = Finder()
    finder.feed(html)
    finder.close()
    return finder.found


def test_the_finder_finds_what_it_looks_for() -> None:
    """The checker itself can fail: each payload, unescaped, is found; escaped, it is not."""
    from markupsafe import escape

    for payload in PAYLOADS.values():
        assert unescaped(f"<p>{payload}</p>"), payload
        assert unescaped(f"<p>{escape(payload)}</p>") == [], payload
    assert unescaped('<a href=" JavaScript:alert(1)">x</a>')
    assert unescaped('<script src="/static/live.js"></script>') == []


def _say(payload: str) -> Any:
    return lambda label: f"{label} {payload}"


@pytest.fixture(scope="module", params=sorted(PAYLOADS))
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Template, str]]:
    payload = PAYLOADS[request.param]
    built = make_template("sqlite", tmp_path_factory.mktemp("xss"), None, _say(payload))
    yield built, payload
    drop_template(built)


@pytest.fixture
def world(template: tuple[Template, str], tmp_path: Path) -> Iterator[World]:
    """A copy of the built world, plus a member added by a roll import with a payload for a
    name."""
    built, payload = template
    for world in copy_of(built, tmp_path):
        csv = f'username,name\nrollxss,"Rolled {payload.replace(chr(34), chr(34) * 2)}"\n'
        roll.import_roll(
            world.system.uow(), csv, str(world.ids["forge"]), actor="operator", is_operator=True
        )
        yield world


def _ids(world: World, table: str) -> list[int]:
    tab = t.metadata.tables[table]
    with world.system.engine.connect() as conn:
        return [int(i) for i in conn.execute(select(tab.c.id).order_by(tab.c.id)).scalars()]


def page_urls(world: World, app: Any) -> list[str]:
    """Every GET page (and picture) of the app with every id of each of its parameters."""
    urls: list[str] = []
    for method, path, _ in app_routes(app):
        if method != "GET" or (is_api(path) and not path.endswith(".svg")):
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
            assert name in SOURCES, f"{path}: which ids does {{{name}}} take? add it to SOURCES"
            choices.append([{name: i} for i in _ids(world, SOURCES[name])])
        for combo in itertools.product(*choices):
            url = path
            for part in combo:
                for name, value in part.items():
                    url = url.replace(f"{{{name}}}", str(value))
            urls.append(url)
    return urls


def reflected_urls(world: World, payload: str) -> list[str]:
    """Inputs a page shows back."""
    q = quote(payload, safe="")
    return [
        f"/alignment?faction={q}",
        f"/login?next={q}",
        f"/login?next=/{q}",
        f"/nothing-here/{q}",
        f"/discussions/{q}/1",
    ]


def _client(world: World) -> TestClient:
    app = create_app(world.system)
    app.state.live = Broadcaster(heartbeat=0.05, lifetime=0.1)
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


@pytest.mark.slow
def test_no_payload_is_rendered_unescaped(world: World, template: tuple[Template, str]) -> None:
    client = _client(world)
    payload = template[1]
    urls = page_urls(world, client.app) + reflected_urls(world, payload)
    assert len(urls) > 60, urls
    failures: list[str] = []
    seen_payload = 0
    for viewer in VIEWERS:
        client.cookies.clear()
        if viewer != "anonymous":
            client.cookies.set(SESSION_COOKIE, world.cookie[viewer])
        for url in urls:
            got = client.get(url)
            if got.status_code >= 500:
                failures.append(f"{url} as {viewer}: {got.status_code}")
                continue
            if got.status_code in (301, 302, 303, 307):
                continue
            if "alert(1)" in got.text:
                seen_payload += 1
            found = unescaped(got.text)
            if found:
                failures.append(f"{url} as {viewer}: {found[:3]}")
    assert not failures, "\n".join(failures)
    assert seen_payload > 100, "the payloads never reached a page: the test tests nothing"


@pytest.mark.slow
def test_forms_that_show_the_text_back_escape_it(world: World) -> None:
    """A refused form re-renders what was typed: still escaped."""
    client = _client(world)
    payload = PAYLOADS["tags"] + PAYLOADS["mixed"]
    client.cookies.set(SESSION_COOKIE, world.cookie["member"])
    csrf = world.csrf["member"]
    motion = world.ids["motion_unit"]
    too_long = payload * 2000  # above the longest comment
    for url, form in (
        (f"/discussions/motion/{motion}", {"text": too_long}),
        (f"/comments/{world.ids['comment']}/edit", {"text": too_long}),
        (f"/comments/{world.ids['comment']}/report", {"reason": too_long}),
        (f"/reports/{world.ids['report']}/decision", {"decision": payload}),
        (f"/directives/{world.ids['directive']}/stances", {"council_id": "x", "kind": payload}),
        (f"/elections/{world.ids['election_closed']}/receipt", {"receipt": payload[:80]}),
    ):
        got = client.post(url, data=form | {"csrf_token": csrf})
        assert got.status_code < 500, (url, got.status_code)
        assert unescaped(got.text) == [], (url, unescaped(got.text)[:3])
