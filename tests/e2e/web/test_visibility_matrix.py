"""Who sees a member's name (DESIGN.md 2.11, issue 22): the classes of services/visibility.py,
role by role, over the API and the pages, on both databases.

Forge's member 12 holds no mandate and never stood, so their name is no public fact. They are on
Forge's roll, opened a recall petition against a Forge deputy, reported a comment on a Forge
motion, voted in Forge's open assembly vote and in an open Forge election. Each record concerns
Forge: its roll, signers, reporters and who took part in its votes are shown by name to Forge's
members and to the deputies and office holders of the councils Forge elects into (North, the
chief council), and as the number `#id` to everyone else: anonymous visitors, members of
another unit, deputies of a council that is neither (South). Names of deputies stay public.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from discussion_support import report
from dualpower.services import discussion, elections, motions, recall
from dualpower.services.accounts import _issue
from dualpower.web.app import create_app
from dualpower.web.deps import SESSION_COOKIE
from factories import Small, close_vote_in_time, username
from fixtures_services import close_election, open_election
from sessions_helpers import deputies, give_chair

NAME = "Forge Member 12"


@dataclass
class World:
    fed: Small
    subject: int
    roles: dict[str, int | None]  # role -> member id (None: anonymous)
    records: dict[str, int]


def _world(fed: Small) -> World:
    uow = fed.system.uow
    m = fed.members
    subject = m[username("Forge", 12)]
    forge, north, chief = fed.units["Forge"], fed.councils["North Council"], "Chief Council"
    records: dict[str, int] = {}
    # an open election in Forge: the subject votes
    with uow() as u:
        electorate = u.electorates.for_unit(forge)
        assert electorate is not None
    election = open_election(uow(), elections.OpenElection(electorate.id, "plurality"))
    cands = [
        elections.nominate(uow(), election, m[username("Forge", i)], None, None) for i in (9, 10)
    ]
    for i in (11, 12):
        elections.cast_ballot(uow(), election, m[username("Forge", i)], [cands[0]])
    close_election(uow(), election)
    records["election"] = election
    # Forge's assembly votes openly: the subject votes
    cmd = motions.DraftMotion(forge, None, "Strike fund", "Levy 1 %.")
    motion = motions.draft_motion(uow(), m[username("Forge", 11)], cmd)
    motions.open_vote(uow(), motion, m[username("Forge", 11)])
    for i in (11, 12):
        motions.cast_vote(uow(), motion, m[username("Forge", i)], "yes")
    close_vote_in_time(fed.system, motion, m[username("Forge", 11)])
    records["motion"] = motion
    # the subject reports a comment on it (scope: the unit Forge)
    comment = discussion.post_comment(
        uow(), discussion.PostComment(m[username("Forge", 5)], "motion", motion, "Scabs!")
    )
    records["report"] = report(fed, subject, comment).id
    # the subject opens a recall petition against a deputy Forge elected
    with uow() as u:
        forge_seat = next(
            md
            for md in u.mandates.active_in_council(north)
            if u.members.current_unit_id(md.holder_id) == forge
        )
    records["petition"] = recall.open_recall(uow(), forge_seat.id, subject).id
    north_deputies = deputies(fed, "North Council")
    chiefs = set(deputies(fed, chief))
    south = [d for d in deputies(fed, "South Council") if d not in chiefs]
    assert south, "a South deputy who does not sit in the chief council"
    office_holder = north_deputies[-1]
    give_chair(fed, "North Council", office_holder)
    roles: dict[str, int | None] = {
        "anonymous": None,
        "member of another unit": m[username("Mill", 12)],
        "deputy of another council": south[0],
        "member of the unit": m[username("Forge", 11)],
        "deputy of its council": north_deputies[0],
        "office holder of its council": office_holder,
        "the member themself": subject,
    }
    return World(fed, subject, roles, records)


SEES = {
    "anonymous": False,
    "member of another unit": False,
    "deputy of another council": False,
    "member of the unit": True,
    "deputy of its council": True,
    "office holder of its council": True,
    "the member themself": True,
}


@pytest.fixture
def world(federation: Small) -> World:
    return _world(federation)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.fed.system)) as c:
        yield c


def _as(client: TestClient, world: World, role: str) -> dict[str, str]:
    """The role, signed in both ways: a page session (its cookie, set on the client) and an API
    token (the header returned); issued directly, as a login would, so that the password gate
    (web/guards.py) does not pace the test."""
    member_id = world.roles[role]
    client.cookies.clear()
    if member_id is None:
        return {}
    with world.fed.system.uow() as uow:
        member = uow.members.get(member_id)
        assert member is not None
        session, api = _issue(uow, member, "session"), _issue(uow, member, "api")
        uow.commit()
    client.cookies.set(SESSION_COOKIE, session.token)
    return {"Authorization": f"Bearer {api.token}"}


def _reads(world: World) -> dict[str, str]:
    rec = world.records
    return {
        "the roll (page)": f"/units/{world.fed.units['Forge']}",
        "who opened a petition (page)": f"/recalls/{rec['petition']}",
        "who reported (page)": f"/reports/{rec['report']}",
        "who voted how in an assembly (API)": f"/api/v1/motions/{rec['motion']}",
        "who voted how in an assembly (page)": f"/motions/{rec['motion']}",
        "who voted how in an open election (API)": f"/api/v1/elections/{rec['election']}/ballots",
        "who voted how in an open election (page)": f"/elections/{rec['election']}",
    }


@pytest.mark.slow
def test_names_by_role(world: World, client: TestClient) -> None:
    wrong = []
    for role, sees in SEES.items():
        headers = _as(client, world, role)
        for what, path in _reads(world).items():
            r = client.get(path, headers=headers)
            assert r.status_code == 200, (role, path, r.status_code)
            shown = NAME in r.text
            if shown != sees:
                wrong.append(f"{role}: {what} {'shows' if shown else 'hides'} the name")
            if not sees and f"#{world.subject}" not in r.text and "roll" not in what:
                wrong.append(f"{role}: {what} shows neither the name nor #{world.subject}")
    assert not wrong, "\n".join(wrong)


def test_the_roll_by_role(world: World, client: TestClient) -> None:
    """GET /units/{id}/members (DESIGN.md 4.1): to the unit's members and its councils'
    deputies and office holders; 403 to other members, 401 to the public."""
    path = f"/api/v1/units/{world.fed.units['Forge']}/members"
    for role, sees in SEES.items():
        r = client.get(path, headers=_as(client, world, role))
        expected = 200 if sees else (401 if role == "anonymous" else 403)
        assert r.status_code == expected, (role, r.status_code, r.text)
        if sees:
            assert NAME in {row["name"] for row in r.json()}


def test_deputies_stay_public_by_name(world: World, client: TestClient) -> None:
    """A deputy's acts in office stay under their name, to anyone (2.11)."""
    with world.fed.system.reader() as uow:
        seat = uow.recalls.get(world.records["petition"])
        holder = uow.mandates.get(seat.mandate_id).holder_id  # type: ignore[union-attr]
        name = uow.members.get(holder).display_name  # type: ignore[union-attr]
    page = client.get(
        f"/recalls/{world.records['petition']}", headers=_as(client, world, "anonymous")
    )
    assert name in page.text
