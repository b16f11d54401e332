"""A small federation with one of everything, for the route-walking tests (authorization
matrix, CSRF on every form, stored XSS on every page).

Every user text goes through `say(label)`: plain words for the matrix, attack payloads for the
XSS test. The roles (issue 5): anonymous, a member of another unit, a member, a deputy, a
recalled deputy (its login issued before the recall committed), an official (an office with
every capability in the North Council), an official of another council (the South Council's).

    Chief Council  <- North (forge1), South (mill1)
      North Council  <- Forge (9 members, 2 seats: forge1, forge2), Barracks (5, 1: barracks1)
      South Council  <- Mill (6 members, 2 seats: mill1, mill2)

forge1 is the official, forge2 the deputy, forge4 the member, mill4 the member of another unit,
barracks1 the recalled deputy (recalled by Barracks members; a by-election opened), mill1 the
official of another council.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from dualpower.bootstrap import System, build
from dualpower.domain import capabilities as caps
from dualpower.domain.founding import CouncilPlan, FactionPlan, FoundingPlan, MemberPlan, UnitPlan
from dualpower.services import (
    accounts,
    discussion,
    elections,
    initiatives,
    instructions,
    invitations,
    motions,
    offices,
    panels,
    recall,
    sessions,
    speakers,
    stewards,
    views,
)
from dualpower.services import register as reg
from dualpower.services.founding import found_federation
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.store import tables as t
from factories import close_nominations, password_hash
from fixtures_services import (
    FoundingOfficeVote,
    FoundingVote,
    file_and_draw,
    found_office_holder,
    founding_election,
    show_of_hands,
)
from pg_copies import DROPPER, SPARES

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
PASSWORD = "password1"
ROLES = ("anonymous", "other_unit", "member", "deputy", "recalled", "official", "other_official")
WHO = {
    "other_unit": "mill4",
    "member": "forge4",
    "deputy": "forge2",
    "recalled": "barracks1",
    "official": "forge1",
    "other_official": "mill1",
}
SIZES = {"Forge": 9, "Barracks": 5, "Mill": 6}
# forge9 holds no role: it has an e-mail address (a reset code may be asked for it) and an
# unused invitation code (the join forms take it).
RESET_WHO = "forge9"
RESET_EMAIL = "forge9@example.org"
Say = Callable[[str], str]


def plain(label: str) -> str:
    return label


@dataclasses.dataclass
class World:
    system: System
    ids: dict[str, int] = dataclasses.field(default_factory=dict)  # object name -> id
    members: dict[str, int] = dataclasses.field(default_factory=dict)  # username -> id
    api: dict[str, str] = dataclasses.field(default_factory=dict)  # role -> bearer token
    cookie: dict[str, str] = dataclasses.field(default_factory=dict)  # role -> session token
    csrf: dict[str, str] = dataclasses.field(default_factory=dict)  # role -> session csrf
    codes: dict[str, str] = dataclasses.field(default_factory=dict)  # name -> invitation code

    def member(self, role: str) -> int:
        return self.members[WHO[role]]


def plan(say: Say, password_hash: str) -> FoundingPlan:
    base = {
        "by_kind": {
            "factory": {"rule": "fixed", "seats": 2},
            "company": {"rule": "fixed", "seats": 1},
        }
    }
    upper = {"default": {"rule": "fixed", "seats": 1}}
    units = (
        ("Forge", "factory", "workers", "North"),
        ("Barracks", "company", "soldiers", "North"),
        ("Mill", "factory", "workers", "South"),
    )
    return FoundingPlan(
        name=say("Federation"),
        factions=(
            FactionPlan(say("Reds"), "R", "#c00000", platform=say("Reds founding platform")),
            FactionPlan(say("Greens"), "G", "#00a000", platform=say("Greens founding platform")),
        ),
        councils=(
            CouncilPlan(say("Chief Council"), None, apportionment=upper, seat_method="plurality"),
            CouncilPlan(say("North Council"), say("Chief Council"), apportionment=base),
            CouncilPlan(say("South Council"), say("Chief Council"), apportionment=base),
        ),
        units=tuple(UnitPlan(say(n), k, s, say(f"{c} Council")) for n, k, s, c in units),
        members=tuple(
            MemberPlan(
                f"{unit.lower()}{i}",
                say(f"{unit} Member {i}"),
                say(unit),
                password_hash,
                email=RESET_EMAIL if f"{unit.lower()}{i}" == RESET_WHO else None,
            )
            for unit, size in SIZES.items()
            for i in range(1, size + 1)
        ),
    )


def _elect(system: System, w: World, say: Say) -> None:
    m = w.members
    with system.uow() as uow:
        electorates = uow.electorates.list()
        units = {u.id: u.name for u in uow.units.list()}
        factions = {f.short: f.id for f in uow.factions.list()}
    red, green = factions["R"], factions["G"]
    seats = {  # unit -> candidates (username, faction); everyone votes for the first `seats`
        say("Forge"): [("forge1", red), ("forge2", red), ("forge3", green)],
        say("Barracks"): [("barracks1", green), ("barracks2", red)],
        say("Mill"): [("mill1", red), ("mill2", green), ("mill3", green)],
    }
    for e in (e for e in electorates if e.kind == "unit"):
        name = units[e.unit_id]
        cands = [(m[u], f) for u, f in seats[name]]
        plain_name = next(n for n in SIZES if say(n) == name)
        voters = [m[f"{plain_name.lower()}{i}"] for i in range(1, SIZES[plain_name] + 1)]
        ballots = [(v, list(range(e.seats))) for v in voters]
        founding_election(system.uow(), FoundingVote(e.id, cands, ballots, method="block"))
    for e in (e for e in electorates if e.kind == "council"):
        with system.uow() as uow:
            seated = uow.mandates.active_in_council(e.source_id)
        deputies = sorted(md.holder_id for md in seated)
        faction = {md.holder_id: md.faction_id for md in seated}
        first = deputies[0]  # forge1 for North, mill1 for South
        vote = FoundingVote(e.id, [(first, faction[first])], [(d, [0]) for d in deputies])
        founding_election(system.uow(), vote)


def _issue(system: System, member_id: int, kind: str) -> accounts.Issued:
    with system.uow() as uow:
        member = uow.members.get(member_id)
        assert member is not None
        issued = accounts._issue(uow, member, kind)
        uow.commit()
    return issued


def _mandate(system: System, holder: int, council: int) -> int:
    with system.uow() as uow:
        return next(
            md.id for md in uow.mandates.active_of_holder(holder) if md.council_id == council
        )


def build_world(system: System, say: Say = plain) -> World:
    w = World(system)
    found_federation(system.uow(), plan(say, password_hash(PASSWORD)))
    with system.uow() as uow:
        w.members = {mb.username: mb.id for mb in uow.members.list()}
        councils = {c.name: c.id for c in uow.councils.list()}
        units = {u.name: u.id for u in uow.units.list()}
        factions = {f.short: f.id for f in uow.factions.list()}
    ids = w.ids
    ids.update(
        chief=councils[say("Chief Council")],
        north=councils[say("North Council")],
        south=councils[say("South Council")],
        forge=units[say("Forge")],
        barracks=units[say("Barracks")],
        mill=units[say("Mill")],
        reds=factions["R"],
        greens=factions["G"],
    )
    _elect(system, w, say)
    with system.uow() as uow:
        closed = uow.elections.list()
    ids["election_closed"] = min(e.id for e in closed)
    m = w.members
    for role, username in WHO.items():  # logins issued before anything below, the recall too
        w.api[role] = _issue(system, m[username], "api").token
        issued = _issue(system, m[username], "session")
        w.cookie[role], w.csrf[role] = issued.token, issued.csrf_token
    _credentials(system, w)
    _offices(system, w, say)
    _motions_and_sessions(system, w, say)
    _speakers(system, w)
    _register(system, w, say)
    _discussion(system, w, say)
    _recalls(system, w)
    return w


def _credentials(system: System, w: World) -> None:
    """A second API token of the member's (the one they may end), and an invitation code."""
    extra = _issue(system, w.members[WHO["member"]], "api")
    digest = accounts._digest(extra.token)
    with system.engine.connect() as conn:
        tokens = t.auth_tokens
        query = select(tokens.c.id).where(tokens.c.token_hash == digest)
        w.ids["credential_member"] = int(conn.execute(query).scalar_one())
    [code] = invitations.issue_invitations(system.uow(), usernames=[RESET_WHO], actor="test")
    w.codes["invitation"] = code.code


def _offices(system: System, w: World, say: Say) -> None:
    m, ids = w.members, w.ids
    for unit, size in SIZES.items():
        wages = {m[f"{unit.lower()}{i}"]: 100 * i for i in range(1, size + 1)}
        offices.report_wages(system.uow(), ids[unit.lower()], wages, OPERATOR_CALLER)
    for council, holder in (("north", "forge1"), ("south", "mill1")):
        office = offices.create_office(
            system.uow(), ids[council], say("secretary"), caps.ALL, 100, by="founding"
        )
        with system.uow() as uow:
            deputies = sorted(md.holder_id for md in uow.mandates.active_in_council(ids[council]))
        vote = FoundingOfficeVote(office, [m[holder]], [(d, [0]) for d in deputies])
        term = found_office_holder(system.uow(), vote)
        ids[f"office_{council}"], ids[f"term_{council}"] = office, term.id
    vacant = offices.create_office(system.uow(), ids["north"], say("commissioner"), (), 0)
    ids["office_vacant"] = vacant
    # An office election taking candidacies (forge2 stands), and one whose every elector has
    # voted, which may be closed before its time (DESIGN.md 2.9).
    election = offices.open_office_election(system.uow(), vacant, m["forge1"])
    offices.stand(system.uow(), election, m["forge2"])
    ids["office_election"] = election
    other = offices.create_office(system.uow(), ids["north"], say("treasurer"), (), 0)
    closable = offices.open_office_election(system.uow(), other, m["forge1"])
    candidate = offices.stand(system.uow(), closable, m["forge2"])
    close_nominations(system, closable)
    with system.uow() as uow:
        north = sorted(md.holder_id for md in uow.mandates.active_in_council(ids["north"]))
    for deputy in north:
        elections.cast_ballot(system.uow(), closable, deputy, [candidate])
    ids["office_election_closable"] = closable
    ids["office_vacant2"] = offices.create_office(
        system.uow(), ids["north"], say("steward"), (caps.MODERATE,), 0
    )


def _unit_motion(system: System, w: World, say: Say, label: str, author: str) -> int:
    draft = motions.DraftMotion(w.ids["forge"], None, say(f"{label} title"), say(f"{label} text"))
    return motions.draft_motion(system.uow(), w.members[author], draft)


def _council_motion(system: System, w: World, say: Say, label: str) -> int:
    draft = motions.DraftMotion(None, w.ids["north"], say(f"{label} title"), say(f"{label} text"))
    return motions.draft_motion(system.uow(), w.members["forge2"], draft)


def _adopt_in_forge(system: System, w: World, motion: int) -> None:
    m = w.members
    motions.open_vote(system.uow(), motion, m["forge4"])
    show_of_hands(system.uow(), motion, [(m[f"forge{i}"], "yes") for i in range(4, 10)])
    # Every member has voted (the rest abstain), so the vote may close before its time (2.9).
    show_of_hands(system.uow(), motion, [(m[f"forge{i}"], "abstain") for i in range(1, 4)])
    motions.close_vote(system.uow(), motion, m["forge4"])


def _motions_and_sessions(system: System, w: World, say: Say) -> None:
    m, ids, uow = w.members, w.ids, system.uow
    official = m["forge1"]
    ids["motion_unit"] = _unit_motion(system, w, say, "Unit motion", "forge4")
    ids["motion_unit_voting"] = _unit_motion(system, w, say, "Unit vote", "forge4")
    motions.open_vote(uow(), ids["motion_unit_voting"], m["forge4"])
    show_of_hands(uow(), ids["motion_unit_voting"], [(m[f"forge{i}"], "yes") for i in range(5, 10)])
    # An assembly vote every member of the Forge has cast: its caller may close it now.
    ids["motion_unit_closable"] = _unit_motion(system, w, say, "Unit vote, all cast", "forge4")
    motions.open_vote(uow(), ids["motion_unit_closable"], m["forge4"])
    show_of_hands(
        uow(), ids["motion_unit_closable"], [(m[f"forge{i}"], "yes") for i in range(1, 10)]
    )
    ids["motion_adopted"] = _unit_motion(system, w, say, "Adopted motion", "forge4")
    _adopt_in_forge(system, w, ids["motion_adopted"])
    origin = _unit_motion(system, w, say, "Initiative", "forge4")
    _adopt_in_forge(system, w, origin)
    ids["initiative"] = initiatives.send_up(uow(), origin, m["forge4"])
    ids["motion_draft"] = _council_motion(system, w, say, "Council draft")
    ids["motion_voting"] = _council_motion(system, w, say, "Council vote")
    ids["motion_breach"] = _council_motion(system, w, say, "Breached motion")
    instruction = instructions.propose_instruction(
        uow(), m["forge4"], ids["forge"], None, ids["motion_breach"], "no"
    )
    _adopt_in_forge(system, w, instruction)
    ids["motion_instruction"] = instruction
    ids["motion_voting_closable"] = _council_motion(system, w, say, "Council vote, all cast")
    agenda = [
        ids["motion_draft"],
        ids["motion_voting"],
        ids["motion_breach"],
        ids["motion_voting_closable"],
    ]
    ids["session_open"] = sessions.convene_session(
        uow(), official, ids["north"], say("Open session"), agenda
    )
    sessions.open_session(uow(), official, ids["session_open"])
    for deputy in ("forge1", "forge2"):
        sessions.register_attendance(uow(), ids["session_open"], m[deputy])
    motions.open_vote(uow(), ids["motion_breach"], official)
    motions.cast_vote(uow(), ids["motion_breach"], m["forge2"], "yes")  # breaks the instruction
    motions.cast_vote(uow(), ids["motion_breach"], official, "no")
    motions.close_vote(uow(), ids["motion_breach"], official)
    motions.open_vote(uow(), ids["motion_voting"], official)
    # A vote every deputy present (forge1, forge2) has cast: it may close before its time.
    motions.open_vote(uow(), ids["motion_voting_closable"], official)
    for deputy in ("forge1", "forge2"):
        motions.cast_vote(uow(), ids["motion_voting_closable"], m[deputy], "yes")
    with system.uow() as u:
        ids["breach"] = u.breaches.list()[0].id
    ids["session_convened"] = sessions.convene_session(
        uow(), official, ids["north"], say("Convened session"), []
    )
    ids["session_closable"] = sessions.convene_session(
        uow(), official, ids["north"], say("Closable session"), []
    )
    sessions.open_session(uow(), official, ids["session_closable"])
    ids["motion_new"] = _council_motion(system, w, say, "New council motion")


def _speakers(system: System, w: World) -> None:
    """The open session's speakers' list: forge1 (the chair) holds the floor, forge2 waits on
    the current item; a steward election is open (forge2 stands; both present voted)."""
    m, ids, uow = w.members, w.ids, system.uow
    session = ids["session_open"]
    speakers.request_floor(uow(), session, m["forge1"])
    speakers.request_floor(uow(), session, m["forge2"])
    speakers.give_floor(uow(), session, m["forge1"])
    [election] = stewards.open_steward_elections(uow(), m["forge1"], session, 1)
    candidate = offices.stand(uow(), election, m["forge2"])
    for deputy in ("forge1", "forge2"):  # every deputy present: the chair may close it now
        elections.cast_ballot(uow(), election, m[deputy], [candidate])
    ids["steward_election"] = election


def _register(system: System, w: World, say: Say) -> None:
    ids, actor = w.ids, reg.Actor(w.members["forge1"])
    ids["authority"] = reg.record_authority(
        system.uow(),
        reg.RecordAuthority(say("Provisional Government"), ids["north"], say("description")),
        actor,
    )
    cmd = reg.RecordDirective(
        ids["authority"],
        ids["north"],
        say("Directive title"),
        date(1917, 3, 1),
        say("Directive text"),
        say("Directive source"),
    )
    ids["directive"] = reg.record_directive(system.uow(), cmd, actor)
    stance = reg.TakeStance(
        ids["directive"],
        ids["north"],
        "support_conditionally",
        say("Stance conditions"),
    )
    reg.take_stance(system.uow(), stance, actor)
    north = reg.TakeStance(
        ids["directive"], ids["north"], "countermand", "", say("North counter-order")
    )
    reg.take_stance(system.uow(), north, actor)
    counter = reg.TakeStance(
        ids["directive"], ids["south"], "countermand", "", say("South counter-order")
    )
    reg.take_stance(system.uow(), counter, reg.Actor(w.members["mill1"]))


def _discussion(system: System, w: World, say: Say) -> None:
    m, ids = w.members, w.ids
    motion = ids["motion_unit"]

    def post(author: str, label: str, **extra: Any) -> int:
        cmd = discussion.PostComment(m[author], "motion", motion, say(label), **extra)
        return discussion.post_comment(system.uow(), cmd)

    ids["comment"] = post("forge4", "A member's comment")
    ids["comment_reported"] = post("forge6", "A reported comment")
    post("forge1", "A faction statement", faction_id=ids["reds"])
    post("forge5", "A reply", parent_id=ids["comment"])
    for kind, key in (("directive", "directive"), ("initiative", "initiative")):
        cmd = discussion.PostComment(m["mill2"], kind, ids[key], say(f"Comment on a {kind}"))
        discussion.post_comment(system.uow(), cmd)
    report = panels.FileReport(
        m["forge7"], say("Report reason"), comment_id=ids["comment_reported"], panel_size=25
    )
    ids["report"] = file_and_draw(system.uow(), report).id
    discussion.publish_platform(
        system.uow(), ids["reds"], m["forge1"], say("Platform title"), say("Platform text")
    )


def _recalls(system: System, w: World) -> None:
    m, ids = w.members, w.ids
    north = ids["north"]
    ids["mandate_deputy"] = _mandate(system, m["forge2"], north)
    ids["mandate_official"] = _mandate(system, m["forge1"], north)
    petition = recall.open_recall(system.uow(), ids["mandate_official"], m["forge5"])
    recall.sign_recall(system.uow(), petition.id, m["forge4"])
    ids["petition"] = petition.id
    target = _mandate(system, m["barracks1"], north)
    ids["mandate_recalled"] = target
    done = recall.open_recall(system.uow(), target, m["barracks2"])
    state = recall.sign_many(
        system.uow(), done.id, [m[f"barracks{i}"] for i in range(2, 2 + done.threshold)]
    )
    assert state.status == "recalled", state
    ids["petition_decided"] = done.id
    assert state.by_election_id is not None
    ids["election"] = state.by_election_id
    by, barracks2 = state.by_election_id, m["barracks2"]
    elections.nominate(system.uow(), by, barracks2, None, str(barracks2))
    close_nominations(system, by)  # its voting window: ballots are taken, candidacies not
    with system.uow() as uow:
        ids["candidate"] = uow.elections.candidates(state.by_election_id)[0].id
    method = views.election_method(system.reader(), state.by_election_id)
    ids["ballot_ranked"] = int(elections.ballot_shape(method) == "ranking")


def audit_size(system: System) -> int:
    with system.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one())


# -- templates: one built world per backend, copied per use ------------------------------------


def _admin_sql(sql: str) -> None:
    assert PG_URL is not None
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


def _pg_url(name: str) -> str:
    assert PG_URL is not None
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@dataclasses.dataclass
class Template:
    backend: str
    where: str
    world: World


def make_template(backend: str, tmp: Path, pg_template: str | None, say: Say = plain) -> Template:
    if backend == "sqlite":
        where = str(tmp / "world.db")
        system = build(f"sqlite:///{where}")
    else:
        assert pg_template is not None
        where = f"dp_authz_{uuid.uuid4().hex[:8]}"
        _admin_sql(f'CREATE DATABASE "{where}" TEMPLATE "{pg_template}"')
        system = build(_pg_url(where))
    world = build_world(system, say)
    system.engine.dispose()
    return Template(backend, where, world)


def drop_template(template: Template) -> None:
    if template.backend == "postgresql":
        SPARES.retire(template.where)  # its spares dropped, and none made any more
        DROPPER.drop(template.where)


def copy_of(template: Template, tmp: Path) -> Iterator[World]:
    """A writable copy of the built world, as a fresh System."""
    name = None
    if template.backend == "sqlite":
        target = tmp / f"copy-{uuid.uuid4().hex[:8]}.db"
        for suffix in ("", "-wal", "-shm"):
            if Path(template.where + suffix).exists():
                shutil.copyfile(template.where + suffix, str(target) + suffix)
        url = f"sqlite:///{target}"
    else:  # the built world is never written: a copy made while the previous test ran will do
        name = SPARES.take(template.where)
        url = _pg_url(name)
    system = build(url, migrate=False)
    try:
        yield dataclasses.replace(template.world, system=system)
    finally:
        system.engine.dispose()
        if name is not None:
            DROPPER.drop(name)  # off the test's path (tests/pg_copies.py)
        elif template.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)


# -- the app's routes ----------------------------------------------------------------------------


def app_routes(app: Any) -> list[tuple[str, str, Any]]:
    """(method, path, endpoint) of every route of the app, API and pages, every method (HEAD
    excepted: Starlette answers it for any GET)."""
    from fastapi.routing import _IncludedRouter
    from starlette.routing import Route

    found: list[tuple[str, str, Any]] = []

    def add(path: str, route: Any, endpoint: Any) -> None:
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                found.append((method, path, endpoint))

    for route in app.routes:
        if isinstance(route, _IncludedRouter):
            for ctx in route.effective_route_contexts():
                add(ctx.path, ctx.original_route, ctx.endpoint)
        elif isinstance(route, Route):
            add(route.path, route, route.endpoint)
    return found


def is_api(path: str) -> bool:
    return path.startswith("/api/")
