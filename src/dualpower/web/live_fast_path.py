"""The turnout stream's fast path: `GET /api/v1/elections/{id}/events` answered without FastAPI's
routing and dependency solving, and without Starlette's streaming response (issue 24).

During a vote a thousand voters may watch one election's turnout, each sent a message a second.
This route sits first in the app's router (inside the app's middleware, so the answer gets the
same security headers, `Cache-Control: no-store`, request id and metrics as any other) and sends
each message as one `send` of the bytes the watchers of a wake share (web/live.py encodes a
shared read once). What it sends is what the FastAPI route (`routes.elections.api_events`,
which the OpenAPI document describes) sends: the same start, the same messages, the same
stream rules (Broadcaster.frames). The turnout names no one (counts only), so the visibility
rules have nothing to hide in it. An id that does not fit the database's integers, or an
election that cannot be read (none with that id), is handed on to the FastAPI route, which
answers it as always (404 with its message).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Coroutine
from contextlib import aclosing
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualpower.services import views
from dualpower.web.guards import MAX_ID

HANDED_ON = "dualpower.live_fast_path.handed_on"  # scope key: the FastAPI route answers
# As `live.event_stream`'s StreamingResponse starts (the middleware adds the rest).
START: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"cache-control", b"no-store"),
        (b"x-accel-buffering", b"no"),
        (b"content-type", b"text/event-stream; charset=utf-8"),
    ],
}
END: Message = {"type": "http.response.body", "body": b"", "more_body": False}


class TurnoutFastPath(BaseRoute):
    def __init__(self, prefix: str, router: ASGIApp):
        self._path = re.compile(rf"^{re.escape(prefix)}/elections/([0-9]+)/events$")
        self._router = router  # the app's router, where the FastAPI route answers what is handed on
        self.path = f"{prefix}/elections/{{election_id}}/events"  # the route's name in metrics

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope.get("method") != "GET" or HANDED_ON in scope:
            return Match.NONE, {}
        found = self._path.match(scope["path"])
        if found is None or len(found[1].lstrip("0")) > len(str(MAX_ID)):
            return Match.NONE, {}
        election_id = int(found[1])
        if election_id > MAX_ID:
            return Match.NONE, {}  # the FastAPI route answers it (404)
        return Match.FULL, {"path_params": {"election_id": election_id}}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self  # as FastAPI's routes do: the metrics name requests by route
        election_id: int = scope["path_params"]["election_id"]
        system, live = scope["app"].state.system, scope["app"].state.live

        def read() -> dict[str, Any]:
            return views.turnout(system.reader(), election_id)

        frames = live.frames(
            ("election", election_id),
            "turnout",
            read,
            lambda s: s["status"] != "open",
            shared=True,  # counts only: the same for every viewer
        )
        async with aclosing(frames):
            try:
                first = await anext(frames)
            except Exception:  # noqa: BLE001 - no such election, say: the route answers it
                scope[HANDED_ON] = True
                await self._router(scope, receive, send)
                return
            await send(START)
            await _until_gone(receive, _sent(first, frames, send))


async def _sent(first: bytes, frames: AsyncIterator[bytes], send: Send) -> None:
    await send({"type": "http.response.body", "body": first, "more_body": True})
    async for frame in frames:
        await send({"type": "http.response.body", "body": frame, "more_body": True})
    await send(END)


async def _until_gone(receive: Receive, sending: Coroutine[Any, Any, None]) -> None:
    """Runs `sending` until it ends or the client disconnects (as Starlette's streaming
    response does: the server does not fail a send to a client that has gone)."""
    task = asyncio.current_task()
    assert task is not None
    gone = done = False

    async def listen() -> None:
        nonlocal gone
        while (await receive())["type"] != "http.disconnect":
            pass
        if not done:
            gone = True
            task.cancel()

    listener = asyncio.ensure_future(listen())
    try:
        await sending
        done = True
    except asyncio.CancelledError:
        if not gone:
            raise
        task.uncancel()
    finally:
        listener.cancel()
