"""web/middleware.py: what the plain ASGI middlewares share."""

from __future__ import annotations

import pytest
from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from async_support import run_in_a_loop
from dualpower.web.deps import SESSION_COOKIE
from dualpower.web.middleware import HttpMiddleware, credentials


def _conn(*headers: tuple[str, str]) -> HTTPConnection:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers]
    return HTTPConnection({"type": "http", "headers": raw})


@pytest.mark.parametrize(
    ("authorization", "token"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("BEARER abc", "abc"), ("Basic abc", "")],
)
def test_the_bearer_token_is_read_whatever_the_scheme_case(authorization: str, token: str) -> None:
    assert credentials(_conn(("Authorization", authorization))) == (token, "")


def test_the_session_cookie_is_read_beside_the_token() -> None:
    conn = _conn(("Authorization", "Bearer t1"), ("Cookie", f"{SESSION_COOKIE}=s1; other=x"))
    assert credentials(conn) == ("t1", "s1")
    assert credentials(_conn()) == ("", "")


class _Marks(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app({**scope, "marked": True}, receive, send)


def test_http_is_handled_and_anything_else_passes_through_untouched() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def both() -> None:
        middleware = _Marks(app)
        await middleware({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
        await middleware({"type": "http", "path": "/"}, None, None)  # type: ignore[arg-type]

    run_in_a_loop(both)
    assert seen == [{"type": "lifespan"}, {"type": "http", "path": "/", "marked": True}]
