"""The ballot writer lingers for requests still arriving only under load, only where no write
turn gathers its batches (PostgreSQL), and never past LINGER_MAX or the batch's size."""

from __future__ import annotations

import threading
import time

import pytest

from backends import only_postgresql, only_sqlite
from dualpower.services import ballot_batch as bb
from dualpower.store import group_commit as gc
from factories import Small


def _request(i: int) -> bb.BallotRequest:
    return bb.BallotRequest(f"token-{i}", 1, [1])


def _watched(federation: Small) -> tuple[bb.BallotWriter, list[int]]:
    """A writer whose batches are recorded (their sizes) and answered without the database."""
    writer = bb.BallotWriter(federation.system.uow, engine=federation.system.engine)
    sizes: list[int] = []

    def handle(batch):  # type: ignore[no-untyped-def]
        sizes.append(len(batch))
        return [(answer, "receipt") for _, answer in batch]

    writer._handle = handle  # type: ignore[method-assign]
    return writer, sizes


def test_linger_takes_what_arrives_and_stops_at_the_batch_size(federation: Small) -> None:
    writer, _ = _watched(federation)
    writer._max_batch = 4
    for i in range(6):
        writer._queue.put((_request(i), gc._Answer(None, None)))
    batch = [writer._queue.get()]
    begun = time.monotonic()
    writer._linger(batch)
    assert len(batch) == 4 and writer._queue.qsize() == 2
    assert time.monotonic() - begun < gc.LINGER_MAX


def test_linger_ends_a_gap_after_the_last_arrival(federation: Small) -> None:
    writer, _ = _watched(federation)
    batch = [(_request(0), gc._Answer(None, None))]
    begun = time.monotonic()
    writer._linger(batch)  # nothing arrives
    waited = time.monotonic() - begun
    assert len(batch) == 1 and gc.LINGER_GAP <= waited + 0.001
    assert waited < gc.LINGER_MAX + 0.5  # generous: a shared machine may stall a thread


@only_postgresql
def test_under_load_requests_arriving_meanwhile_join_the_batch(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gc, "LINGER_GAP", 2.0)  # wide, so a stalled test thread cannot miss it
    monkeypatch.setattr(gc, "LINGER_MAX", 4.0)
    writer, sizes = _watched(federation)
    writer._last = 8  # the last batch was a full one: the writer is under load
    lingering = threading.Event()
    linger = writer._linger

    def watched(batch):  # type: ignore[no-untyped-def]
        lingering.set()
        linger(batch)

    writer._linger = watched  # type: ignore[method-assign]
    answers = [gc._Answer(None, None) for _ in range(3)]
    writer._submit(_request(0), answers[0])
    assert lingering.wait(10)
    for i in (1, 2):  # they arrive while the first request's batch lingers
        writer._submit(_request(i), answers[i])
    for answer in answers:
        assert answer.done.wait(10)
    assert sizes == [3]


def test_a_lone_request_does_not_linger(federation: Small) -> None:
    writer, sizes = _watched(federation)
    lingered = threading.Event()
    writer._linger = lambda batch: lingered.set()  # type: ignore[method-assign]
    assert writer.cast_waiting(_request(0)) == "receipt"
    assert sizes == [1] and not lingered.is_set()


@only_sqlite
def test_on_sqlite_the_write_turn_gathers_the_batch_not_lingering(federation: Small) -> None:
    writer, sizes = _watched(federation)
    writer._last = 8
    lingered = threading.Event()
    writer._linger = lambda batch: lingered.set()  # type: ignore[method-assign]
    assert writer.cast_waiting(_request(0)) == "receipt"
    assert not lingered.is_set()
