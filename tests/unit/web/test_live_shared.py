"""Live streams fanned out (issue 24): the watchers of a topic whose read is the same for every
viewer share one read per wake; a stream whose read depends on its viewer still reads alone."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from async_support import run_in_a_loop
from dualpower.web.live import Broadcaster

TOPIC = ("election", 1)
WATCHERS = 50


def _data(message: bytes) -> dict[str, Any]:
    line = next(x for x in message.decode().splitlines() if x.startswith("data: "))
    found: dict[str, Any] = json.loads(line.removeprefix("data: "))
    return found


class _Counted:
    """A turnout to read, counting its reads."""

    def __init__(self) -> None:
        self.value = {"voted": 0, "status": "open"}
        self.reads = 0

    def read(self) -> dict[str, Any]:
        self.reads += 1
        return dict(self.value)


async def _watch(shared: bool) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    live = Broadcaster(heartbeat=5.0, lifetime=30.0, every=0.0)
    turnout = _Counted()
    value = turnout.value
    streams = [
        live.frames(TOPIC, "turnout", turnout.read, lambda s: s["status"] != "open", shared=shared)
        for _ in range(WATCHERS)
    ]
    first = [_data(m) for m in await asyncio.gather(*(s.__anext__() for s in streams))]
    value["voted"] = 7  # a ballot commits, then its event wakes the topic
    live.wake(TOPIC)
    second = [_data(m) for m in await asyncio.gather(*(s.__anext__() for s in streams))]
    for s in streams:
        await s.aclose()
    return turnout.reads, first, second


def test_shared_watchers_read_once_per_wake() -> None:
    reads, first, second = run_in_a_loop(lambda: _watch(shared=True))
    assert reads == 2  # the state at connection, and once after the wake: for all 50
    assert {f["voted"] for f in first} == {0} and {s["voted"] for s in second} == {7}


def test_unshared_watchers_read_each_their_own() -> None:
    reads, first, second = run_in_a_loop(lambda: _watch(shared=False))
    assert reads == 2 * WATCHERS
    assert {f["voted"] for f in first} == {0} and {s["voted"] for s in second} == {7}


def test_a_wake_after_a_shared_read_started_reads_again() -> None:
    """A read that began before a commit's wake may have missed that commit: the watchers woken
    by it get a read that began after it."""

    async def run() -> list[int]:
        live = Broadcaster(heartbeat=5.0, lifetime=30.0, every=0.0)
        value = {"voted": 0, "status": "open"}
        seen: list[int] = []

        def read() -> dict[str, Any]:
            seen.append(value["voted"])
            return dict(value)

        stream = live.frames(TOPIC, "turnout", read, lambda s: False, shared=True)
        await stream.__anext__()
        for n in (1, 2, 3):
            value["voted"] = n
            live.wake(TOPIC)
            assert _data(await stream.__anext__())["voted"] == n
        await stream.aclose()
        return seen

    assert run_in_a_loop(run) == [0, 1, 2, 3]


def test_a_shared_stream_sends_at_most_one_message_a_period() -> None:
    """During a vote the turnout changes with every batch of ballots: a shared stream sends
    the latest at most once every `every` seconds, not once per batch."""

    async def run() -> tuple[list[int], float]:
        live = Broadcaster(heartbeat=5.0, lifetime=30.0, every=0.3)
        value = {"voted": 0, "status": "open"}
        stream = live.frames(TOPIC, "turnout", lambda: dict(value), lambda s: False, shared=True)
        await stream.__anext__()
        start = asyncio.get_running_loop().time()
        sent = []
        for n in (1, 2):
            value["voted"] = n
            live.wake(TOPIC)
        sent.append(_data(await stream.__anext__())["voted"])
        for n in (3, 4, 5):
            value["voted"] = n
            live.wake(TOPIC)
            await asyncio.sleep(0.01)
        sent.append(_data(await stream.__anext__())["voted"])
        elapsed = asyncio.get_running_loop().time() - start
        await stream.aclose()
        return sent, elapsed

    sent, elapsed = run_in_a_loop(run)
    assert sent == [2, 5]  # the latest each time, the bursts taken up
    assert elapsed >= 0.55  # two periods


def test_the_change_feed_wakes_a_topic_a_kind_or_everything() -> None:
    """What another process's notification names (store/change_feed.py): one topic, every topic
    of a kind, or, after the feed reconnected, every stream."""

    async def run() -> list[set[tuple[str, int]]]:
        live = Broadcaster(heartbeat=5.0, lifetime=30.0, every=0.0)
        topics = [("election", 1), ("election", 2), ("council", 3)]
        watchers = {topic: live._watch(topic) for topic in topics}
        rounds = []
        for wake in (
            lambda: live.wake_many([("election", 2)]),
            lambda: live.wake_many([("election", None)]),
            live.wake_everything,
        ):
            wake()
            await asyncio.sleep(0)  # the wakes are handed to this loop thread-safely
            rounds.append({t for t, w in watchers.items() if w.woken.is_set()})
            for w in watchers.values():
                w.woken.clear()
        return rounds

    assert run_in_a_loop(run) == [
        {("election", 2)},
        {("election", 1), ("election", 2)},
        {("election", 1), ("election", 2), ("council", 3)},
    ]


def test_shared_watchers_read_together_and_send_spread_out() -> None:
    """One read for all after a wake, but each watcher's message leaves at a delay of its own
    within `spread`: a thousand messages are not one burst that ballots queue behind."""

    async def run() -> tuple[int, list[float]]:
        live = Broadcaster(heartbeat=5.0, lifetime=30.0, every=0.2, spread=0.3)
        turnout = _Counted()
        streams = [
            live.frames(TOPIC, "turnout", turnout.read, lambda s: False, shared=True)
            for _ in range(20)
        ]
        await asyncio.gather(*(s.__anext__() for s in streams))
        turnout.value["voted"] = 1
        live.wake(TOPIC)
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def arrival(stream: Any) -> float:
            assert _data(await stream.__anext__())["voted"] == 1
            return loop.time() - start

        times = await asyncio.gather(*(arrival(s) for s in streams))
        for s in streams:
            await s.aclose()
        return turnout.reads, sorted(times)

    reads, times = run_in_a_loop(run)
    assert reads == 2
    assert times[-1] - times[0] > 0.05  # 20 delays drawn within 0.3 s, not one instant
    assert times[-1] < 0.2 + 0.3 + 0.5  # the read after `every`, then at most `spread`
