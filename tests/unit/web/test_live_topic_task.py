"""A shared topic's task (web/live.py, issue 24): the watchers of one election's turnout in one
event loop are served by ONE task that waits for the wakes, reads once and sends to every
watcher; a watcher that goes or whose send fails is dropped; the task ends with the last
watcher; watchers joining while ballots wake the topic from another thread all end on the
final turnout, sent at most one message a round, the rounds `every` seconds apart."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from async_support import run_in_a_loop
from dualpower.web import live as live_module
from dualpower.web.live import Broadcaster

TOPIC = ("election", 1)


def _is_final(state: dict[str, Any]) -> bool:
    return bool(state["status"] != "open")


class _Turnout:
    """A turnout to read, counting its reads (the read runs in a thread of the pool)."""

    def __init__(self) -> None:
        self.value: dict[str, Any] = {"voted": 0, "status": "open"}
        self.reads = 0

    def read(self) -> dict[str, Any]:
        self.reads += 1
        return dict(self.value)


@dataclass(eq=False)
class _Client:
    """One watcher: what it was sent, by which task, when; it goes when told."""

    fails_after: int | None = None  # its send raises after this many frames
    blocks_after: int | None = None  # its send blocks for good after this many (stops reading)
    frames: list[bytes] = field(default_factory=list)
    senders: list[asyncio.Task[Any] | None] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    round_of: Any = None  # when called at a send: the round (its start) the send belongs to
    rounds: list[float] = field(default_factory=list)
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[bool] | None = None

    async def send(self, frame: bytes) -> None:
        if self.fails_after is not None and len(self.frames) >= self.fails_after:
            raise OSError("the connection is broken")
        if self.blocks_after is not None and len(self.frames) >= self.blocks_after:
            await asyncio.Event().wait()
        self.frames.append(frame)
        self.senders.append(asyncio.current_task())
        self.times.append(asyncio.get_running_loop().time())
        if self.round_of is not None:
            self.rounds.append(self.round_of())

    def voted(self) -> list[int]:
        return [
            json.loads(frame.split(b"data: ", 1)[1])["voted"]
            for frame in self.frames
            if b"data: " in frame
        ]

    def watch(self, live: Broadcaster, turnout: _Turnout) -> asyncio.Task[bool]:
        self.task = asyncio.ensure_future(
            live.watch(TOPIC, "turnout", turnout.read, _is_final, self.send, self.gone.wait)
        )
        return self.task


async def _until(condition: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "waited too long"
        await asyncio.sleep(0.005)


def _sender(live: Broadcaster) -> asyncio.Task[None] | None:
    (feed,) = live._shared.values()
    return feed.sender


def test_the_watchers_of_a_topic_are_served_by_one_task_until_the_last_goes() -> None:
    async def run() -> None:
        live = Broadcaster(heartbeat=5.0, every=0.05, spread=0.02)
        turnout = _Turnout()
        clients = [_Client() for _ in range(200)]
        tasks = [c.watch(live, turnout) for c in clients]
        await _until(lambda: all(c.frames for c in clients))
        sender = _sender(live)
        assert sender is not None
        assert len(asyncio.all_tasks()) == len(clients) + 2  # theirs, the topic's, this one
        for n in (1, 2, 3):
            turnout.value["voted"] = n
            live.wake(TOPIC)
            await _until(lambda: all(c.voted()[-1] == n for c in clients))  # noqa: B023
        assert turnout.reads == 4  # once at connection, once a wake: for all 200
        assert all(c.voted() == [0, 1, 2, 3] for c in clients)
        assert all(c.frames[0].startswith(b"retry: 3000\nevent: turnout\ndata: ") for c in clients)
        # The first message by the watcher's own task, each later one by the topic's task.
        assert all(c.senders[0] is t for c, t in zip(clients, tasks, strict=True))
        assert {s for c in clients for s in c.senders[1:]} == {sender}
        for c in clients:
            c.gone.set()
        assert await asyncio.gather(*tasks) == [False] * len(clients)  # gone: no end to send
        await asyncio.sleep(0)
        assert sender.done() and not live._shared and not live._watchers

    run_in_a_loop(run)


def test_a_watcher_that_goes_or_cannot_be_sent_to_is_dropped(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(live_module, "SEND_TIMEOUT", 0.2)

    async def run() -> None:
        live = Broadcaster(heartbeat=5.0, every=0.0, spread=0.0)
        turnout = _Turnout()
        leaving, broken, stuck = _Client(), _Client(fails_after=1), _Client(blocks_after=1)
        staying = _Client()
        clients = (leaving, broken, stuck, staying)
        tasks = [c.watch(live, turnout) for c in clients]
        await _until(lambda: all(c.frames for c in clients))
        leaving.gone.set()
        assert await tasks[0] is False
        turnout.value["voted"] = 1
        live.wake(TOPIC)
        # Its send failed, or blocked: ended, with nothing more to send; the others go on.
        assert await asyncio.wait_for(asyncio.gather(*tasks[1:3]), 10) == [False, False]
        await _until(lambda: staying.voted() == [0, 1])
        (feed,) = live._shared.values()
        assert list(feed.ready) == list(feed.subs) and len(feed.subs) == 1
        assert leaving.voted() == broken.voted() == stuck.voted() == [0]
        staying.gone.set()
        assert await tasks[3] is False

    run_in_a_loop(run)


def test_watchers_joining_during_a_vote_all_end_on_the_final_turnout() -> None:
    """Ballots commit in another thread and wake the topic thread-safely while watchers
    join at random moments; then the election closes: every watcher is sent the final
    turnout and its stream ends, and no watcher is sent two messages in one round (the rounds
    are `every` apart; within one, the sends are spread over `spread`)."""
    every, spread = 0.05, 0.02

    async def run() -> list[_Client]:
        live = Broadcaster(heartbeat=5.0, every=every, spread=spread)
        turnout = _Turnout()
        clients = [_Client() for _ in range(100)]
        for c in clients:  # the one shared topic's task sends in rounds
            c.round_of = lambda: next(iter(live._shared.values())).round_at
        voting = threading.Event()

        def vote() -> None:
            while not voting.is_set():
                turnout.value = {"voted": turnout.value["voted"] + 1, "status": "open"}
                live.wake(TOPIC)
                time.sleep(0.003)
            turnout.value = {"voted": turnout.value["voted"], "status": "closed"}
            live.wake(TOPIC)

        voter = threading.Thread(target=vote)
        voter.start()
        tasks = []
        for c in clients:
            tasks.append(c.watch(live, turnout))
            await asyncio.sleep(random.random() * 0.01)  # noqa: S311
        await asyncio.sleep(0.2)
        voting.set()
        await asyncio.to_thread(voter.join)
        assert await asyncio.wait_for(asyncio.gather(*tasks), 10) == [True] * len(clients)
        final = turnout.value["voted"]
        assert all(c.voted()[-1] == final for c in clients)
        assert all(b'"status":"closed"' in c.frames[-1] for c in clients)
        await asyncio.sleep(0)
        assert not live._shared and not live._watchers
        return clients

    clients = run_in_a_loop(run)
    for c in clients:
        assert c.voted() == sorted(c.voted())  # never an older turnout after a newer
        # One message a round, the rounds `every` apart: judged by the rounds' starts, not by
        # the sends' moments, which a loaded machine delays within a round (its `spread`).
        gaps = [b - a for a, b in zip(c.rounds, c.rounds[1:], strict=False)]
        assert len(c.rounds) == len(c.frames) and all(gap >= every for gap in gaps), gaps
        assert len(set(c.rounds)) == len(c.rounds)  # never two messages in one round


def test_watchers_who_join_are_frozen_soon_after_even_when_nothing_wakes_the_topic(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """Streams stay open for a vote: once watchers have joined, the topic asks web/warm.py to
    freeze them (out of the collector's full passes, issue 24) FREEZE_AFTER seconds later,
    without waiting for a wake (voters open the page before the ballots come), once for a
    burst of joins; asked too early (within REFREEZE_SECONDS of another freeze), it asks
    again when told."""
    frozen: list[float] = []
    answers = [0.05, 0.0]  # too early first: asked again 0.05 s later

    def freeze() -> float:
        frozen.append(asyncio.get_running_loop().time())
        return answers.pop(0) if answers else 0.0

    monkeypatch.setattr(live_module, "freeze_newcomers", freeze)
    monkeypatch.setattr(live_module, "FREEZE_AFTER", 0.1)

    async def run() -> None:
        live = Broadcaster(heartbeat=5.0, every=60.0, spread=0.0)
        turnout = _Turnout()
        clients = [_Client() for _ in range(20)]
        tasks = [c.watch(live, turnout) for c in clients]
        await _until(lambda: all(c.frames for c in clients))
        joined = asyncio.get_running_loop().time()
        await _until(lambda: len(frozen) == 2)
        assert frozen[0] - joined < 0.1 + 0.05  # FREEZE_AFTER the first join, no wake needed
        assert frozen[1] - frozen[0] >= 0.05  # told to wait: asked again after that
        await asyncio.sleep(0.3)
        assert len(frozen) == 2  # nobody new since
        late = _Client()
        tasks.append(late.watch(live, turnout))
        await _until(lambda: len(frozen) == 3)  # a newcomer: frozen in turn
        assert turnout.reads == 1  # no round was needed for it (the joins' shared read only)
        for c in [*clients, late]:
            c.gone.set()
        await asyncio.gather(*tasks)

    run_in_a_loop(run)
