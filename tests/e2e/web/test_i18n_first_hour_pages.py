"""Issue 25, defect 7: the pages a new user meets, rendered in Russian, hold no English sentence
from the templates: motions, sessions and their minutes' page, the council's sessions, the
elections indexes, /me, pay. Names (of members, councils, units, factions, motions) are data,
not template text, and are taken out first; so are "API", "JSON" and "UTC"."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
from test_i18n_pages import english_fragments, parse
from test_pages_web import log_in

from dualpower.services import motions, offices, sessions, stewards
from dualpower.web.app import create_app
from sessions_helpers import deputies, open_session

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
# The office names the product makes (the demo's standard offices, a session's stewards): one
# word alone ("chair") escapes ENGLISH_RUN, so they are looked for by name.
GENERATED_OFFICE = re.compile(
    r"\b(?:chair|secretary|credentials committee|electoral commission|steward \d+ of session \d+)\b"
)
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,})+\b")
ALLOWED = {"API", "JSON", "UTC", "OpenAPI", "English"}


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def _data_names(system) -> list[str]:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        names = [m.display_name for m in uow.members.list()]
        names += [c.name for c in uow.councils.list()] + [u.name for u in uow.units.list()]
        names += [f.name for f in uow.factions.list()] + [m.title for m in uow.motions.list()]
        names += [m.text for m in uow.motions.list()] + [s.title for s in uow.sessions.list()]
        names += [uow.federations.only().name]
        # An office a federation named itself ("chair 5" here) is data; a generated name is not.
        names += [o.name for o in uow.offices.list() if not GENERATED_OFFICE.fullmatch(o.name)]
    return sorted(set(names), key=len, reverse=True)


def test_the_first_pages_in_russian_hold_no_english(client, system, federation) -> None:
    north = deputies(federation, "North Council")
    council = federation.councils["North Council"]
    cmd = motions.DraftMotion(None, council, "Eight hours", "The working day is eight hours.")
    motion = motions.draft_motion(system.uow(), north[0], cmd)
    session, chair = open_session(federation, "North Council", [motion], present=north[:2])
    for name in ("chair", "secretary", "credentials committee", "electoral commission"):
        offices.create_office(system.uow(), council, name, ["record_directive"])
    stewards.open_steward_elections(system.uow(), chair, session, 2)
    motions.open_vote(system.uow(), motion, chair)
    motions.cast_vote(system.uow(), motion, north[0], "yes")
    motions.cast_vote(system.uow(), motion, north[1], "no")
    motions.close_vote(system.uow(), motion, chair)
    sessions.close_session(system.uow(), chair, session)
    with system.uow() as uow:
        deputy = uow.members.get(north[1]).username
    log_in(client, deputy)
    forge = federation.units["Forge"]
    paths = [
        "/",
        "/me",
        "/elections",
        f"/councils/{council}",
        f"/councils/{council}/sessions",
        f"/councils/{council}/elections",
        f"/councils/{council}/offices",
        f"/units/{forge}",
        f"/units/{forge}/elections",
        f"/sessions/{session}",
        f"/motions/{motion}",
        "/pay",
        "/recalls",
    ]
    names = _data_names(system)
    fragments = english_fragments()
    failures = []
    for path in paths:
        got = client.get(path, headers=RU)
        assert got.status_code == 200, (path, got.status_code)
        page = parse(got.text)
        assert page.lang == "ru", path
        text = " ".join(" ".join(page.text).split())
        left = [f for f in fragments if f in text]
        for name in names:
            text = text.replace(name, " ")
        runs = [r for r in ENGLISH_RUN.findall(text) if set(re.findall(r"\w+", r)) - ALLOWED]
        runs += GENERATED_OFFICE.findall(text)
        if left or runs:
            failures.append(f"{path}: {left[:3]} {runs[:5]}")
    assert not failures, "\n".join(failures)


def _english_runs(html: str, names: list[str]) -> list[str]:
    page = parse(html)
    assert page.lang == "ru"
    text = " ".join(" ".join(page.text).split())
    left = [f for f in english_fragments() if f in text]
    for name in names:
        text = text.replace(name, " ")
    runs = [r for r in ENGLISH_RUN.findall(text) if set(re.findall(r"\w+", r)) - ALLOWED]
    return left + runs


def test_counts_lots_and_petition_discussions_in_russian(client, system, federation) -> None:
    """What was left English on Russian pages: a count's round notes (written by the counting
    engine), the lot's recipe ("big-endian", the comment in its code), the discussion of a
    recall petition ("Recall petition 1"). The lot's own code (Python) and the log's entry names
    stay as they are."""
    from sqlalchemy import text

    from discussion_support import mill, mill_petition, post, report

    with system.engine.connect() as conn:
        counted = conn.execute(
            text("SELECT id FROM elections WHERE status = 'closed' AND result IS NOT NULL")
        ).scalars()
        elections = sorted(counted)[:6]
    assert elections, "the federation has no counted election"
    petition = mill_petition(federation)
    comment = post(federation, mill(federation, 1), petition, "Recall him!")
    filed = report(federation, mill(federation, 2), comment)
    code = {"Python", "import", "hashlib", "def", "draw", "seed", "inputs", "size", "uniform"}
    code |= {"while", "True", "limit", "return", "in", "range", "items", "print", "for", "fisher"}
    code |= {"yates", "report", "open", "redraw", "sha", "sha256", "v1", "else", "min", "max"}
    names = _data_names(system) + ["Recall him!"]
    failures = []
    paths = [f"/elections/{e}" for e in elections]
    paths += [f"/discussions/recall/{petition}", f"/reports/{filed.id}"]
    for path in paths:
        got = client.get(path, headers=RU)
        assert got.status_code == 200, (path, got.status_code)
        runs = _english_runs(got.text, names)
        if path.startswith("/reports/"):
            runs = [r for r in runs if set(re.findall(r"[A-Za-z]\w*", r)) - code - ALLOWED]
        if runs:
            failures.append(f"{path}: {runs[:5]}")
    assert not failures, "\n".join(failures)
