"""A batch of API ballots runs on plans its connection keeps (store/ballot_batch.py,
`_CACHED_PLANS`): PostgreSQL plans its statements, and the foreign-key checks its inserts fire,
once a connection instead of at every batch, and, even kept from a nearly empty database, every
read of those plans goes through an index (a plan kept from when a table was nearly empty must
not scan it whole once it has grown: store/db.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from test_ballot_batch_round_trips import _election, _tokens

from backends import only_postgresql
from dualpower.services import ballot_batch as bb
from factories import Small

pytestmark = only_postgresql

READS = ("WITH holder", "SELECT h.name", "SELECT elections.id")


@pytest.fixture
def batch_connections(federation: Small) -> Iterator[list[Any]]:
    """The driver connections of 16 batches of one ballot (psycopg prepares a statement at
    its fifth run; PostgreSQL keeps a plan after five custom ones)."""
    engine = federation.system.engine
    seen: list[Any] = []

    def checkout(dbapi_connection: Any, *_: Any) -> None:
        if dbapi_connection not in seen:
            seen.append(dbapi_connection)

    event.listen(engine, "checkout", checkout)
    try:
        tokens = _tokens(federation, [f"forge{i}" for i in range(1, 9)])
        for election, candidates in (_election(federation), _election(federation)):
            for token in tokens:
                request = bb.BallotRequest(token, election, [candidates[0]])
                (outcome,) = bb.cast_batch(federation.system.uow(), [request])
                assert isinstance(outcome, str), outcome
    finally:
        event.remove(engine, "checkout", checkout)
    yield seen


def _prepared(connections: list[Any]) -> list[tuple[Any, str, str, int, int, int]]:
    """(connection, name, statement, parameters, generic plans, custom plans) of each."""
    found = []
    for connection in connections:
        rows = connection.execute(
            "SELECT name, statement, cardinality(parameter_types), generic_plans, custom_plans "
            "FROM pg_prepared_statements"
        ).fetchall()
        connection.commit()  # not a rollback: psycopg forgets its prepared statements then
        found += [(connection, *row) for row in rows]
    return found


def test_the_batch_statements_run_on_kept_plans(batch_connections: list[Any]) -> None:
    prepared = _prepared(batch_connections)
    inserts = [p for p in prepared if p[2].startswith("INSERT INTO participations")]
    reads = [p for p in prepared if p[2].startswith(READS)]
    assert inserts and len(reads) >= len(READS), [p[2][:40] for p in prepared]
    for _, _, statement, _, generic, custom in inserts + reads:
        assert generic > 0 and custom <= 5, (statement[:60], generic, custom)


def test_the_kept_plans_of_the_batch_reads_go_through_indexes(
    batch_connections: list[Any],
) -> None:
    """The test database is nearly empty: a plan made for any parameters there would scan
    `auth_tokens` whole (measured), which the batch's settings forbid."""
    reads = [p for p in _prepared(batch_connections) if p[2].startswith(READS)]
    assert len(reads) >= len(READS)
    for connection, name, statement, parameters, _, _ in reads:
        nulls = ", ".join(["NULL"] * parameters)
        # the plan kept by the batch (made now, it would be made with sequential scans on)
        connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        plan = "\n".join(
            row[0] for row in connection.execute(f"EXPLAIN EXECUTE {name}({nulls})").fetchall()
        )
        connection.commit()
        assert "$1" in plan, plan  # the kept plan, made for any parameters
        assert "Seq Scan" not in plan, (statement[:60], plan)
