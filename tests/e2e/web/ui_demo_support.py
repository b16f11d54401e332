"""Support for the browser tests that walk the Petrograd demo: a copy of the run's demo
(tests/demo_build.py) for each module that re-exports `demo` (they change it), topped up with what
the replay leaves closed (an open ranked ballot and an open recall vote), the pages worth
visiting, page sessions without the password check, and axe-core (bundled by
axe-playwright-python, injected locally: no CDN).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import recall_web_support as support

import demo_build
from dualpower.bootstrap import System
from dualpower.services import elections as el
from dualpower.services import recall
from fixtures_services import open_election

SERIOUS = {"serious", "critical"}


@dataclasses.dataclass
class Demo:
    system: System
    ranked_voter: int  # an elector of the open ranked election
    ranked_election: int
    recall_voter: int  # an elector of the open recall vote
    recall_vote: int
    keyboard_voters: tuple[int, int]  # two more: the keyboard test votes, the axe walk looks
    petition_voter: int  # an elector of the open petition (pages["petition"]) who has not signed
    pages: dict[str, str]  # name -> path


def _first(system: System, sql: str) -> int:
    from sqlalchemy import text

    with system.engine.connect() as conn:
        row = conn.execute(text(sql)).first()
    assert row is not None, f"the demo has no row for: {sql}"
    return int(row[0])


def _open_ranked(system: System) -> tuple[int, int, int]:
    """An STV election open in a Petrograd factory, three candidates nominated."""
    with system.uow() as uow:
        unit = next(u for u in uow.units.list() if u.name == "Putilov Shipyard")
        electorate = uow.electorates.for_unit(unit.id)
        assert electorate is not None
        members = sorted(uow.members.ids_of_unit(unit.id))
    election_id = open_election(system.uow(), el.OpenElection(electorate.id, "stv-scottish"))
    for member in members[:3]:
        el.nominate(system.uow(), election_id, member, None, None)
    return members[5], members[6], election_id


def _open_recall_vote(system: System) -> tuple[int, int, int]:
    """A recall vote open in a unit of the Zamoskvorechye soviet (recall by vote)."""
    with system.uow() as uow:
        council = next(c for c in uow.councils.list() if c.recall_rule == "vote")
        units = [u for u in uow.units.list() if u.council_id == council.id]
        for unit in units:
            electorate = uow.electorates.for_unit(unit.id)
            assert electorate is not None
            held = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
            if held:
                break
        target = held[0]
        electors = sorted(uow.members.ids_of_unit(unit.id) - {target.holder_id})
    petition = recall.open_recall(system.uow(), target.id, electors[0])
    state = recall.sign_many(system.uow(), petition.id, electors[: petition.threshold])
    assert state.vote_election_id is not None
    return electors[-1], electors[-2], state.vote_election_id


def build(shared: demo_build.Built, tmp: Path) -> Demo:
    system = demo_build.copy(shared, tmp / "demo.db")
    ranked_voter, ranked_keys, ranked = _open_ranked(system)
    recall_voter, recall_keys, vote = _open_recall_vote(system)
    one = lambda sql: _first(system, sql)  # noqa: E731
    milyukov = one("SELECT id FROM directives WHERE title LIKE 'Milyukov%'")
    soviet = one("SELECT id FROM councils WHERE name LIKE 'Petrograd Soviet%'")
    closed = one(
        "SELECT id FROM elections WHERE status = 'closed' AND method = 'stv-scottish' "
        "ORDER BY id DESC"
    )
    petition = one("SELECT id FROM recall_petitions WHERE status = 'open' ORDER BY id")
    petition_voter = one(
        "SELECT m.id FROM members m JOIN memberships ms ON ms.member_id = m.id "
        "JOIN electorates e ON e.unit_id = ms.unit_id JOIN mandates md ON md.electorate_id = e.id "
        f"JOIN recall_petitions rp ON rp.mandate_id = md.id WHERE rp.id = {petition} "
        "AND ms.end_at IS NULL AND m.id <> md.holder_id AND m.id NOT IN "
        f"(SELECT member_id FROM recall_signatures WHERE petition_id = {petition}) ORDER BY m.id"
    )
    pages = {
        "home": "/",
        "council": f"/councils/{soviet}",
        "unit": f"/units/{one('SELECT id FROM base_units ORDER BY id')}",
        "me": "/me",
        "login": "/login",
        "election ranked ballot": f"/elections/{ranked}",
        "election recall vote": f"/elections/{vote}",
        "election closed": f"/elections/{closed}",
        "recalls": "/recalls",
        "petition": f"/recalls/{petition}",
        "notifications": "/notifications",
        "pay": "/pay",
        "offices": f"/councils/{one('SELECT council_id FROM offices ORDER BY id')}/offices",
        "motions": f"/councils/{one('SELECT council_id FROM sessions ORDER BY id')}/sessions",
        "motion": f"/motions/{one('SELECT id FROM motions ORDER BY id')}",
        "session": f"/sessions/{one('SELECT id FROM sessions ORDER BY id')}",
        "initiative": f"/initiatives/{one('SELECT id FROM initiatives ORDER BY id')}",
        "breach": f"/breaches/{one('SELECT id FROM breaches ORDER BY id')}",
        "directives": "/directives",
        "directive": f"/directives/{milyukov}",
        "alignment": "/alignment",
        "council alignment": f"/councils/{soviet}/alignment",
        "discussion": f"/discussions/directive/{milyukov}",
        "report": f"/reports/{one('SELECT id FROM reports ORDER BY id')}",
        "factions": "/factions",
        "faction": f"/factions/{one('SELECT id FROM factions ORDER BY id')}",
        "tour": "/tour",
    }
    return Demo(
        system,
        ranked_voter,
        ranked,
        recall_voter,
        vote,
        (ranked_keys, recall_keys),
        petition_voter,
        pages,
    )


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    built = build(demo_build.built(tmp_path_factory), tmp_path_factory.mktemp("demo"))
    try:
        yield built
    finally:
        built.system.engine.dispose()


def log_in(context: Any, base_url: str, system: System, member_id: int) -> None:
    """A page session for the member in the browser context, as if they had logged in."""
    issued = support.token(system, member_id, "session")
    context.add_cookies([{"name": "dp_session", "value": issued.token, "url": base_url}])


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for v in results.response["violations"]:
        if v["impact"] in SERIOUS:
            targets = [", ".join(n["target"]) for n in v["nodes"][:3]]
            found.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return found
