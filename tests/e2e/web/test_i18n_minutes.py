"""Issue 25, defect 7: a session's minutes on its page are in the page's language (they were the
English text the API gives: "Minutes of ...", "Convened 2026-12-07 by ...", "ADOPTED: yes 2")."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator

import pytest
from test_pages_web import log_in

from dualpower.services import motions, sessions
from dualpower.web.app import create_app
from sessions_helpers import deputies, open_session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def _minutes(page: str) -> str:
    found = re.search(r'<pre class="card">(.*?)</pre>', page, re.S)
    assert found is not None
    return html.unescape(re.sub(r"<[^>]+>", "", found[1]))


def test_the_minutes_read_in_russian(client, system, federation) -> None:
    north = deputies(federation, "North Council")
    council = federation.councils["North Council"]
    cmd = motions.DraftMotion(None, council, "Eight hours", "The working day is eight hours.")
    motion = motions.draft_motion(system.uow(), north[0], cmd)
    session, chair = open_session(federation, "North Council", [motion], present=north[:2])
    motions.open_vote(system.uow(), motion, chair)
    motions.cast_vote(system.uow(), motion, north[0], "yes")
    motions.cast_vote(system.uow(), motion, north[1], "no")
    motions.close_vote(system.uow(), motion, chair)
    sessions.close_session(system.uow(), chair, session)
    with system.uow() as uow:
        names = [uow.members.get(m).display_name for m in north] + ["North Council"]
        title = uow.sessions.get(session).title
        factions = [f.name for f in uow.factions.list()]
    log_in(client, "forge5")
    english = _minutes(client.get(f"/sessions/{session}").text)
    assert english.startswith("Minutes of North Council") and "Motion " in english
    text = _minutes(client.get(f"/sessions/{session}", headers=RU).text)
    assert text.startswith("Протокол") and "Предложение" in text and "Присутствуют" in text
    for name in sorted([*names, title, "Eight hours", *factions], key=len, reverse=True):
        text = text.replace(name, " ")
    assert re.findall(r"\b[A-Za-z]{2,}\b", text) == [], text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO date
