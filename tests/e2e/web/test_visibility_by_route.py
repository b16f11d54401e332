"""The visibility of every read route, for every role (DESIGN.md 2.11, issue 22).

Each GET route of the app, page or API, has its visibility class here; a read route without one
fails the test (the routes come from `app.routes`, as in the authorization matrix):

- `PUBLIC`: answers anyone; the names it shows are masked as services/visibility.py says;
- `FEDERATION`: members of the federation only (the public is sent to log in, or 401);
- `CONCERNED`: members of the unit or council concerned only (the roll); others are refused;
- `HOLDER`: the holder alone: the caller's own account, notifications and credentials;
- `OPERATOR`: the operator's machine or token only (readiness, metrics): refused to every role.

The classes are checked against the authorization matrix's statuses (test_authz_matrix.py):
what is not public refuses the anonymous visitor, what concerns a unit refuses a member of
another unit.

Then every read route is crawled with every id of its kind (tests/e2e/web/privacy_support.py) as
each role of the matrix's world, and no answer may name, by username, name or e-mail, a member who
holds no mandate or office, never stood, and whom the role may not see:

- the anonymous visitor sees none of them;
- a member sees their own name; the names of the members of the units they are concerned with
  (their own unit's, and every unit under a council where they hold a mandate or an office now);
  and the names every member of the federation reads (authors of comments and motions).

Rendering does not depend on the database, so the crawl runs on SQLite (the matrix's statuses
run on both databases).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, union, update

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from authz_world import (
    ROLES,
    WHO,
    Template,
    World,
    app_routes,
    copy_of,
    drop_template,
    is_api,
    make_template,
)
from privacy_support import found, holders, private_words, urls
from test_authz_matrix import MATRIX

from dualpower.store import tables as t
from dualpower.store import tables_discussion as d
from dualpower.store import tables_sessions as ts
from dualpower.web.app import create_app
from dualpower.web.deps import SESSION_COOKIE
from dualpower.web.live import Broadcaster

PUBLIC, FEDERATION, CONCERNED, HOLDER, OPERATOR = (
    "public",
    "federation",
    "concerned",
    "holder",
    "operator",
)
A = "/api/v1"

VISIBILITY: dict[str, str] = {
    # -- pages ------------------------------------------------------------------------------------
    "/": PUBLIC,
    "/alignment": PUBLIC,
    "/tour": PUBLIC,
    "/language": PUBLIC,
    "/login": PUBLIC,
    "/join": PUBLIC,
    "/reset": PUBLIC,
    "/healthz": PUBLIC,
    "/councils/{council_id}": PUBLIC,
    "/councils/{council_id}/composition": PUBLIC,
    "/councils/{council_id}/alignment": PUBLIC,
    "/councils/{council_id}/elections": PUBLIC,
    "/councils/{council_id}/offices": PUBLIC,
    "/councils/{council_id}/sessions": PUBLIC,
    "/units/{unit_id}": PUBLIC,  # the unit's deputies; its roll only to those concerned
    "/units/{unit_id}/elections": PUBLIC,
    "/elections": PUBLIC,
    "/elections/{election_id}": PUBLIC,
    "/recalls": PUBLIC,
    "/recalls/{petition_id}": PUBLIC,  # signers and opener masked but to those concerned
    "/directives": PUBLIC,
    "/directives/{directive_id}": PUBLIC,
    "/motions/{motion_id}": PUBLIC,
    "/sessions/{session_id}": PUBLIC,
    "/initiatives/{initiative_id}": PUBLIC,
    "/breaches/{breach_id}": PUBLIC,
    "/comments/{comment_id}": PUBLIC,
    "/discussions/{kind}/{subject_id}": PUBLIC,
    "/reports/{report_id}": PUBLIC,  # reporter, reported member and panel masked
    "/factions": PUBLIC,
    "/factions/{faction_id}": PUBLIC,
    "/pay": PUBLIC,
    "/mandates/{mandate_id}/recall": FEDERATION,
    "/councils/{council_id}/structure": FEDERATION,  # the structure forms, to any member
    "/elections/{election_id}/paper": FEDERATION,
    "/recalls/{petition_id}/paper": FEDERATION,
    "/units/{unit_id}/roll": CONCERNED,  # the council's credentials office
    "/me": HOLDER,
    "/me/credentials": HOLDER,
    "/notifications": HOLDER,
    "/readyz": OPERATOR,
    "/metrics": OPERATOR,
    # -- API --------------------------------------------------------------------------------------
    "/api/openapi.json": PUBLIC,
    "/api/docs": PUBLIC,
    f"{A}/health": PUBLIC,
    f"{A}/alignment": PUBLIC,
    f"{A}/alignment/road": PUBLIC,
    f"{A}/alignment/tree.svg": PUBLIC,
    f"{A}/audit/entries": PUBLIC,  # pseudonyms only
    f"{A}/audit/head": PUBLIC,
    f"{A}/audit/heads": PUBLIC,
    f"{A}/audit/proof/consistency": PUBLIC,
    f"{A}/audit/proof/inclusion": PUBLIC,
    f"{A}/authorities": PUBLIC,
    f"{A}/breaches/{{breach_id}}": PUBLIC,
    f"{A}/comments": PUBLIC,
    f"{A}/comments/{{comment_id}}": PUBLIC,
    f"{A}/councils": PUBLIC,
    f"{A}/councils/{{council_id}}": PUBLIC,
    f"{A}/councils/{{council_id}}/events": PUBLIC,
    f"{A}/councils/{{council_id}}/hemicycle.svg": PUBLIC,
    f"{A}/councils/{{council_id}}/mandates": PUBLIC,
    f"{A}/councils/{{council_id}}/offices": PUBLIC,
    f"{A}/councils/{{council_id}}/sessions": PUBLIC,
    f"{A}/councils/{{council_id}}/strength.svg": PUBLIC,
    f"{A}/directives": PUBLIC,
    f"{A}/directives/{{directive_id}}": PUBLIC,
    f"{A}/discussions/{{kind}}/{{subject_id}}/events": PUBLIC,
    f"{A}/elections": PUBLIC,
    f"{A}/elections/{{election_id}}": PUBLIC,
    f"{A}/elections/{{election_id}}/ballots": PUBLIC,  # an open vote's voters: to those concerned
    f"{A}/elections/{{election_id}}/events": PUBLIC,
    f"{A}/elections/{{election_id}}/paper-ballots": PUBLIC,  # the commission: office holders
    f"{A}/elections/{{election_id}}/result": PUBLIC,
    f"{A}/factions": PUBLIC,
    f"{A}/factions/{{faction_id}}/platforms": PUBLIC,
    f"{A}/initiatives": PUBLIC,
    f"{A}/initiatives/{{initiative_id}}": PUBLIC,
    f"{A}/mandates/{{mandate_id}}": PUBLIC,
    f"{A}/motions/{{motion_id}}": PUBLIC,
    f"{A}/pay": PUBLIC,
    f"{A}/recalls": PUBLIC,
    f"{A}/recalls/{{petition_id}}": PUBLIC,
    f"{A}/recalls/{{petition_id}}/events": PUBLIC,
    f"{A}/recalls/{{petition_id}}/paper-signatures": PUBLIC,  # the commission: office holders
    f"{A}/reports/{{report_id}}": PUBLIC,
    f"{A}/sessions/{{session_id}}": PUBLIC,
    f"{A}/sessions/{{session_id}}/speakers": PUBLIC,
    f"{A}/sessions/{{session_id}}/stewards": PUBLIC,
    f"{A}/units": PUBLIC,
    f"{A}/units/{{unit_id}}/members": CONCERNED,
    f"{A}/me": HOLDER,
    f"{A}/me/credentials": HOLDER,
    f"{A}/notifications": HOLDER,
    f"{A}/directives/{{directive_id}}/binding": HOLDER,  # whether it binds the caller
}
REFUSED_PUBLIC = {401, 303}  # the API's 401; a page sends the visitor to log in


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    built = make_template("sqlite", tmp_path_factory.mktemp("visibility"), None)
    yield built
    drop_template(built)


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[World]:
    yield from copy_of(template, tmp_path)


def test_every_read_route_has_a_visibility_class(world: World) -> None:
    app = create_app(world.system)
    reads = {path for method, path, _ in app_routes(app) if method == "GET"}
    missing = sorted(reads - set(VISIBILITY))
    stale = sorted(set(VISIBILITY) - reads)
    assert not missing, f"read routes without a visibility class: {missing}"
    assert not stale, f"visibility classes of routes the app does not have: {stale}"


@pytest.mark.parametrize("path", sorted(VISIBILITY))
def test_the_matrix_refuses_what_a_class_withholds(path: str) -> None:
    """The authorization matrix's statuses agree with the class: what is not public refuses the
    anonymous visitor; what concerns the Forge refuses the Mill's member; the operator's routes
    refuse every role."""
    expect = MATRIX[("GET", path)]["expect"]
    cls = VISIBILITY[path]
    if cls == PUBLIC:
        assert expect["anonymous"] in (200, 303), expect  # /language redirects back
    elif cls == OPERATOR:
        assert set(expect.values()) == {403}, expect
    else:
        assert expect["anonymous"] in REFUSED_PUBLIC, expect
        assert is_api(path) == (expect["anonymous"] == 401), expect
    if cls == CONCERNED:
        assert expect["other_unit"] == 403 and expect["recalled"] == 403, expect


def _subtree(conn: Connection, councils: set[int]) -> set[int]:
    parents = {row.id: row.parent_id for row in conn.execute(select(t.councils))}
    found_: set[int] = set()
    grew = set(councils)
    while grew:
        found_ |= grew
        grew = {c for c, parent in parents.items() if parent in found_} - found_
    return found_


def may_see(world: World, member_id: int) -> set[int]:
    """Whom the member may see by name: themself, and the members of the units they are
    concerned with (their own; every unit under a council where they now hold a mandate or an
    office)."""
    mm, md, ot, of = t.memberships, t.mandates, t.office_terms, t.offices
    with world.system.engine.connect() as conn:
        own = select(mm.c.unit_id).where(mm.c.member_id == member_id, mm.c.end_at.is_(None))
        units = set(conn.execute(own).scalars())
        held = union(
            select(md.c.council_id.label("c")).where(
                md.c.holder_id == member_id, md.c.end_at.is_(None)
            ),
            select(of.c.council_id.label("c"))
            .join(ot, ot.c.office_id == of.c.id)
            .where(ot.c.holder_id == member_id, ot.c.end_at.is_(None)),
        )
        councils = _subtree(conn, set(conn.execute(held).scalars()))
        bu = t.base_units
        units |= set(conn.execute(select(bu.c.id).where(bu.c.council_id.in_(councils))).scalars())
        on_roll = select(mm.c.member_id).where(mm.c.unit_id.in_(units), mm.c.end_at.is_(None))
        return {member_id, *conn.execute(on_roll).scalars()}


def federation_names(world: World) -> set[int]:
    """Members every member of the federation reads by name: authors of comments and motions."""
    with world.system.engine.connect() as conn:
        authors = union(
            select(d.comments.c.author_id.label("m")),
            select(ts.motions.c.author_id.label("m")).where(ts.motions.c.author_id.is_not(None)),
        )
        return set(conn.execute(authors).scalars())


def withheld(world: World, role: str) -> dict[str, str]:
    """word -> username: the private words the role may not read anywhere."""
    words = private_words(world)
    if role == "anonymous":
        return words
    with world.system.engine.connect() as conn:
        usernames = dict(conn.execute(select(t.members.c.id, t.members.c.username)).all())
    seen = may_see(world, world.members[WHO[role]]) | federation_names(world)
    allowed = {usernames[i] for i in seen}
    return {word: who for word, who in words.items() if who not in allowed}


def _client_as(world: World, app: Any, role: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    if role == "anonymous":
        return client, {}
    client.cookies.set(SESSION_COOKIE, world.cookie[role])
    return client, {"Authorization": f"Bearer {world.api[role]}"}


def test_what_each_role_may_not_see(world: World) -> None:
    """The sets of the crawl are what the rule says: the anonymous visitor may see no private
    member; a member of the Mill sees the Mill's roll but not the Forge's; the North's official
    (a deputy in the chief council too) sees every unit's."""
    everyone = set(private_words(world).values())
    assert set(withheld(world, "anonymous").values()) == everyone
    mill4 = set(withheld(world, "other_unit").values())
    assert "forge7" in mill4 and "mill5" not in mill4 and "mill4" not in mill4
    assert withheld(world, "official") == {}
    barracks1 = set(withheld(world, "recalled").values())  # no seat any more: the Barracks only
    assert "forge7" in barracks1 and "barracks3" not in barracks1


@pytest.mark.slow
def test_no_read_route_shows_a_role_what_is_not_for_it(world: World) -> None:
    with world.system.engine.begin() as conn:  # e-mail addresses, for the crawl to look for
        conn.execute(update(t.members).values(email=t.members.c.username + "@mail.example"))
    app = create_app(world.system)
    app.state.live = Broadcaster(heartbeat=0.05, lifetime=0.1)
    crawled = [u for u in urls(world, app) if not u.endswith(("/events", "/live"))]
    assert len(crawled) > 100
    leaks: list[str] = []
    refused_anonymous = []
    for role in ROLES:
        words = withheld(world, role)
        client, headers = _client_as(world, app, role)
        for url in crawled:
            got = client.get(url, headers=headers)
            assert got.status_code < 500, (role, url, got.status_code)
            if got.status_code == 200:
                hit = found(got.text, words)
                if hit:
                    leaks.append(f"{role} {url}: {sorted(hit)[:6]}")
            elif role == "anonymous":
                refused_anonymous.append(url)
    assert not leaks, "\n".join(leaks)
    assert refused_anonymous  # the crawl met the routes that are not public


@pytest.mark.slow
def test_a_private_member_is_named_where_their_unit_reads(world: World) -> None:
    """The crawl's sets are not empty by accident: forge7, who holds nothing, reported a comment;
    a member of the Forge reads their name on the report, a member of the Mill does not."""
    assert "forge7" not in holders_usernames(world)
    app = create_app(world.system)
    url = f"/reports/{world.ids['report']}"
    shown = {}
    for role in ("member", "other_unit"):
        client, headers = _client_as(world, app, role)
        shown[role] = found(client.get(url, headers=headers).text, {"Forge Member 7": "forge7"})
    assert shown == {"member": {"forge7"}, "other_unit": set()}


def holders_usernames(world: World) -> set[str]:
    public = holders(world)
    with world.system.engine.connect() as conn:
        rows = conn.execute(select(t.members.c.id, t.members.c.username)).all()
    return {username for i, username in rows if i in public}
