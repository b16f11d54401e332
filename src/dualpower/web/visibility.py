"""Who is reading (DESIGN.md 2.11): a plain ASGI middleware that tells the services, for the
request's duration, which logged-in member is reading (a valid bearer token or page session),
if any. It is asked lazily, so a request that shows no member's name costs no
lookup (services/visibility.py)."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from dualpower.services import accounts
from dualpower.services.visibility import reading_as
from dualpower.web.middleware import HttpMiddleware, credentials


class VisibilityMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        conn = HTTPConnection(scope)
        token, cookie = credentials(conn)

        def reader() -> int | None:
            system = conn.app.state.system
            found = None
            if token:
                found = accounts.authenticate(system.reader(fresh=True), token, kind="api")
            if found is None and cookie:
                found = accounts.authenticate(system.reader(fresh=True), cookie, kind="session")
            return found.member.id if found is not None else None

        with reading_as(reader):
            await self.app(scope, receive, send)
