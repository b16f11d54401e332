"""The ballot route's fast path: `POST /api/v1/elections/{id}/ballots` without FastAPI's routing
and dependency solving (issue 4, bench/cast.py).

During an election this is the busiest write of the server. FastAPI's walk through the included
routers, its dependency solving and its answer cost most of a ballot's time on the event loop:
in-process (`bench/micro.py`) 189 us of CPU a ballot that way against 26-40 us here (the trivial
`GET /api/v1/health`, which still goes FastAPI's way: 135 us). This route sits first in the
app's router and takes only requests it can read exactly as the FastAPI route would: a decimal
election id, `Authorization: Bearer TOKEN`, a JSON body that `BallotCreate` accepts. It then
calls the same endpoint function (`routes.elections.api_cast`), so the rules, the answer and
every refusal stay in one place. Anything else (no token, a malformed body, another content
type) is handed on, with its body, to the FastAPI route, which answers it as always (401, 422
with its message, ...). An id beyond the database's 64-bit integers names no election: 404 at
once, its body unread (it would fail the ballot writer's whole batch). The OpenAPI document
describes the FastAPI route.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualpower.web.fast_path import FastPath
from dualpower.web.guards import MAX_ID, TOO_LARGE_AN_ID
from dualpower.web.routes.elections import api_cast
from dualpower.web.schemas import BallotCreate

HANDED_ON = "dualpower.ballot_fast_path.handed_on"  # scope key: the FastAPI route answers


class BallotFastPath(FastPath):
    def __init__(self, prefix: str, router: ASGIApp):
        super().__init__(prefix, router, method="POST", suffix="ballots", handed_on=HANDED_ON)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self  # as FastAPI's routes do: the metrics name requests by route
        election_id = scope["path_params"]["election_id"]
        if election_id > MAX_ID:
            raise HTTPException(404, TOO_LARGE_AN_ID)
        body = await _body(receive)
        if body is None:
            return  # the client went away before sending its ballot: nothing to answer
        headers = _headers(scope)
        token = _bearer(headers.get(b"authorization"))
        ballot = _ballot(headers.get(b"content-type"), body)
        if token is None or ballot is None:
            await self.hand_on(scope, _replay(body, receive), send)
            return
        request = Request(scope, receive)
        response = await api_cast(scope["path_params"]["election_id"], ballot, token, request)
        await response(scope, receive, send)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lower-case name; a repeated header counts as unreadable."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        key = name.lower()
        found[key] = b"" if key in found else value
    return found


def _bearer(value: bytes | None) -> str | None:
    """The token of `Bearer TOKEN`, as FastAPI's HTTPBearer reads it; None for anything else."""
    if not value:
        return None
    try:
        scheme, _, token = value.decode("latin-1").partition(" ")
    except UnicodeDecodeError:
        return None
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def _ballot(content_type: bytes | None, body: bytes) -> BallotCreate | None:
    """The body as the FastAPI route would validate it (json, then the model); None when it
    is not plainly a good ballot body."""
    if content_type is None or content_type.split(b";")[0].strip().lower() != b"application/json":
        return None
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        return BallotCreate.model_validate(data)
    except ValidationError:
        return None


async def _body(receive: Receive) -> bytes | None:
    """The whole body; None if the client disconnects first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then what the connection sends next."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
