"""The turnout stream's fast path (web/live_fast_path.py, issue 24): the same start and the same
bytes as the FastAPI route for the same election, a new turnout after a ballot, an unknown
election handed on to the route (404), and the stream's end when the client goes."""

from __future__ import annotations

import asyncio
from typing import Any

import recall_web_support as support

from async_support import run_in_a_loop
from dualpower.services import elections
from dualpower.services.elections import OpenElection
from dualpower.web.app import create_app
from dualpower.web.guards import MAX_ID
from dualpower.web.live import Broadcaster
from dualpower.web.live_fast_path import HANDED_ON, TurnoutFastPath
from fixtures_services import open_election

small_template, fed = support.small_template, support.fed  # fixtures

Messages = list[dict[str, Any]]


def _scope(path: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"accept", b"text/event-stream")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    } | extra


class _Client:
    """One request to the app in process: what it sends, and a disconnect when told."""

    def __init__(self, app: Any, scope: dict[str, Any]) -> None:
        self.sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.scope = scope
        self.task = asyncio.ensure_future(app(scope, self._receive, self.sent.put))

    async def _receive(self) -> dict[str, Any]:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.sent.get(), 10)

    async def leave(self) -> None:
        self.gone.set()
        await asyncio.wait_for(self.task, 10)


def _headers(start: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    return sorted(h for h in start["headers"] if h[0] != b"x-request-id")


def _election(fed) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
    election_id = open_election(
        fed.system.uow(), OpenElection(forge.id, "approval", is_secret=True)
    )
    candidate = elections.nominate(fed.system.uow(), election_id, fed.members["forge2"], None, None)
    return election_id, candidate


def _app(fed):  # type: ignore[no-untyped-def]
    app = create_app(fed.system)
    app.state.live = Broadcaster(every=0.0, spread=0.0)  # a message at each wake, at once
    fed.system.subscribe(app.state.live)
    return app


def test_the_fast_path_sends_what_the_route_sends_and_each_new_turnout(fed) -> None:  # type: ignore[no-untyped-def]
    election_id, candidate = _election(fed)
    app = _app(fed)
    path = f"/api/v1/elections/{election_id}/events"

    async def run() -> tuple[Messages, Messages, Messages, Any, list[Any]]:
        fast, routed = _Client(app, _scope(path)), _Client(app, _scope(path, **{HANDED_ON: True}))
        first = [[await c.next(), await c.next()] for c in (fast, routed)]
        await asyncio.to_thread(
            elections.cast_ballot, fed.system.uow(), election_id, fed.members["forge3"], [candidate]
        )
        after = [await fast.next(), await routed.next()]
        for c in (fast, routed):
            await c.leave()
        return first[0], first[1], after, fast.task.result(), [fast.scope, routed.scope]

    fast, routed, after, ended, scopes = run_in_a_loop(run)
    assert isinstance(scopes[0]["route"], TurnoutFastPath)
    assert not isinstance(scopes[1]["route"], TurnoutFastPath)  # FastAPI's route
    assert fast[0]["status"] == routed[0]["status"] == 200
    assert _headers(fast[0]) == _headers(routed[0])
    assert (b"cache-control", b"no-store") in _headers(fast[0])
    assert (b"content-type", b"text/event-stream; charset=utf-8") in _headers(fast[0])
    assert (b"x-frame-options", b"DENY") in _headers(fast[0])
    assert any(name == b"x-request-id" for name, _ in fast[0]["headers"])
    assert fast[1]["body"] == routed[1]["body"]
    assert fast[1]["body"].startswith(b"retry: 3000\nevent: turnout\ndata: ")
    assert b'"voted":0' in fast[1]["body"]
    assert after[0]["body"] == after[1]["body"]
    assert b'"voted":1' in after[0]["body"] and not after[0]["body"].startswith(b"retry")
    assert ended is None  # the client left: the stream ended without an error


def test_an_unknown_election_is_handed_to_the_route(fed) -> None:  # type: ignore[no-untyped-def]
    app = _app(fed)

    async def run() -> list[dict[str, Any]]:
        client = _Client(app, _scope("/api/v1/elections/999999/events"))
        sent = [await client.next(), await client.next()]
        client.gone.set()
        await asyncio.wait_for(client.task, 10)
        return sent

    start, body = run_in_a_loop(run)
    assert start["status"] == 404 and b"there is no election 999999" in body["body"]


def test_an_id_past_the_database_integers_is_handed_to_the_route(fed) -> None:  # type: ignore[no-untyped-def]
    app = _app(fed)
    path = f"/api/v1/elections/{MAX_ID + 1}/events"

    async def run() -> list[list[dict[str, Any]]]:
        answers = []
        for scope in (_scope(path), _scope(path, **{HANDED_ON: True})):
            client = _Client(app, scope)
            answers.append([await client.next(), await client.next(), client.scope])
            client.gone.set()
            await asyncio.wait_for(client.task, 10)
        return answers

    (start, body, scope), (routed_start, routed_body, _) = run_in_a_loop(run)
    assert start["status"] == routed_start["status"] == 422 and body == routed_body
    assert not isinstance(scope["route"], TurnoutFastPath)  # FastAPI's route answered


def test_the_watchers_share_the_topic_task_and_one_that_leaves_is_dropped(fed) -> None:  # type: ignore[no-untyped-def]
    election_id, candidate = _election(fed)
    app = _app(fed)
    live: Broadcaster = app.state.live
    path = f"/api/v1/elections/{election_id}/events"

    async def run() -> tuple[Messages, Messages, int, int]:
        staying, leaving = _Client(app, _scope(path)), _Client(app, _scope(path))
        first = [[await c.next(), await c.next()] for c in (staying, leaving)]
        (feed,) = live._shared.values()
        served = len(feed.ready)
        await leaving.leave()
        left = len(feed.subs)
        await asyncio.to_thread(
            elections.cast_ballot, fed.system.uow(), election_id, fed.members["forge3"], [candidate]
        )
        after = [await staying.next()]
        assert leaving.sent.empty()  # nothing more for the client that left
        await staying.leave()
        assert not live._shared and not live._watchers  # the topic's task has ended
        return first[0] + first[1], after, served, left

    first, after, served, left = run_in_a_loop(run)
    assert (served, left) == (2, 1)
    assert first[1]["body"] == first[3]["body"]  # the same bytes for both
    assert b'"voted":1' in after[0]["body"]
