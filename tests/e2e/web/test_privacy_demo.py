"""The demo, read by the public (DESIGN.md 2.11, issue 22, "Done when"): the Petrograd demo is
built, its export written, and every GET page and API route crawled anonymously (every id of
the kinds the demo has few of; the first and last ids of the others: it has thousands of members
and hundreds of elections). No answer and no file of the export names a member who holds no
mandate or office and never stood: not their username, their e-mail, nor their name where no
public person bears the same name. A member of a unit still reads its roll by name.

Words are looked up as whole tokens (usernames and e-mails) and word pairs (names), so the crawl
stays fast over eight thousand members.
"""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select, update

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from privacy_support import urls

import demo_build
from dualpower.bootstrap import System, build
from dualpower.services.accounts import _issue
from dualpower.services.export import export
from dualpower.store import tables as t
from dualpower.store.sequencer import settle
from dualpower.web.app import create_app
from dualpower.web.live import Broadcaster

pytestmark = pytest.mark.slow
TOKEN = re.compile(r"[\w.@+-]+")
WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's demo as built, closed (tests/demo_build.py): each test copies it."""
    return demo_build.built(tmp_path_factory).path


@pytest.fixture
def system(demo_file: Path, tmp_path: Path) -> Iterator[System]:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    built = build(f"sqlite:///{copy}", migrate=False)
    with built.engine.begin() as conn:  # e-mail addresses, for the crawl to look for
        conn.execute(update(t.members).values(email=t.members.c.username + "@mail.example"))
    yield built
    built.engine.dispose()


class Private:
    """The words that would name a private member, and a finder for them."""

    def __init__(self, system: System) -> None:
        with system.engine.connect() as conn:
            public = set(conn.execute(select(t.mandates.c.holder_id)).scalars())
            public |= set(conn.execute(select(t.office_terms.c.holder_id)).scalars())
            public |= set(conn.execute(select(t.candidates.c.member_id)).scalars())
            rows = conn.execute(
                select(t.members.c.id, t.members.c.username, t.members.c.display_name)
            ).all()
        public_names = {name for i, _, name in rows if i in public}
        self.tokens = {u for i, u, _ in rows if i not in public}
        self.tokens |= {f"{u}@mail.example" for u in self.tokens}
        self.names = {
            tuple(WORD.findall(name))
            for i, _, name in rows
            if i not in public and name not in public_names
        }
        self.lengths = {len(n) for n in self.names}
        assert len(self.tokens) > 1000 and len(self.names) > 10

    def found(self, text: str) -> set[str]:
        hits = {w.rstrip(".") for w in TOKEN.findall(text)} & self.tokens
        words = WORD.findall(text)
        for n in self.lengths:
            grams = zip(*(words[k:] for k in range(n)), strict=False)
            hits |= {" ".join(g) for g in grams if g in self.names}
        return hits


def test_the_finder_finds_whole_words() -> None:
    finder = Private.__new__(Private)
    finder.tokens, finder.names, finder.lengths = {"vera.sidorova6"}, {("Vera", "Sidorova")}, {2}
    assert finder.found('<td>Vera Sidorova</td> {"u": "vera.sidorova6"}') == {
        "Vera Sidorova",
        "vera.sidorova6",
    }
    assert finder.found("vera.sidorova61 Vera Sidorovaa") == set()


def test_an_anonymous_visitor_reads_no_private_member_of_the_demo(
    system: System, tmp_path: Path
) -> None:
    private = Private(system)
    settle(system.engine)
    export(system.uow(), tmp_path / "public")
    files = sorted((tmp_path / "public").glob("*.json"))
    assert files
    leaks = {f.name: private.found(f.read_text(encoding="utf-8")) for f in files}
    assert {k: sorted(v)[:5] for k, v in leaks.items() if v} == {}
    app = create_app(system)
    app.state.live = Broadcaster(heartbeat=0.05, lifetime=0.1)
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    crawled = [
        u
        for u in urls(SimpleNamespace(system=system), app, sample=6)  # type: ignore[arg-type]
        if not u.endswith(("/events", "/live"))
    ]
    assert len(crawled) > 200
    answered, seen = 0, {}
    for url in crawled:
        got = client.get(url)
        assert got.status_code < 500, (url, got.status_code)
        if got.status_code == 200:
            answered += 1
            hit = private.found(got.text)
            if hit:
                seen[url] = sorted(hit)[:5]
    assert answered > 150
    assert seen == {}, "\n".join(f"{u}: {w}" for u, w in seen.items())


def test_a_member_of_a_unit_reads_its_roll(system: System) -> None:
    with system.engine.connect() as conn:
        mm = t.memberships
        unit_id, member_id = conn.execute(
            select(mm.c.unit_id, mm.c.member_id).where(mm.c.end_at.is_(None)).limit(1)
        ).one()
    with system.uow() as uow:
        member = uow.members.get(member_id)
        assert member is not None
        token = _issue(uow, member, "api").token
        uow.commit()
    client = TestClient(create_app(system))
    roll = f"/api/v1/units/{unit_id}/members"
    assert client.get(roll).status_code == 401
    got: Any = client.get(roll, headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200
    assert member.username in {row["username"] for row in got.json()} and len(got.json()) > 10
