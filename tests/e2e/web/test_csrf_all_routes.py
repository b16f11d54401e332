"""CSRF on every state-changing page route (issue 7, item 7): a valid session cookie with the
form's token missing, wrong, or another session's is refused with 403 and changes nothing (every
table's row count and the audit log stay as they were); with the right token the same request
goes through, so the refusal was the token's doing. The routes come from the app: a page route
that changes state and is not covered here fails the test.

The JSON API is not cookie-authenticated: a session cookie alone is refused (401) on every API
write, so a cross-site form cannot reach it either.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, literal, select, union_all

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import test_authz_matrix as matrix
from authz_world import ROLES, Template, World, app_routes, copy_of, drop_template, is_api
from authz_world import make_template as make_world_template

from dualpower.services import cycle, factions
from dualpower.store import sequencer
from dualpower.store import tables as t
from dualpower.web.app import create_app
from dualpower.web.deps import CSRF_FIELD, SESSION_COOKIE

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# Page POSTs that change nothing: looking a receipt up in the published ballots.
READ_ONLY = {("POST", "/elections/{election_id}/receipt")}
# Page POSTs whose change adds or removes no row (marking notifications read): the refused
# requests are checked by tests/e2e/web/test_notifications_read.py instead of by row counts.
ROW_NEUTRAL = {("POST", "/notifications/read")}
# API routes that take no credentials at all (a code, a name, a password): not cookie-relevant.
NO_CREDENTIALS = {f"{matrix.A}/auth/login", f"{matrix.A}/auth/join", f"{matrix.A}/auth/reset"}


def page_writes() -> list[tuple[str, str]]:
    return sorted(k for k in matrix.MATRIX if k[0] != "GET" and not is_api(k[1]))


def api_writes() -> list[tuple[str, str]]:
    return sorted(k for k in matrix.MATRIX if k[0] != "GET" and is_api(k[1]))


@pytest.fixture(scope="module", params=BACKENDS)
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_template: Any
) -> Iterator[Template]:
    built = make_world_template(request.param, tmp_path_factory.mktemp("csrf"), pg_template)
    yield built
    drop_template(built)


def fingerprint(world: World) -> dict[str, int]:
    """Rows per table: what a refused request must leave as it was (every table's count in one
    statement, one snapshot)."""
    counts = union_all(
        *(
            select(literal(name).label("name"), func.count().label("rows")).select_from(table)
            for name, table in t.metadata.tables.items()
        )
    )
    with world.system.engine.connect() as conn:
        found = {row.name: int(row.rows) for row in conn.execute(counts)}
    assert len(found) == len(t.metadata.tables)
    return found


def test_every_state_changing_page_route_is_covered(template: Template) -> None:
    app = create_app(template.world.system)
    found = {(m, p) for m, p, _ in app_routes(app) if m not in ("GET", "HEAD") and not is_api(p)}
    covered = set(page_writes())
    assert found - covered == set(), f"page routes not covered by the CSRF test: {found - covered}"
    assert covered - found == set(), f"no longer routes of the app: {covered - found}"


def _forge_election(world: World) -> tuple[str, dict[str, Any], int]:
    """The world's by-election takes no more candidacies: here the official opens a general
    election of the Forge's seats, and a Forge member stands in it."""
    cmd = cycle.GeneralElection(world.ids["north"], "unit", world.ids["forge"])
    election = cycle.open_general(world.system.uow(), cmd, world.member("official"))
    sequencer.settle(world.system.engine)  # its audit entry sealed before the counts are taken
    return "member", {"election_id": election}, 303


def _joined_reds(world: World) -> tuple[str, dict[str, Any], int]:
    """Nobody has joined a faction by their act in the built world: a member joins the Reds, so
    that leaving them goes through."""
    factions.join_faction(world.system.uow(), world.member("member"), world.ids["reds"])
    sequencer.settle(world.system.engine)
    return "member", {"faction_id": world.ids["reds"]}, 303


# Routes no role of the matrix may use in the built world: (role, path ids, the status with the
# right token) on a copy made so.
SETUP = {
    ("POST", "/elections/{election_id}/candidates"): _forge_election,
    ("POST", "/factions/{faction_id}/leave"): _joined_reds,
}


def _allowed_role(route: tuple[str, str]) -> str:
    expect = matrix.MATRIX[route]["expect"]
    role = next((r for r in ROLES if r != "anonymous" and 200 <= expect[r] < 400), None)
    assert role is not None, f"{route}: no role may use it, so its CSRF check cannot be shown"
    return role


def _post(
    client: TestClient,
    world: World,
    route: tuple[str, str],
    role: str,
    token: Any,
    path_ids: dict[str, Any] | None = None,
) -> Any:
    method, path = route
    spec = matrix.MATRIX[route]
    ids = matrix._ids(world)
    if path_ids:  # ids chosen here, not the matrix's
        spec = spec | {"ids": spec.get("ids", {}) | {name: name for name in path_ids}}
        ids = ids | path_ids
    url = matrix.url_of(path, spec, ids)
    form = {k: str(v) for k, v in (matrix._fill(spec.get("body"), ids) or {}).items()}
    if token is not None:
        form[CSRF_FIELD] = token
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, world.cookie[role])
    return client.request(method, url, data=form)


@pytest.mark.slow
@pytest.mark.parametrize("route", page_writes(), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_form_without_its_token_is_refused_and_changes_nothing(
    template: Template, tmp_path: Path, route: tuple[str, str]
) -> None:
    for world in copy_of(template, tmp_path):
        client = matrix.client_for(world)
        path_ids: dict[str, Any] = {}
        if route in SETUP:
            role, path_ids, expected = SETUP[route](world)
        else:
            role = _allowed_role(route)
            expected = matrix.MATRIX[route]["expect"][role]
        other = next(r for r in ROLES if r not in ("anonymous", role))
        before = fingerprint(world)
        if route[1] in matrix.DOUBLE_SUBMIT:
            _double_submit_checks(client, world, route)
            return
        for label, token in (
            ("missing", None),
            ("empty", ""),
            ("wrong", "not-the-token"),
            ("another session's", world.csrf[other]),
            ("the session token itself", world.cookie[role]),
        ):
            got = _post(client, world, route, role, token, path_ids)
            if route in READ_ONLY:
                assert got.status_code == 200, (label, got.status_code)
            else:
                assert got.status_code == 403, (label, got.status_code, got.text[:200])
                assert "did not come from this site" in got.text, label
            assert fingerprint(world) == before, f"{route} with the token {label} changed rows"
        good = _post(client, world, route, role, world.csrf[role], path_ids)
        assert good.status_code == expected, (good.status_code, good.text[:300])
        if route in READ_ONLY:
            assert fingerprint(world) == before, f"{route} is meant to change nothing"
        elif route not in ROW_NEUTRAL:
            assert fingerprint(world) != before, f"{route} with its token changed nothing"


def _double_submit_checks(client: TestClient, world: World, route: tuple[str, str]) -> None:
    """The forms posted before any session exists (login, join, reset) take a double-submit
    cookie as their token: the field must match the cookie."""
    path = route[1]
    name = matrix.DOUBLE_SUBMIT[path]
    before = fingerprint(world)
    body = matrix._fill(matrix.MATRIX[route].get("body"), matrix._ids(world)) or {}
    fields = {k: str(v) for k, v in body.items()}
    for cookie, field in ((None, None), ("a" * 43, None), ("a" * 43, "b" * 43), (None, "a" * 43)):
        client.cookies.clear()
        if cookie is not None:
            client.cookies.set(name, cookie)
        form = fields | ({CSRF_FIELD: field} if field is not None else {})
        got = client.post(path, data=form)
        assert got.status_code == 403, (path, cookie, field, got.status_code)
        assert SESSION_COOKIE not in got.cookies
        assert fingerprint(world) == before, f"{path} with the token {field!r} changed rows"
    client.cookies.clear()
    client.cookies.set(name, "a" * 43)
    good = client.post(path, data=fields | {CSRF_FIELD: "a" * 43})
    assert good.status_code == matrix.MATRIX[route]["expect"]["anonymous"], good.text[:300]
    if path != "/reset":  # login and join begin a session
        assert SESSION_COOKIE in good.cookies
    assert fingerprint(world) != before, f"{path} with its token changed nothing"


@pytest.mark.slow
def test_the_api_ignores_the_session_cookie(template: Template, tmp_path: Path) -> None:
    for world in copy_of(template, tmp_path):
        client = matrix.client_for(world)
        before = fingerprint(world)
        for method, path in api_writes():
            if path in NO_CREDENTIALS:
                continue
            spec = matrix.MATRIX[(method, path)]
            ids = matrix._ids(world)
            url = matrix.url_of(path, spec, ids)
            client.cookies.clear()
            client.cookies.set(SESSION_COOKIE, world.cookie["official"])
            body = matrix._fill(spec.get("body"), ids)
            got = client.request(method, url, json=body)
            assert got.status_code == 401, (method, path, got.status_code, got.text[:200])
        assert fingerprint(world) == before
