"""Every page in English and Russian (issue 6, Languages): the language follows the browser's
Accept-Language unless the switch in the header has set the `dp_lang` cookie; `<html lang>` says
which; every page of the authorization matrix renders in Russian for each role with no English
left in the page's chrome and no English text from the catalogue left anywhere on the page; many
concurrent requests in both languages each get their own (sync routes run in a thread pool).

Rendering does not depend on the database, so this runs on SQLite only."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from authz_world import ROLES, Template, World, copy_of, drop_template, is_api, make_template
from babel.messages.pofile import read_po
from recall_web_support import serve
from test_authz_matrix import MATRIX, _ids, url_of

from dualpower.web.app import create_app
from dualpower.web.deps import SESSION_COOKIE
from dualpower.web.live import Broadcaster

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PO = Path(__file__).resolve().parents[3] / "src/dualpower/web/locale/ru/LC_MESSAGES/messages.po"
RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CHROME_WORDS_ALLOWED = {"API", "OpenAPI", "English"}  # names, and the switch back to English


class Page(HTMLParser):
    """The page's language, its visible text (with alt, aria-label, title and placeholder
    attributes) and the text of its chrome: the header and footer, less the federation's name,
    the member's username and the language switch."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.text: list[str] = []
        self.chrome: list[str] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, in chrome, skipped)

    def _state(self) -> tuple[bool, bool]:
        return (self.stack[-1][1], self.stack[-1][2]) if self.stack else (False, False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "html":
            self.lang = a.get("lang")
        chrome, skipped = self._state()
        chrome = chrome or (tag in ("header", "footer") and "site" in classes) or "skip" in classes
        skipped = (
            skipped
            or tag in ("script", "style", "code", "pre")
            or bool({"brand", "who", "languages"} & set(classes))
        )
        for name in ("alt", "aria-label", "title", "placeholder"):
            if a.get(name) and not skipped:
                (self.chrome if chrome else self.text).append(a[name] or "")
        if tag not in ("meta", "link", "input", "img", "br", "hr", "rect", "source"):
            self.stack.append((tag, chrome, skipped))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        chrome, skipped = self._state()
        if not skipped and data.strip():
            (self.chrome if chrome else self.text).append(data)
            if chrome:
                self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


@cache
def english_fragments() -> tuple[str, ...]:
    """Runs of three or more English words from the catalogue's messages (placeholders and tags
    cut out), that the Russian translation does not also contain."""
    with PO.open("rb") as f:
        catalogue = read_po(f, locale="ru")
    found = set()
    for m in catalogue:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for msgid in ids:
            for part in re.split(r"%\(\w+\)s|<[^>]+>|\{\w+\}", msgid):
                part = " ".join(part.split()).strip(" ,.;:()")
                if len(re.findall(r"[A-Za-z]+", part)) >= 3 and not any(part in s for s in strings):
                    found.add(part)
    return tuple(sorted(found))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    built = make_template("sqlite", tmp_path_factory.mktemp("i18n"), None)
    yield built
    drop_template(built)


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[World]:
    yield from copy_of(template, tmp_path)


def _client(world: World) -> TestClient:
    app = create_app(world.system)
    app.state.live = Broadcaster(heartbeat=0.05, lifetime=0.1)
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def page_urls(world: World) -> list[str]:
    """The GET pages of the authorization matrix, with the matrix's ids and queries."""
    ids = _ids(world)
    urls = []
    for (method, path), spec in MATRIX.items():
        if method == "GET" and not is_api(path) and path != "/language":
            query = "&".join(f"{k}={v}" for k, v in spec.get("query", {}).items())
            urls.append(url_of(path, spec, ids) + (f"?{query}" if query else ""))
    return urls


def test_the_browser_language_chooses_and_english_is_the_default(world: World) -> None:
    client = _client(world)
    english = client.get("/tour")
    assert parse(english.text).lang == "en" and "<h1>A guided tour</h1>" in english.text
    assert english.headers["content-language"] == "en"
    assert "Accept-Language" in english.headers["vary"]
    russian = client.get("/tour", headers=RU)
    assert parse(russian.text).lang == "ru" and "<h1>Экскурсия</h1>" in russian.text
    assert russian.headers["content-language"] == "ru"
    german = client.get("/tour", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert parse(german.text).lang == "en"
    # The API stays English whatever the browser asks.
    api = client.get("/api/v1/elections/999999", headers=RU)
    assert api.status_code == 404 and api.json()["detail"] == "there is no election 999999"


def test_the_switch_sets_a_cookie_that_wins_over_the_browser(world: World) -> None:
    client = _client(world)
    switched = client.get("/language", params={"to": "ru", "next": "/recalls?x=1"})
    assert switched.status_code == 303 and switched.headers["location"] == "/recalls?x=1"
    cookie = switched.headers["set-cookie"]
    assert cookie.startswith("dp_lang=ru;") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    client.cookies.set("dp_lang", "ru")
    page = client.get("/recalls", headers={"Accept-Language": "en"})
    assert parse(page.text).lang == "ru" and "Петиции об отзыве" in page.text
    back = client.get("/language", params={"to": "en", "next": "/recalls"})
    assert back.headers["set-cookie"].startswith("dp_lang=en;")
    client.cookies.set("dp_lang", "en")
    assert parse(client.get("/recalls", headers=RU).text).lang == "en"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil", ""])
def test_the_switch_goes_back_only_to_this_site(world: World, target: str) -> None:
    got = _client(world).get("/language", params={"to": "ru", "next": target})
    assert got.status_code == 303 and got.headers["location"] == "/"


def test_an_unknown_language_is_refused_in_the_readers_language(world: World) -> None:
    got = _client(world).get("/language", params={"to": "xx"}, headers=RU)
    assert got.status_code == 404
    assert "<h1>Не найдено</h1>" in got.text and "Такого языка нет." in got.text


def test_the_switch_is_on_every_page_and_marks_the_language_in_use(world: World) -> None:
    client = _client(world)
    html = client.get("/alignment?faction=R", headers=RU).text
    switch = re.search(r'<nav aria-label="Язык" class="languages">(.*?)</nav>', html, re.S)
    assert switch is not None
    links = re.findall(r"<a ([^>]*)>([^<]*)</a>", switch.group(1))
    assert [text for _, text in links] == ["English", "Русский"]
    for attrs, _ in links:
        assert "next=/alignment%3Ffaction%3DR" in attrs and 'hreflang="' in attrs
    assert ['aria-current="true"' in attrs for attrs, _ in links] == [False, True]
    assert 'lang="en"' in links[0][0] and 'lang="ru"' in links[1][0]


def test_every_page_renders_in_russian_for_every_role(world: World) -> None:
    client = _client(world)
    urls = page_urls(world)
    assert len(urls) >= 25, urls
    fragments = english_fragments()
    assert len(fragments) > 200
    failures, rendered = [], 0
    for role in ROLES:
        client.cookies.clear()
        if role != "anonymous":
            client.cookies.set(SESSION_COOKIE, world.cookie[role])
        for url in urls:
            got = client.get(url, headers=RU)
            if got.status_code >= 500:
                failures.append(f"{url} as {role}: {got.status_code}")
            if got.status_code != 200 or "text/html" not in got.headers["content-type"]:
                continue
            rendered += 1
            page = parse(got.text)
            if page.lang != "ru" and "<html" in got.text:  # a fragment has no <html>
                failures.append(f"{url} as {role}: <html lang={page.lang!r}>")
            chrome = {w for w in LATIN_WORD.findall(" ".join(page.chrome))}
            if chrome - CHROME_WORDS_ALLOWED:
                failures.append(f"{url} as {role}: English chrome {sorted(chrome)}")
            text = " ".join(" ".join(page.text).split())
            left = [f for f in fragments if f in text]
            if left:
                failures.append(f"{url} as {role}: English left: {left[:3]}")
    assert rendered > 100
    assert not failures, "\n".join(failures)


def test_every_page_still_renders_in_english(world: World) -> None:
    client = _client(world)
    client.cookies.set(SESSION_COOKIE, world.cookie["deputy"])
    english = 0
    for url in page_urls(world):
        got = client.get(url)
        assert got.status_code < 500, url
        if got.status_code == 200 and "text/html" in got.headers["content-type"]:
            page = parse(got.text)
            assert page.lang == ("en" if "<html" in got.text else None), url
            assert not re.search("[А-Яа-я]", " ".join(page.text)), url
            text = " ".join(" ".join(page.text).split())
            english += sum(f in text for f in english_fragments())
    assert english > 100  # the Russian test's detector does find English where it is


def test_concurrent_requests_each_get_their_own_language(world: World) -> None:
    """Real concurrency: a live server, its sync routes in a thread pool, 16 clients at once."""

    def fetch(url_and_language: tuple[str, str]) -> tuple[str, str | None]:
        url, language = url_and_language
        got = httpx.get(url, headers={"Accept-Language": language}, timeout=30)
        return language, parse(got.text).lang

    for base in serve(create_app(world.system)):
        jobs = [
            (f"{base}{path}", lang)
            for path in ("/tour", "/alignment", "/recalls")
            for lang in ("en", "ru")
            for _ in range(8)
        ]
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers: list[Any] = list(pool.map(fetch, jobs))
        assert all(asked == got for asked, got in answers), answers


def test_the_pictures_speak_the_readers_language(world: World) -> None:
    """The SVG pictures' text alternatives (title, desc) follow the language like the pages."""
    client = _client(world)
    council = _ids(world)["north"]
    for path in (f"/api/v1/councils/{council}/hemicycle.svg", "/api/v1/alignment/tree.svg"):
        english, russian = client.get(path), client.get(path, headers=RU)
        assert english.status_code == russian.status_code == 200, path
        assert re.search(r"seats by faction|coloured by majority", english.text), path
        assert not re.search(r"seats by faction|coloured by majority|no majority", russian.text)
        assert re.search(
            r"[а-яА-Я]{3}", re.sub(r"<title>[^<]*Council[^<]*</title>", "", russian.text)
        )
    strength = client.get(f"/api/v1/councils/{council}/strength.svg", headers=RU)
    assert strength.status_code == 200 and "over time" not in strength.text
