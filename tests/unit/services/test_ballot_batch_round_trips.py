"""A batch of API ballots costs the same statements and round trips whatever its size (issue 24:
bench/cast.py). On PostgreSQL the batch's independent statements go together in psycopg's
pipeline mode, so a batch costs fewer round trips than statements: counted here from the
client's side of the wire protocol (libpq's trace: each Sync or simple Query the client sends is
one round trip)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from backends import only_postgresql
from dualpower.domain import errors
from dualpower.services import ballot_batch as bb
from dualpower.services.accounts import _issue
from dualpower.services.elections import OpenElection, cast_ballot, nominate
from factories import Small
from fixtures_services import open_election

# The batch's own statements: its plans' settings, the token lookup with the rate limits'
# locks, their hits, the election, the participation rows, a savepoint, the ballots, the new
# hits, the audit entries.
STATEMENTS = 9
# Sent with another (store/pipeline.py): the token lookup, the hits and the election with the
# settings; the savepoint, the ballots, the new hits and the audit entries with the
# participation rows; the change feed's notification with the COMMIT. Four round trips: BEGIN,
# those two groups, COMMIT.
SAVED = 8


def _tokens(federation: Small, names: list[str]) -> list[str]:
    with federation.system.uow() as uow:
        tokens = []
        for name in names:
            member = uow.members.get(federation.members[name])
            assert member is not None
            tokens.append(_issue(uow, member, "api").token)
        uow.commit()
    return tokens


def _election(federation: Small) -> tuple[int, list[int]]:
    uow = federation.system.uow
    with uow() as u:
        electorate = u.electorates.for_unit(federation.units["Forge"])
    assert electorate is not None
    election = open_election(uow(), OpenElection(electorate.id, "block", is_secret=True))
    m = federation.members
    return election, [nominate(uow(), election, m[f"forge{i}"], None, actor=None) for i in (1, 2)]


@contextmanager
def _wire(federation: Small) -> Iterator[Callable[[], tuple[int, int]]]:
    """(statements, round trips) sent by the connections checked out meanwhile. SQLite: the
    statements SQLAlchemy runs (no wire: round trips = statements)."""
    engine = federation.system.engine
    if engine.dialect.name != "postgresql":
        seen: list[str] = []

        def statement(_c: Any, _cur: Any, sql: str, *_: Any) -> None:
            seen.append(sql)

        event.listen(engine, "before_cursor_execute", statement)
        try:
            yield lambda: (len(seen), len(seen))
        finally:
            event.remove(engine, "before_cursor_execute", statement)
        return
    import psycopg

    trace = tempfile.NamedTemporaryFile("w+", suffix=".trace")  # noqa: SIM115
    traced: list[Any] = []

    def checkout(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        traced.append(dbapi_connection)

    def counts() -> tuple[int, int]:
        trace.flush()
        trace.seek(0)
        sent = [line.split("\t")[2].split()[0] for line in trace if line.startswith("F\t")]
        # an extended query's Execute, or a simple Query (BEGIN, COMMIT)
        statements = sent.count("Execute") + sent.count("Query")
        return statements, sent.count("Sync") + sent.count("Query")

    event.listen(engine, "checkout", checkout)
    try:
        yield counts
    finally:
        event.remove(engine, "checkout", checkout)
        for connection in traced:
            connection.pgconn.untrace()
        trace.close()


def _batch_costs(
    federation: Small, voters: list[str], voted_before: tuple[str, ...] = ()
) -> tuple[int, int]:
    election, candidates = _election(federation)
    for name in voted_before:
        cast_ballot(federation.system.uow(), election, federation.members[name], [candidates[0]])
    tokens = _tokens(federation, voters)
    requests = [bb.BallotRequest(t, election, [candidates[i % 2]]) for i, t in enumerate(tokens)]
    with _wire(federation) as counts:
        outcomes = bb.cast_batch(federation.system.uow(), requests)
        costs = counts()
    refused = [isinstance(o, errors.AlreadyVoted) for o in outcomes]
    assert refused == [name in voted_before for name in voters], outcomes
    return costs


def test_a_batch_of_ten_costs_what_a_batch_of_one_costs(federation: Small) -> None:
    one = _batch_costs(federation, ["forge3"])
    ten = _batch_costs(federation, [f"forge{i}" for i in range(3, 13)])
    assert ten == one


@only_postgresql
def test_on_postgresql_a_batch_takes_fewer_round_trips_than_statements(
    federation: Small,
) -> None:
    statements, round_trips = _batch_costs(federation, [f"forge{i}" for i in range(3, 13)])
    # with BEGIN and COMMIT, and the change feed's one pg_notify (store/change_feed.py)
    assert statements <= STATEMENTS + 3
    assert round_trips <= statements - SAVED, (statements, round_trips)
    assert round_trips == 4


@only_postgresql
def test_on_postgresql_voters_who_voted_before_cost_a_batch_one_round_trip_more(
    federation: Small,
) -> None:
    """The batch's writes go with its participation rows as if every row were new; when the
    roll's key refuses some, one more round trip rolls them back and writes what stands, for
    any number refused."""
    voters = [f"forge{i}" for i in range(3, 13)]
    _, clean = _batch_costs(federation, voters)
    _, one = _batch_costs(federation, voters, voted_before=("forge5",))
    _, three = _batch_costs(federation, voters, voted_before=("forge4", "forge7", "forge12"))
    assert (one, three) == (clean + 1, clean + 1)
