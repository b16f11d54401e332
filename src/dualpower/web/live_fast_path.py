"""The turnout stream's fast path: `GET /api/v1/elections/{id}/events` answered without FastAPI's
routing and dependency solving, and without Starlette's streaming response (issue 24).

During a vote a thousand voters may watch one election's turnout, each sent a message a second.
This route sits first in the app's router (inside the app's middleware, so the answer gets the
same security headers, `Cache-Control: no-store`, request id and metrics as any other). It
sends the first message itself, then hands its `send` to the election's topic task
(`Broadcaster.watch`, web/live.py), which reads once for all the watchers of the process and
sends each of them the same bytes, paced; the request's own coroutine only waits for the client
to go (or for the task to end the stream). What it sends is what the FastAPI route
(`routes.elections.api_events`, which the OpenAPI document describes) sends: the same start,
the same messages, the same stream rules. The turnout names no one (counts only), so the visibility
rules have nothing to hide in it. An id that does not fit the database's integers, or an
election that cannot be read (none with that id), is handed on to the FastAPI route, which
answers it as always (404 with its message; 422 for an id out of range).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualpower.services import views
from dualpower.web.fast_path import FastPath
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


class TurnoutFastPath(FastPath):
    def __init__(self, prefix: str, router: ASGIApp):
        super().__init__(prefix, router, method="GET", suffix="events", handed_on=HANDED_ON)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self  # as FastAPI's routes do: the metrics name requests by route
        election_id: int = scope["path_params"]["election_id"]
        if election_id > MAX_ID:
            await self.hand_on(scope, receive, send)  # out of range: the route answers (422)
            return
        system, live = scope["app"].state.system, scope["app"].state.live

        def read() -> dict[str, Any]:
            return views.turnout(system.reader(), election_id)

        started = False

        async def send_frame(frame: bytes) -> None:
            nonlocal started
            if not started:
                started = True
                await send(START)
            await send({"type": "http.response.body", "body": frame, "more_body": True})

        async def gone() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            ended = await live.watch(
                ("election", election_id),
                "turnout",
                read,
                lambda s: s["status"] != "open",
                send_frame,
                gone,
            )
        except Exception:
            if started:
                raise
            await self.hand_on(scope, receive, send)  # no such election, say: the route answers
            return
        if ended:  # else the client has gone: nothing more is sent (as Starlette's response)
            await send(END)
