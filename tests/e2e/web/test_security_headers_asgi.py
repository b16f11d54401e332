"""The security headers (web/app.py SecurityHeadersMiddleware, a plain ASGI middleware): on
every answer of the app -- pages, the API, its errors, static files -- exactly once each;
`Cache-Control: no-store` everywhere but /static/; a header a route sets itself is kept."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import SECURITY_HEADERS, SecurityHeadersMiddleware, create_app


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def _once_each(response, names) -> None:  # type: ignore[no-untyped-def]
    for name in names:
        assert response.headers.get_list(name) == [SECURITY_HEADERS.get(name, "no-store")], (
            f"{name} on {response.request.url.path}"
        )


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/", None, 200),
        ("GET", "/api/v1/health", None, 200),
        ("GET", "/api/v1/elections/999999", None, 404),
        ("POST", "/api/v1/auth/login", {"username": "nobody@example.org", "password": "x"}, 401),
        ("POST", "/api/v1/elections/1/ballots", {"choices": [1]}, 401),
        ("GET", "/no/such/page", None, 404),
    ],
)
def test_every_answer_has_the_headers_once(client, method, path, body, status) -> None:  # type: ignore[no-untyped-def]
    r = client.request(method, path, json=body)
    assert r.status_code == status, r.text
    _once_each(r, [*SECURITY_HEADERS, "Cache-Control"])
    if status == 200 and path == "/":
        assert "Test Federation" in r.text  # the body passes through whole
        assert r.headers["content-language"] == "en"  # the language middleware still answers


def test_static_files_have_the_headers_but_may_be_cached(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/static/site.css")
    assert r.status_code == 200 and "@media" in r.text
    _once_each(r, SECURITY_HEADERS)
    assert "no-store" not in r.headers.get("cache-control", "")


def test_a_header_the_route_sets_is_kept_not_doubled() -> None:
    def own(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse(
            "hi", headers={"Cache-Control": "max-age=60", "X-Frame-Options": "SAMEORIGIN"}
        )

    def plain(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("x" * 100_000)

    app = Starlette(routes=[Route("/own", own), Route("/plain", plain)])
    app.add_middleware(SecurityHeadersMiddleware)
    with TestClient(app) as c:
        r = c.get("/own")
        assert r.headers.get_list("cache-control") == ["max-age=60"]
        assert r.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
        assert r.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
        big = c.get("/plain")
        assert big.text == "x" * 100_000 and big.headers["cache-control"] == "no-store"
