"""Who is reading (DESIGN.md 2.11): a plain ASGI middleware that tells the services, for the
request's duration, whether the reader is a logged-in member of the federation (a valid bearer
token or page session). It is asked lazily, so a request that shows no member's name costs no
lookup (services/visibility.py)."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from dualpower.services import accounts
from dualpower.services.visibility import reading_as
from dualpower.web.deps import SESSION_COOKIE


class VisibilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        bearer = conn.headers.get("authorization", "")
        token = bearer[7:].strip() if bearer[:7].lower() == "bearer " else ""
        cookie = conn.cookies.get(SESSION_COOKIE, "")

        def is_member() -> bool:
            system = conn.app.state.system
            if token and accounts.authenticate(system.reader(fresh=True), token, kind="api"):
                return True
            return bool(cookie) and bool(
                accounts.authenticate(system.reader(fresh=True), cookie, kind="session")
            )

        with reading_as(is_member):
            await self.app(scope, receive, send)
