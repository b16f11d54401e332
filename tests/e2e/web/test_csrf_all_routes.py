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
from sqlalchemy import func, select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import test_authz_matrix as matrix
from authz_world import ROLES, Template, World, app_routes, copy_of, drop_template, is_api
from authz_world import make_template as make_world_template

from dualpower.store import tables as t
from dualpower.web.app import create_app
from dualpower.web.deps import CSRF_FIELD, LOGIN_CSRF_COOKIE, SESSION_COOKIE

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# Page POSTs that change nothing: looking a receipt up in the published ballots.
READ_ONLY = {("POST", "/elections/{election_id}/receipt")}
LOGIN = ("POST", "/login")
# Page POSTs whose change adds or removes no row (marking notifications read): the refused
# requests are checked by tests/e2e/web/test_notifications_read.py instead of by row counts.
ROW_NEUTRAL = {("POST", "/notifications/read")}


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
    """Rows per table: what a refused request must leave as it was."""
    with world.system.engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in t.metadata.tables.items()
        }


def test_every_state_changing_page_route_is_covered(template: Template) -> None:
    app = create_app(template.world.system)
    found = {(m, p) for m, p, _ in app_routes(app) if m not in ("GET", "HEAD") and not is_api(p)}
    covered = set(page_writes())
    assert found - covered == set(), f"page routes not covered by the CSRF test: {found - covered}"
    assert covered - found == set(), f"no longer routes of the app: {covered - found}"


def _allowed_role(route: tuple[str, str]) -> str:
    expect = matrix.MATRIX[route]["expect"]
    role = next((r for r in ROLES if r != "anonymous" and 200 <= expect[r] < 400), None)
    assert role is not None, f"{route}: no role may use it, so its CSRF check cannot be shown"
    return role


def _post(client: TestClient, world: World, route: tuple[str, str], role: str, token: Any) -> Any:
    method, path = route
    spec = matrix.MATRIX[route]
    ids = matrix._ids(world)
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
        role = _allowed_role(route)
        other = next(r for r in ROLES if r not in ("anonymous", role))
        before = fingerprint(world)
        if route == LOGIN:
            _login_checks(client, world)
            return
        for label, token in (
            ("missing", None),
            ("empty", ""),
            ("wrong", "not-the-token"),
            ("another session's", world.csrf[other]),
            ("the session token itself", world.cookie[role]),
        ):
            got = _post(client, world, route, role, token)
            if route in READ_ONLY:
                assert got.status_code == 200, (label, got.status_code)
            else:
                assert got.status_code == 403, (label, got.status_code, got.text[:200])
                assert "did not come from this site" in got.text, label
            assert fingerprint(world) == before, f"{route} with the token {label} changed rows"
        good = _post(client, world, route, role, world.csrf[role])
        expected = matrix.MATRIX[route]["expect"][role]
        assert good.status_code == expected, (good.status_code, good.text[:300])
        if route in READ_ONLY:
            assert fingerprint(world) == before, f"{route} is meant to change nothing"
        elif route not in ROW_NEUTRAL:
            assert fingerprint(world) != before, f"{route} with its token changed nothing"


def _login_checks(client: TestClient, world: World) -> None:
    """The login form's token is a double-submit cookie: the field must match the cookie."""
    before = fingerprint(world)
    creds = {"username": "forge4", "password": "password1"}
    for cookie, field in ((None, None), ("a" * 43, None), ("a" * 43, "b" * 43), (None, "a" * 43)):
        client.cookies.clear()
        if cookie is not None:
            client.cookies.set(LOGIN_CSRF_COOKIE, cookie)
        form = creds | ({CSRF_FIELD: field} if field is not None else {})
        got = client.post("/login", data=form)
        assert got.status_code == 403, (cookie, field, got.status_code)
        assert SESSION_COOKIE not in got.cookies
        assert fingerprint(world) == before
    client.cookies.clear()
    client.cookies.set(LOGIN_CSRF_COOKIE, "a" * 43)
    good = client.post("/login", data=creds | {CSRF_FIELD: "a" * 43})
    assert good.status_code == 303 and SESSION_COOKIE in good.cookies


@pytest.mark.slow
def test_the_api_ignores_the_session_cookie(template: Template, tmp_path: Path) -> None:
    for world in copy_of(template, tmp_path):
        client = matrix.client_for(world)
        before = fingerprint(world)
        for method, path in api_writes():
            if path == f"{matrix.A}/auth/login":
                continue  # takes no credentials at all
            spec = matrix.MATRIX[(method, path)]
            ids = matrix._ids(world)
            url = matrix.url_of(path, spec, ids)
            client.cookies.clear()
            client.cookies.set(SESSION_COOKIE, world.cookie["official"])
            body = matrix._fill(spec.get("body"), ids)
            got = client.request(method, url, json=body)
            assert got.status_code == 401, (method, path, got.status_code, got.text[:200])
        assert fingerprint(world) == before
