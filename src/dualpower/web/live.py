"""Live updates by server-sent events (DESIGN.md 4): petitions' counts, elections' turnout,
councils' compositions.

The services publish events after commit, from whichever thread committed. The broadcaster
turns each into a wake-up for the streams watching that petition or election; a woken stream
reads the current state from the database and sends it if it changed. Reading instead of
trusting the event keeps the page right when two commits publish out of order, and wake-ups
coalesce: a burst of ballots costs each watcher one read, not one per ballot.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from dualpower.bootstrap import see_latest
from dualpower.domain.live import Topic, Wake, topics


@dataclass(eq=False)
class Watcher:
    loop: asyncio.AbstractEventLoop
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, timeout: float) -> bool:
        """True when woken within `timeout` seconds (and ready to be woken again). A timeout
        scope, not `wait_for`, which makes a task at each wait (Python 3.11)."""
        if not self.woken.is_set():
            try:
                async with asyncio.timeout(timeout):
                    await self.woken.wait()
            except TimeoutError:
                return False
        self.woken.clear()
        return True


def _set(watchers: Iterable[Watcher]) -> None:
    for watcher in watchers:
        watcher.woken.set()


@dataclass(eq=False)
class _Shared:
    """The state of a topic whose read is the same for every watcher (no viewer in it), read
    once per wake for all its watchers in one event loop: a thousand watchers of an election's
    turnout cost one read per burst of ballots, not a thousand (issue 24)."""

    event: str
    wakes: int = 0  # wakes of the topic seen in this loop
    state: tuple[dict[str, Any], bytes] | None = None  # and its message, encoded once
    read_at: int = -1  # the wake count when the read that gave `state` started
    task: asyncio.Future[tuple[dict[str, Any], bytes]] | None = None
    task_at: int = -1

    async def read(
        self, read: Callable[[], dict[str, Any]], seen: int
    ) -> tuple[dict[str, Any], bytes]:
        """The state as read after wake `seen`, and its message: one read started at or after
        it, shared, its message encoded once for all the watchers."""
        if self.state is not None and self.read_at >= seen:
            return self.state
        if self.task is None or self.task_at < seen:
            start = self.wakes

            async def once() -> tuple[dict[str, Any], bytes]:
                try:
                    await see_latest()  # on a replica: one that has replayed the waking commit
                    found = await run_in_threadpool(read)
                except BaseException:
                    self.task = None  # the next wake tries again
                    raise
                state = found, _message(self.event, found)
                if start >= self.read_at:
                    self.state, self.read_at = state, start
                return state

            self.task, self.task_at = asyncio.ensure_future(once()), start
        return await asyncio.shield(self.task)


class Broadcaster:
    """Subscribed to the system's events; wakes the streams of the topic an event concerns
    (domain/live.py). On PostgreSQL the system's change feed also wakes it at other processes'
    commits (store/change_feed.py: `wake_many`, `wake_everything`)."""

    def __init__(
        self,
        *,
        heartbeat: float = 15.0,
        lifetime: float = 300.0,
        every: float = 1.0,
        spread: float | None = None,
    ) -> None:
        self.heartbeat = heartbeat  # seconds between keep-alive comments
        self.lifetime = lifetime  # a stream ends after this; the browser reconnects by itself
        # A shared stream (a turnout) sends at most one message every `every` seconds: during a
        # vote a thousand watchers would otherwise be sent a message per batch of ballots each.
        self.every = every
        # Its watchers read together (one read) but each sends a fixed delay of its own after
        # the read, drawn within `spread` seconds (half of `every` by default): sent all at
        # once, a thousand messages are a burst that the process's other requests (ballots)
        # queue behind.
        self.spread = every / 2 if spread is None else spread
        self._lock = threading.Lock()
        self._watchers: dict[Topic, set[Watcher]] = {}
        self._shared: dict[tuple[asyncio.AbstractEventLoop, Topic, str], _Shared] = {}

    def __call__(self, event: Any) -> None:
        self.wake_many(topics(event))

    def wake_many(self, wakes: Sequence[Wake]) -> None:
        for kind, id_ in wakes:
            if id_ is None:
                self.wake_all(kind)
            else:
                self.wake((kind, id_))

    def wake_all(self, kind: str) -> None:
        with self._lock:
            watched = [topic for topic in self._watchers if topic[0] == kind]
        for topic in watched:
            self.wake(topic)

    def wake_everything(self) -> None:
        """Every stream reads again (the change feed may have missed notifications)."""
        with self._lock:
            watched = list(self._watchers)
        for topic in watched:
            self.wake(topic)

    def wake(self, topic: Topic) -> None:
        with self._lock:
            watchers = list(self._watchers.get(topic, ()))
            for (_, t, _), feed in self._shared.items():
                if t == topic:  # counted before any watcher wakes: its next read is after it
                    feed.wakes += 1
        by_loop: dict[asyncio.AbstractEventLoop, list[Watcher]] = {}
        for watcher in watchers:
            if not watcher.woken.is_set():  # else its read comes after this commit already
                by_loop.setdefault(watcher.loop, []).append(watcher)
        for loop, woken in by_loop.items():  # one call a loop, not one a watcher
            try:
                loop.call_soon_threadsafe(_set, woken)
            except RuntimeError:  # the event loop has closed
                for watcher in woken:
                    self._forget(topic, watcher)

    def watching(self, topic: Topic) -> int:
        with self._lock:
            return len(self._watchers.get(topic, ()))

    def _watch(self, topic: Topic) -> Watcher:
        watcher = Watcher(asyncio.get_running_loop())
        with self._lock:
            self._watchers.setdefault(topic, set()).add(watcher)
        return watcher

    def _forget(self, topic: Topic, watcher: Watcher) -> None:
        with self._lock:
            watchers = self._watchers.get(topic)
            if watchers is not None:
                watchers.discard(watcher)
                if not watchers:
                    del self._watchers[topic]

    async def stream(
        self,
        topic: Topic,
        event: str,
        read: Callable[[], dict[str, Any]],
        is_final: Callable[[dict[str, Any]], bool],
        *,
        shared: bool = False,
    ) -> AsyncIterator[str]:
        """`frames`, as text (for a StreamingResponse)."""
        async with aclosing(self.frames(topic, event, read, is_final, shared=shared)) as frames:
            async for frame in frames:
                yield frame.decode()

    async def frames(
        self,
        topic: Topic,
        event: str,
        read: Callable[[], dict[str, Any]],
        is_final: Callable[[dict[str, Any]], bool],
        *,
        shared: bool = False,
    ) -> AsyncGenerator[bytes, None]:
        """The state now, then each change, until it is final, the client leaves or the
        stream's lifetime is over. `shared`: `read` is the same for every viewer (no name, no
        visibility rule in it), so the watchers of the topic share one read per wake, and one
        message: the same bytes for all (web/live_fast_path.py sends them as they are)."""
        watcher = self._watch(topic)
        feed = self._feed(watcher.loop, topic, event) if shared else None
        try:
            read_at = watcher.loop.time()
            state, message = await self._read(feed, feed.wakes if feed else 0, event, read)
            yield b"retry: 3000\n" + message
            delay = random.random() * self.spread if feed is not None else 0.0  # noqa: S311
            deadline = watcher.loop.time() + self.lifetime
            while not is_final(state) and watcher.loop.time() < deadline:
                if not await watcher.wait(self.heartbeat):
                    yield b": keep-alive\n\n"  # also finds out when the client has gone
                    continue
                if feed is not None:
                    wait = read_at + self.every - watcher.loop.time()
                    if wait > 0:  # wakes meanwhile are taken up by the read after it
                        await asyncio.sleep(wait)
                        watcher.woken.clear()
                    read_at = watcher.loop.time()
                new, message = await self._read(feed, feed.wakes if feed else 0, event, read)
                if new != state:
                    state = new
                    if delay:
                        await asyncio.sleep(delay)
                    yield message
        finally:
            self._forget(topic, watcher)
            if feed is not None:
                self._drop_feed(watcher.loop, topic, event)

    @staticmethod
    async def _read(
        feed: _Shared | None, seen: int, event: str, read: Callable[[], dict[str, Any]]
    ) -> tuple[dict[str, Any], bytes]:
        if feed is not None:
            return await feed.read(read, seen)
        await see_latest()  # on a replica: one that has replayed the waking commit
        state = await run_in_threadpool(read)
        return state, _message(event, state)

    def _feed(self, loop: asyncio.AbstractEventLoop, topic: Topic, event: str) -> _Shared:
        with self._lock:
            return self._shared.setdefault((loop, topic, event), _Shared(event))

    def _drop_feed(self, loop: asyncio.AbstractEventLoop, topic: Topic, event: str) -> None:
        with self._lock:
            if not self._watchers.get(topic):
                self._shared.pop((loop, topic, event), None)


def _message(event: str, data: dict[str, Any]) -> bytes:
    text = json.dumps(data, default=str, separators=(",", ":"))
    return f"event: {event}\ndata: {text}\n\n".encode()


def event_stream(body: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def broadcaster(request: Request) -> Broadcaster:
    found: Broadcaster = request.app.state.live
    return found
