"""Routes matched before FastAPI's for the busiest requests of a vote (web/ballot_fast_path.py,
web/live_fast_path.py): `METHOD {prefix}/elections/{id}/{suffix}` with a decimal id, answered
without FastAPI's routing and dependency solving. What a fast path does not answer itself it
hands on to the app's router, where the FastAPI route answers it as always."""

from __future__ import annotations

import re

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from dualpower.web.guards import MAX_ID


class FastPath(BaseRoute):
    """Matches its method and path; the id is `MAX_ID + 1` when it is larger than any the
    database holds (each fast path says what it does with it: refused or handed on)."""

    def __init__(self, prefix: str, router: ASGIApp, *, method: str, suffix: str, handed_on: str):
        self._path = re.compile(rf"^{re.escape(prefix)}/elections/([0-9]+)/{re.escape(suffix)}$")
        self._method = method
        self._handed_on = handed_on  # the scope key that sends the request to the FastAPI route
        self._router = router  # the app's router, where the FastAPI route answers what is handed on
        self.path = f"{prefix}/elections/{{election_id}}/{suffix}"  # the route's name in metrics

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if (
            scope["type"] != "http"
            or scope.get("method") != self._method
            or self._handed_on in scope
        ):
            return Match.NONE, {}
        found = self._path.match(scope["path"])
        if found is None:
            return Match.NONE, {}
        digits = found[1].lstrip("0") or "0"
        election_id = int(digits) if len(digits) <= len(str(MAX_ID)) else MAX_ID + 1
        return Match.FULL, {"path_params": {"election_id": election_id}}

    async def hand_on(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The FastAPI route answers (the fast paths no longer match the request)."""
        scope[self._handed_on] = True
        await self._router(scope, receive, send)
