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

from dualpower.services import (
    capability_motions,
    motion_titles,
    motions,
    offices,
    sessions,
    stewards,
    stipends,
)
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
        names += [f.name for f in uow.factions.list()]
        # a title a member typed is data; a title the product wrote is page text (defect 7)
        names += [m.title for m in uow.motions.list() if motion_titles.title_as(uow, m) is None]
        # so is a text, but not one the product builds from the title's spec (has_body)
        names += [m.text for m in uow.motions.list() if not _product_text(uow, m)]
        names += [s.title for s in uow.sessions.list()]
        names += [uow.federations.only().name]
        # An office a federation named itself ("chair 5" here) is data; a generated name is not.
        names += [o.name for o in uow.offices.list() if not GENERATED_OFFICE.fullmatch(o.name)]
    return sorted(set(names), key=len, reverse=True)


def _product_text(uow, motion) -> bool:  # type: ignore[no-untyped-def]
    return motion_titles.has_body(motion_titles.title_as(uow, motion))


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


def test_the_titles_the_product_writes_read_in_russian(client, system, federation) -> None:
    """Defect 7: the title of a stipend or capability motion is written by the product ("Set the
    stipend of the chair to 120.50 RUB"); on a Russian page it reads in Russian, on the motion's
    page, its session's and its council's sessions, with the amount as Russian writes money. A
    title a member typed shows as typed; the API keeps the English title."""
    from offices_support import setup_offices, sit

    o = setup_offices(federation, stipend=0)
    session = sit(o)
    stipend = stipends.propose_stipend(system.uow(), o.deputies[1], o.office["chair"], 450)
    given = capability_motions.propose_capability(
        system.uow(), o.deputies[1], o.office["electoral commission"], "report_wages"
    )
    typed = motions.draft_motion(
        system.uow(),
        o.deputies[1],
        motions.DraftMotion(None, federation.councils["North Council"], "Eight hours", "Eight."),
    )
    for motion in (stipend, given, typed):
        sessions.add_to_agenda(system.uow(), o.holder["chair"], session, motion)
    motions.open_vote(system.uow(), stipend, o.holder["chair"])  # on /me: a motion to vote on
    with system.uow() as uow:
        deputy = uow.members.get(o.deputies[1]).username
        currency = uow.federations.only().currency
    log_in(client, deputy)
    council = federation.councils["North Council"]
    names = _data_names(system)
    assert "Eight hours" in names  # typed: data, shown as typed
    failures = []
    for path in (
        f"/motions/{stipend}",
        f"/motions/{given}",
        f"/sessions/{session}",
        f"/councils/{council}/sessions",
        "/me",
    ):
        got = client.get(path, headers=RU)
        assert got.status_code == 200, (path, got.status_code)
        # a template's fragment that is also a typed name ("Pay of officials") is the name
        runs = [r for r in _english_runs(got.text, names) if not any(r in n for n in names)]
        text = " ".join(" ".join(parse(got.text).text).split())
        for name in names:
            text = text.replace(name, " ")
        runs += GENERATED_OFFICE.findall(text)
        if runs:
            failures.append(f"{path}: {runs[:5]}")
    assert not failures, "\n".join(failures)
    page = " ".join(parse(client.get(f"/motions/{stipend}", headers=RU).text).text)
    assert "Установить стипендию должности «председатель»" in page
    assert "Совет устанавливает ежемесячную стипендию своей должности «председатель»" in page
    if currency and currency.upper() == "RUB":
        assert "4,50" in page
    page = " ".join(parse(client.get(f"/motions/{given}", headers=RU).text).text)
    assert "полномочие «сообщать заработки»" in page
    assert "Совет наделяет свою должность «избирательная комиссия» полномочием" in page
    assert "Eight hours" in " ".join(
        parse(client.get(f"/sessions/{session}", headers=RU).text).text
    )
    api = client.get(f"/api/v1/motions/{stipend}").json()
    assert api["title"].startswith("Set the stipend of the chair to ")
    api = client.get(f"/api/v1/motions/{given}").json()
    assert api["text"].startswith("The council gives its office 'electoral commission' the ")


def test_a_petition_against_an_official_names_the_office_in_russian(
    client, system, federation
) -> None:
    """Defect 7: a recall petition against an official reads "Name (office)"; on a Russian page
    the office is said in Russian ("председатель", not "chair"), on the petitions' list and the
    petition's page."""
    from dualpower.services import recall
    from offices_support import setup_offices

    o = setup_offices(federation)
    with system.uow() as uow:
        term = uow.office_terms.active_of_office(o.office["chair"])
        holder = uow.members.get(o.holder["chair"]).display_name
        deputy = uow.members.get(o.deputies[2]).username  # an elector yet to sign: on /me
    petition = recall.open_office_recall(system.uow(), term.id, o.deputies[1])
    log_in(client, deputy)
    for path in ("/recalls", f"/recalls/{petition.id}", "/me"):
        got = client.get(path, headers=RU)
        assert got.status_code == 200, (path, got.status_code)
        text = " ".join(" ".join(parse(got.text).text).split())
        assert f"{holder} (председатель)" in text, path
        assert f"{holder} (chair)" not in text, path
