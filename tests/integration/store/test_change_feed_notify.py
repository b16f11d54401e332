"""The sending end of the change feed (store/change_feed.py, issue 24): an act that woke topics
sends one notification, at commit, with the COMMIT in one round trip; an act that woke nothing
sends none. SQLite has no feed (one serving process)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from backends import only_postgresql
from dualpower.bootstrap import System
from dualpower.services.elections import OpenElection, nominate
from dualpower.store.change_feed import CHANNEL, decode
from factories import Small
from fixtures_services import cast_many, open_election


@pytest.fixture
def listening(system: System) -> Iterator[psycopg.Connection[Any]]:
    """A session of its own listening on the feed's channel, as a serving process's does."""
    assert system.feed is not None and system.feed.conninfo  # PostgreSQL only: SQLite has none
    with psycopg.connect(system.feed.conninfo, autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        yield conn


@contextmanager
def _traced(system: System) -> Iterator[list[str]]:
    """The lines of libpq's trace of the engine's connections checked out meanwhile (filled
    in at the end of the block)."""
    lines: list[str] = []
    traced: list[Any] = []

    def checkout(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        traced.append(dbapi_connection)

    with tempfile.TemporaryFile("w+") as trace:
        event.listen(system.engine, "checkout", checkout)
        try:
            yield lines
        finally:
            event.remove(system.engine, "checkout", checkout)
            for conn in traced:
                conn.pgconn.untrace()  # also flushes libpq's buffer
            trace.seek(0)
            lines.extend(trace)


def _forge_election(system: System, federation: Small) -> tuple[int, int]:
    """An open election in the Forge with one candidate: (election, candidate)."""
    with system.reader() as uow:
        forge = uow.electorates.for_unit(federation.units["Forge"])
    election_id = open_election(system.uow(), OpenElection(forge.id, "approval"))
    return election_id, nominate(
        system.uow(), election_id, federation.members["forge2"], None, None
    )


def _notices(conn: psycopg.Connection[Any]) -> list[str]:
    return [n.payload for n in conn.notifies(timeout=0.5)]


@only_postgresql  # SQLite is served by one process: no change feed (docs/scale.md)
def test_a_batch_of_ballots_is_one_notification_sent_with_its_commit(
    system: System, federation: Small, listening: psycopg.Connection[Any]
) -> None:
    election_id, candidate = _forge_election(system, federation)
    voters = [federation.members[f"forge{i}"] for i in (3, 4, 5)]
    with _traced(system) as lines:
        cast_many(system.uow(), election_id, [(v, [candidate]) for v in voters])
    sent = [line.rstrip().split("\t")[2:] for line in lines if line.startswith("F\t")]
    assert [decode(p) for p in _notices(listening)] == [
        (system.feed.token if system.feed else "", [("election", election_id)])
    ]
    last_sync = max(i for i, words in enumerate(sent) if words[0] == "Sync")
    before = max(i for i, words in enumerate(sent[:last_sync]) if words[0] in ("Sync", "Query"))
    in_last_trip = " ".join(" ".join(words) for words in sent[before + 1 : last_sync])
    assert "pg_notify" in in_last_trip and "COMMIT" in in_last_trip, sent[before:]


@only_postgresql  # SQLite is served by one process: no change feed (docs/scale.md)
def test_an_act_that_wakes_no_stream_notifies_nothing(
    system: System, federation: Small, listening: psycopg.Connection[Any]
) -> None:
    _forge_election(system, federation)  # opening and nominating wake no live page
    assert _notices(listening) == []
