"""Many rows in one statement (store/bulk.py), on SQLite and PostgreSQL: inserted rows get their
ids in the order given (the audit log's entries of one act are sealed in id order), values
keep their types (JSON, timestamps, booleans, NULL), a row whose unique key is taken is skipped
and not returned, an update by id sets only the rows named, and `among` finds the same rows as
`IN` for any number of values, none included. On PostgreSQL each is one statement whatever the
number of rows, and every engine plans statements with the run's parameters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, event, select, text

from backends import only_postgresql
from dualpower.bootstrap import System
from dualpower.services.elections import OpenElection
from dualpower.store import tables as t
from dualpower.store.bulk import among, insert_new_rows, insert_rows, update_by_id
from dualpower.store.tables_limits import rate_hits
from factories import Small
from fixtures_services import open_election

LOG = t.audit_log


@pytest.fixture
def conn(system: System) -> Iterator[Connection]:
    with system.engine.connect() as connection:
        connection.begin()
        yield connection
        connection.rollback()


def _statements(conn: Connection) -> list[str]:
    seen: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda _c, _cur, sql, *_: seen.append(sql))
    return seen


def _entry(n: int, *, actor: str | None = None, operator: bool = False) -> dict[str, object]:
    return {
        "act": "test.bulk",
        "payload": f'{{"n":{n}}}',
        "actor": actor,
        "is_operator": operator,
        "recorded_at": f"2026-12-04T12:00:{n % 60:02d}+00:00",
    }


def test_inserted_rows_keep_their_order_and_types(conn: Connection) -> None:
    rows = [_entry(n, actor=None if n % 2 else str(n), operator=n % 3 == 0) for n in range(250)]
    seen = _statements(conn)
    insert_rows(conn, LOG, rows)
    if conn.dialect.name == "postgresql":
        assert len(seen) == 1
    stored = conn.execute(
        select(LOG.c.payload, LOG.c.actor, LOG.c.is_operator)
        .where(LOG.c.act == "test.bulk")
        .order_by(LOG.c.id)
    ).all()
    assert [(r.payload, r.actor, bool(r.is_operator)) for r in stored] == [
        (r["payload"], r["actor"], r["is_operator"]) for r in rows
    ]


def test_timestamps_and_empty_input(conn: Connection) -> None:
    at = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    insert_rows(conn, rate_hits, [])
    insert_rows(
        conn,
        rate_hits,
        [{"name": "bulk", "subject": f"s{n}", "at": at + timedelta(seconds=n)} for n in range(3)],
    )
    stored = conn.execute(
        select(rate_hits.c.subject, rate_hits.c.at).where(rate_hits.c.name == "bulk")
    ).all()
    assert sorted((r.subject, r.at.replace(tzinfo=UTC)) for r in stored) == [
        (f"s{n}", at + timedelta(seconds=n)) for n in range(3)
    ]


def test_rows_whose_key_is_taken_are_skipped(federation: Small) -> None:
    with federation.system.uow() as u:
        electorate = u.electorates.for_unit(federation.units["Forge"])
    assert electorate is not None
    election = open_election(federation.system.uow(), OpenElection(electorate.id, "block"))
    with federation.system.engine.connect() as conn:
        conn.begin()
        members = [federation.members[f"forge{i}"] for i in range(1, 5)]
        key = ("election_id", "member_id")
        rows = [{"election_id": election, "member_id": m} for m in members]
        assert insert_new_rows(conn, t.participations, rows[:2], key) == {
            (election, members[0]),
            (election, members[1]),
        }
        assert insert_new_rows(conn, t.participations, rows[1:], key) == {
            (election, members[2]),
            (election, members[3]),
        }
        conn.rollback()


def test_update_by_id_sets_only_the_rows_named(conn: Connection) -> None:
    insert_rows(conn, LOG, [_entry(n) for n in range(5)])
    ids = list(
        conn.execute(select(LOG.c.id).where(LOG.c.act == "test.bulk").order_by(LOG.c.id)).scalars()
    )
    sealed = [  # as the sequencer seals entries (the log's guard allows nothing else)
        {"id": ids[1], "seq": 10**9, "prev_hash": "a" * 64, "entry_hash": "b" * 64},
        {"id": ids[3], "seq": 10**9 + 1, "prev_hash": "b" * 64, "entry_hash": "c" * 64},
    ]
    update_by_id(conn, LOG, sealed, {"seq": "bigint", "prev_hash": "text", "entry_hash": "text"})
    got = conn.execute(
        select(LOG.c.id, LOG.c.seq, LOG.c.entry_hash).where(LOG.c.id.in_(ids)).order_by(LOG.c.id)
    ).all()
    assert [tuple(row) for row in got] == [
        (ids[0], None, None),
        (ids[1], 10**9, "b" * 64),
        (ids[2], None, None),
        (ids[3], 10**9 + 1, "c" * 64),
        (ids[4], None, None),
    ]


@pytest.mark.parametrize("size", [0, 1, 7, 300])
def test_among_finds_what_in_finds(conn: Connection, size: int) -> None:
    insert_rows(conn, LOG, [_entry(n) for n in range(400)])
    payloads = [f'{{"n":{n}}}' for n in range(0, 2 * size, 2)]  # half of them not stored
    found = set(
        conn.execute(select(LOG.c.payload).where(among(conn, LOG.c.payload, payloads))).scalars()
    )
    assert found == {p for p in payloads if int(p[5:-1]) < 400}


@only_postgresql
def test_statements_are_planned_with_their_parameters(system: System) -> None:
    with system.engine.connect() as connection:
        assert connection.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
