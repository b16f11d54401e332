"""What the app's plain ASGI middlewares share (plain, not Starlette's `@app.middleware("http")`,
which re-streams every body through a task and a queue): each acts on HTTP requests and passes
anything else (the lifespan, a websocket) through untouched; some read the credentials a
request came with."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from dualpower.web.deps import SESSION_COOKIE


class HttpMiddleware:
    """A plain ASGI middleware: `handle` answers HTTP requests; anything else goes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def credentials(conn: HTTPConnection) -> tuple[str, str]:
    """The bearer token and the page session cookie a request came with ('' for none)."""
    bearer = conn.headers.get("authorization", "")
    token = bearer[7:].strip() if bearer[:7].lower() == "bearer " else ""
    return token, conn.cookies.get(SESSION_COOKIE, "")
