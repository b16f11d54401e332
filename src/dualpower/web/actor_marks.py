"""Marks on who acts (DESIGN.md 2.10): a plain ASGI middleware that hands the unit of work the
digests of the bearer token and session cookie a request came with, so an act done in a session
opened with a password the operator set is logged with its actor marked (store/uow.py). Only a
digest is computed here; the database is asked only when an act is recorded."""

from __future__ import annotations

import hashlib

from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from dualpower.store.uow import REQUEST_TOKENS
from dualpower.web.middleware import HttpMiddleware, credentials


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ActorMarkMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        digests = tuple(_digest(x) for x in credentials(HTTPConnection(scope)) if x)
        if not digests:
            await self.app(scope, receive, send)
            return
        reset = REQUEST_TOKENS.set(digests)
        try:
            await self.app(scope, receive, send)
        finally:
            REQUEST_TOKENS.reset(reset)
