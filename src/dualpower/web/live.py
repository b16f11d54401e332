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
import logging
import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from dualpower.bootstrap import see_latest
from dualpower.domain.live import Topic, Wake, topics
from dualpower.web.warm import freeze_newcomers

logger = logging.getLogger(__name__)


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
class _Sub:
    """One watcher of a shared topic: its `send`, the read it was last sent, and, once the
    topic's task has ended it, how (True: the stream is over; False: its send failed)."""

    send: Callable[[bytes], Awaitable[None]]
    task: asyncio.Task[Any] | None = None  # its own, waiting for the client to go
    state: dict[str, Any] | None = None
    read_at: int = -1
    sent_at: float = float("-inf")  # when it joined, or the round that last sent it a state
    outcome: bool | None = None


@dataclass(eq=False)
class _Shared:
    """A topic whose read is the same for every watcher (no viewer in it), in one event loop:
    ONE task waits for its wakes, reads once, and sends the message, encoded once, to every
    watcher in small slices spread over `Broadcaster.spread` (a thousand watchers of an
    election's turnout cost one read per second and no wake of their own: issue 24). The
    watchers' own coroutines only wait for their client to go; a watcher that goes, or whose
    send fails, is dropped; the task ends with the last watcher."""

    event: str
    read_state: Callable[[], dict[str, Any]]
    is_final: Callable[[dict[str, Any]], bool]
    watcher: Watcher
    subs: set[_Sub] = field(default_factory=set)  # joining or served
    ready: dict[_Sub, None] = field(default_factory=dict)  # served by the task, in order
    wakes: int = 0  # wakes of the topic seen in this loop
    state: tuple[dict[str, Any], bytes] | None = None  # and its message, encoded once
    read_at: int = -1  # the wake count when the read that gave `state` started
    task: asyncio.Future[tuple[dict[str, Any], bytes]] | None = None
    task_at: int = -1
    sender: asyncio.Task[None] | None = None  # the topic's task
    round_at: float = float("-inf")  # when its last read started (loop time)
    freezing: asyncio.TimerHandle | None = None  # the freeze of watchers who joined, due

    async def read(self, seen: int) -> tuple[dict[str, Any], bytes, int]:
        """The state as read after wake `seen`, its message and the wake count when its read
        started: one read started at or after it, shared, its message encoded once."""
        if self.state is not None and self.read_at >= seen:
            return (*self.state, self.read_at)
        if self.task is None or self.task_at < seen:
            start = self.wakes

            async def once() -> tuple[dict[str, Any], bytes]:
                try:
                    found = await _read(self.read_state)
                except BaseException:
                    self.task = None  # the next wake tries again
                    raise
                state = found, _message(self.event, found)
                if start >= self.read_at:
                    self.state, self.read_at = state, start
                return state

            self.task, self.task_at = asyncio.ensure_future(once()), start
        at = self.task_at
        return (*await asyncio.shield(self.task), at)

    def serve(self, sub: _Sub, live: Broadcaster) -> None:
        """`sub` has been sent its first state: the task sends it the next ones."""
        sub.task = asyncio.current_task()
        self.ready[sub] = None
        if self.freezing is None:  # a burst of joins: one freeze, FREEZE_AFTER the first
            self.freezing = asyncio.get_running_loop().call_later(FREEZE_AFTER, self._freeze)
        if self.state is not None and self.read_at > sub.read_at and self.state[0] != sub.state:
            self.watcher.woken.set()  # the task sent a newer state meanwhile: it reads again
        if self.sender is None or self.sender.done():
            self.sender = asyncio.ensure_future(self._run(live))

    def _freeze(self) -> None:
        """The watchers who joined stay open for the vote: out of the garbage collector's full
        passes (web/warm.py), whether or not a wake has come since; asked too early, again
        when it says."""
        wait = freeze_newcomers()
        loop = asyncio.get_running_loop()
        self.freezing = loop.call_later(wait, self._freeze) if wait > 0 else None

    def stop(self) -> None:
        """The last watcher has gone: so do the topic's task and its freeze."""
        if self.sender is not None:
            self.sender.cancel()
        if self.freezing is not None:
            self.freezing.cancel()
            self.freezing = None

    def end(self, sub: _Sub, outcome: bool) -> None:
        if sub.outcome is None and sub.task is not None:
            sub.outcome = outcome
            sub.task.cancel()  # its coroutine ends the stream (web/live_fast_path.py)
        self.drop(sub)

    def drop(self, sub: _Sub) -> None:
        self.subs.discard(sub)
        self.ready.pop(sub, None)

    async def _run(self, live: Broadcaster) -> None:
        loop = asyncio.get_running_loop()
        while self.ready:
            if not await self.watcher.wait(live.heartbeat):
                await self._send_all(_KEEP_ALIVE, None, -1, live)
                continue
            wait = self.round_at + live.every - loop.time()
            if wait > 0:  # wakes meanwhile are taken up by the read after it
                await asyncio.sleep(wait)
                self.watcher.woken.clear()
            self.round_at = loop.time()
            try:
                state, message, at = await self.read(self.wakes)
            except Exception:
                logger.exception("a live stream's read failed: its watchers are ended")
                for sub in list(self.ready):
                    self.end(sub, True)
                return
            await self._send_all(message, state, at, live)
            if self.is_final(state):  # the streams sent it are over (the others next round)
                for sub in list(self.ready):
                    if sub.read_at >= at:
                        self.end(sub, True)

    async def _send_all(
        self, message: bytes, state: dict[str, Any] | None, at: int, live: Broadcaster
    ) -> None:
        """`message` to each watcher served that has not been sent this state or a newer one
        (`state` None: a keep-alive to all), in slices spread over `live.spread` seconds: one
        message a round, the rounds `every` seconds apart. A watcher that joined less than
        `every` seconds before the round began gets it at the next round, which this one asks
        for."""
        subs = list(self.ready)
        slices = max(1, min(len(subs), int(live.spread / TICK)))
        size = -(-len(subs) // slices)
        for start in range(0, len(subs), size):
            if start:
                await asyncio.sleep(TICK)
            to = []
            for sub in subs[start : start + size]:
                if sub.outcome is not None or sub not in self.subs:
                    continue  # gone meanwhile
                if state is not None:
                    if at <= sub.read_at or state == sub.state:
                        sub.read_at = max(sub.read_at, at)
                        continue
                    if sub.sent_at + live.every > self.round_at:
                        self.watcher.woken.set()
                        continue
                    sub.state, sub.read_at, sub.sent_at = state, at, self.round_at
                to.append(sub)
            await self._send(to, message)

    async def _send(self, subs: list[_Sub], message: bytes) -> None:
        """`message` to each of `subs`; one that fails, or blocks for SEND_TIMEOUT seconds (a
        client that stopped reading), is dropped. One timeout scope for them all."""
        sent = 0
        while sent < len(subs):
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    while sent < len(subs):
                        sent += 1
                        try:
                            await subs[sent - 1].send(message)
                        except Exception:  # noqa: BLE001 - it cannot be sent to: dropped
                            self.end(subs[sent - 1], False)
            except TimeoutError:
                self.end(subs[sent - 1], False)


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
        # Its task sends a new state to its watchers in small slices over `spread` seconds
        # (half of `every` by default): sent all at once, a thousand messages are a burst
        # that the process's other requests (ballots) queue behind.
        self.spread = every / 2 if spread is None else spread
        self._lock = threading.Lock()
        self._watchers: dict[Topic, set[Watcher]] = {}
        # The topics shared by their watchers, each served by one task per event loop.
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

    async def watch(
        self,
        topic: Topic,
        event: str,
        read: Callable[[], dict[str, Any]],
        is_final: Callable[[dict[str, Any]], bool],
        send: Callable[[bytes], Awaitable[None]],
        gone: Callable[[], Awaitable[Any]],
    ) -> bool:
        """One watcher of a topic whose `read` is the same for every viewer (no name, no
        visibility rule in it): sent the state now (by this coroutine, so a failed first read
        raises here before anything is sent), then each change by the topic's task (_Shared),
        at most once every `every` seconds, until the state is final, the stream's lifetime is
        over, `gone()` returns (the client left) or a send fails. True when the stream ended by
        itself (the caller ends the response), False when the client went or could not be sent
        to (nothing more to send)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.lifetime
        sub = _Sub(send)
        feed = self._join(loop, topic, event, read, is_final, sub)
        try:
            state, message, sub.read_at = await feed.read(feed.wakes)
            sub.state, sub.sent_at = state, loop.time()
            await send(b"retry: 3000\n" + message)
            if is_final(state):
                return True
            feed.serve(sub, self)
            try:
                async with asyncio.timeout_at(deadline):
                    await gone()
                return False
            except TimeoutError:
                return True
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if sub.outcome is None or task is None:
                    raise
                task.uncancel()  # ended by the topic's task
                return sub.outcome
        finally:
            self._leave(loop, topic, event, feed, sub)

    def _join(
        self,
        loop: asyncio.AbstractEventLoop,
        topic: Topic,
        event: str,
        read: Callable[[], dict[str, Any]],
        is_final: Callable[[dict[str, Any]], bool],
        sub: _Sub,
    ) -> _Shared:
        with self._lock:
            feed = self._shared.get((loop, topic, event))
            if feed is None:
                watcher = Watcher(loop)  # the topic's task's: one wake for all its watchers
                self._watchers.setdefault(topic, set()).add(watcher)
                feed = self._shared[(loop, topic, event)] = _Shared(event, read, is_final, watcher)
            feed.subs.add(sub)
        return feed

    def _leave(
        self, loop: asyncio.AbstractEventLoop, topic: Topic, event: str, feed: _Shared, sub: _Sub
    ) -> None:
        feed.drop(sub)
        if feed.subs:
            return
        with self._lock:
            if self._shared.get((loop, topic, event)) is feed:
                del self._shared[(loop, topic, event)]
        self._forget(topic, feed.watcher)
        feed.stop()

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
        stream's lifetime is over. `shared`: `read` is the same for every viewer, so the
        stream is served by the topic's task (`watch`); else each watcher reads for itself."""
        if shared:
            async with aclosing(self._watched(topic, event, read, is_final)) as frames:
                async for frame in frames:
                    yield frame
            return
        watcher = self._watch(topic)
        try:
            state = await _read(read)
            yield b"retry: 3000\n" + _message(event, state)
            deadline = watcher.loop.time() + self.lifetime
            while not is_final(state) and watcher.loop.time() < deadline:
                if not await watcher.wait(self.heartbeat):
                    yield _KEEP_ALIVE  # also finds out when the client has gone
                    continue
                new = await _read(read)
                if new != state:
                    state = new
                    yield _message(event, state)
        finally:
            self._forget(topic, watcher)

    async def _watched(
        self,
        topic: Topic,
        event: str,
        read: Callable[[], dict[str, Any]],
        is_final: Callable[[dict[str, Any]], bool],
    ) -> AsyncGenerator[bytes, None]:
        """`watch`, as frames to iterate (for a StreamingResponse): a task of its own per
        watcher, which the fast path (web/live_fast_path.py) does without."""
        frames: asyncio.Queue[bytes | None] = asyncio.Queue()

        async def send(frame: bytes) -> None:
            frames.put_nowait(frame)

        watching = asyncio.ensure_future(
            self.watch(topic, event, read, is_final, send, asyncio.Event().wait)
        )
        watching.add_done_callback(lambda _: frames.put_nowait(None))
        try:
            while (frame := await frames.get()) is not None:
                yield frame
            watching.result()  # the first read's error, if any
        finally:
            watching.cancel()


async def _read(read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    await see_latest()  # on a replica: one that has replayed the waking commit
    return await run_in_threadpool(read)


_KEEP_ALIVE = b": keep-alive\n\n"
TICK = 0.01  # seconds between two slices of a shared topic's sends
SEND_TIMEOUT = 10.0  # a send to one watcher blocked longer drops that watcher
FREEZE_AFTER = 1.0  # seconds from a watcher's joining to the freeze of it and those after it


def _message(event: str, data: dict[str, Any]) -> bytes:
    text = json.dumps(data, default=str, separators=(",", ":"))
    return f"event: {event}\ndata: {text}\n\n".encode()


def event_stream(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def broadcaster(request: Request) -> Broadcaster:
    found: Broadcaster = request.app.state.live
    return found
