"""Group commit: requests from any thread or event loop, written in batches of one transaction
each by threads of their own (the machinery of the API's ballot writer, services/ballot_batch.py;
the rule of a batch is the use case's, given as `handle_in`).

A writer's threads start on demand and end after IDLE_SECONDS without work (`threads` at most).
Each batch takes every request queued meanwhile, up to `max_batch`, and is handled in ONE unit of
work: `handle_in(uow, requests)` gives one outcome per request (a result, or the refusal of that
request alone as an exception), the writer commits once, then answers every request. An answer
is given only after the commit. If the batch fails for an unexpected reason it is tried again
(RETRIES in all), then one request at a time, so one bad request cannot fail the others.

On a SQLite file the batches of every server process take turns through an exclusive `flock` on
`<database>.writers.lock` (store/db.write_turns), which hands over at once, where SQLite's own
busy handler would poll the write lock in sleeps of up to 100 ms.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from queue import Empty, SimpleQueue
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from dualpower.store.db import is_sqlite, write_turns
from dualpower.store.uow import UnitOfWork

log = logging.getLogger(__name__)

Req = TypeVar("Req")  # a request
Res = TypeVar("Res")  # its result when accepted

IDLE_SECONDS = 5.0  # a writer's thread ends after this long without work (a new one starts)
# Under load (the last batch held more than one request) and where no write turn gathers the
# batch (PostgreSQL: its writers run side by side), the writer lingers for requests still
# arriving: as long as one comes within LINGER_GAP of the last, up to LINGER_MAX in all. A batch
# costs much the same for 15 requests as for 30 (its statements and its commit); measured in
# bench/cast.py on PostgreSQL: batches of about 16 without lingering, 20-38 with it; the server's
# CPU a ballot from 2.19 to 1.57 ms, PostgreSQL's from 0.80 to 0.65 ms. A lone request never waits.
LINGER_GAP = 0.002
LINGER_MAX = 0.02
RETRIES = 3  # tries of a whole batch after an unexpected database error (a deadlock, busy)


class GroupCommit(Generic[Req, Res]):
    """Queues requests and writes them in batches (see the module's docstring)."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        handle_in: Callable[[UnitOfWork, Sequence[Req]], list[Res | Exception]],
        *,
        max_batch: int,
        threads: int,
        engine: Engine | None = None,
        name: str = "group-commit",
    ):
        self._uow = uow_factory
        self._handle_in = handle_in
        self._engine = engine  # the units of work's (asked of one when not given)
        self._max_batch = max_batch
        self._threads = threads
        self._name = name
        self._queue: SimpleQueue[tuple[Req, _Answer]] = SimpleQueue()
        self._lock = threading.Lock()
        self._running = 0
        self._last = 0  # requests in the last batch
        self.batches = 0  # how many transactions so far (for tests and benchmarks)

    async def write(self, request: Req) -> Res:
        """The result once the request's batch is committed; raises its refusal."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._submit(request, _Answer(loop, future))
        outcome = await future
        if isinstance(outcome, Exception):
            raise outcome
        result: Res = outcome
        return result

    def write_waiting(self, request: Req) -> Res:
        """The same from a plain thread: blocks until the batch is committed."""
        answer = _Answer(None, None)
        self._submit(request, answer)
        answer.done.wait()
        if isinstance(answer.outcome, Exception):
            raise answer.outcome
        assert answer.outcome is not None
        result: Res = answer.outcome
        return result

    def _submit(self, request: Req, answer: _Answer) -> None:
        with self._lock:
            self._queue.put((request, answer))
            if self._running < self._threads:
                self._running += 1
                threading.Thread(target=self._run, name=self._name, daemon=True).start()

    def _run(self) -> None:
        engine = self._engine or self._uow().engine
        try:
            with write_turns(engine) as take_turn:
                self._loop(take_turn, lingers=not is_sqlite(engine))
        except BaseException:
            log.exception("a %s thread failed; the next request starts another", self._name)
            with self._lock:
                self._running -= 1
            raise

    def _loop(self, take_turn: Any, *, lingers: bool) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except Empty:
                with self._lock:
                    if self._queue.empty():
                        self._running -= 1
                        return
                continue
            batch = [first]
            if lingers and self._last > 1:
                self._linger(batch)
            with take_turn():
                # Everything queued until the turn came joins the batch: while the other
                # process's batch commits (SQLite), this one keeps growing.
                while len(batch) < self._max_batch:
                    try:
                        batch.append(self._queue.get_nowait())
                    except Empty:
                        break
                self._last = len(batch)
                answers = self._handle(batch)
            # Answered after the turn is handed on: waking the event loop lets it take the GIL
            # for its answers, which held inside the turn kept the other process waiting.
            _answer_all(answers)

    def _linger(self, batch: list[tuple[Req, _Answer]]) -> None:
        """Add the requests arriving now to the batch (see LINGER_GAP)."""
        deadline = time.monotonic() + LINGER_MAX
        while len(batch) < self._max_batch:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                batch.append(self._queue.get(timeout=min(left, LINGER_GAP)))
            except Empty:
                return

    def _handle(self, batch: list[tuple[Req, _Answer]]) -> list[tuple[_Answer, Any]]:
        """One transaction for the batch; each request's answer, to give once the transaction
        is committed and its connection returned (an error after the commit fails no request).
        After an unexpected error the batch is tried again, then one request at a time, so only
        a request that cannot be handled gets the error (a 500)."""
        error: Exception | None = None
        requests = [request for request, _ in batch]
        for _ in range(RETRIES):
            committed: list[Res | Exception] | None = None
            try:
                self.batches += 1
                with self._uow() as uow:
                    outcomes = self._handle_in(uow, requests)
                    uow.commit()
                    committed = outcomes
            except DBAPIError as failed:  # a deadlock, a busy database: try again
                if committed is None:
                    error = failed
                    log.warning("a batch of %d requests failed (%s); again", len(batch), failed)
                    continue
                log.warning("after a batch's commit: %s", failed)
            except Exception as failed:  # noqa: BLE001
                if committed is None:
                    error = failed
                    break
                log.warning("after a batch's commit: %s", failed)
            if committed is not None:
                return [
                    (answer, outcome) for (_, answer), outcome in zip(batch, committed, strict=True)
                ]
        if len(batch) > 1:
            return [answer for item in batch for answer in self._handle([item])]
        log.error("a %s request failed", self._name, exc_info=error)
        return [(batch[0][1], error if error is not None else RuntimeError("no outcome"))]


class _Answer:
    """Where one request waits: a future of an event loop, or an event of a plain thread."""

    __slots__ = ("loop", "future", "done", "outcome")

    def __init__(self, loop: asyncio.AbstractEventLoop | None, future: asyncio.Future[Any] | None):
        self.loop, self.future = loop, future
        self.done = threading.Event()
        self.outcome: Any = None


def _answer_all(answers: list[tuple[_Answer, Any]]) -> None:
    """Answer a batch's requests: each event loop is woken once for all of its requests (one
    `call_soon_threadsafe`, not one per request). A requester that has gone (its event loop
    closed) changes nothing: the batch is committed and must not be tried again."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = defaultdict(
        list
    )
    for answer, outcome in answers:
        if answer.loop is None:
            answer.outcome = outcome
            answer.done.set()
        else:
            assert answer.future is not None
            by_loop[answer.loop].append((answer.future, outcome))
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_all, settled)
        except Exception:  # noqa: BLE001
            log.warning("requesters could not be answered (gone)", exc_info=True)


def _settle_all(settled: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for future, outcome in settled:
        if not future.done():  # the client may have gone: its request stands all the same
            future.set_result(outcome)
