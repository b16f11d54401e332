"""The clock's batched queries (services/due.py, DESIGN.md 2.9): a batch of due votes claimed
and closed in one transaction, each question asked once for the whole batch.

No tables of its own: `DueRepo` (`uow.due`) claims the due votes (their rows locked; `SKIP
LOCKED` on PostgreSQL, so two clocks take disjoint batches; SQLite's writers take turns), reads
their electorates, candidates, candidates' units, seats held and ballots in one statement each,
and writes the closes and the winners' mandates in one statement each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Result,
    Text,
    cast,
    func,
    insert,
    literal_column,
    select,
    text,
    type_coerce,
)

from dualpower.domain import model as m
from dualpower.store import repositories
from dualpower.store import tables as t
from dualpower.store.bulk import among, json_rows, recordset, update_by_id
from dualpower.store.repositories import OnConnection, as_utc
from dualpower.store.typed import tuples

T = TypeVar("T")


class DueRepo(OnConnection):
    def claim(self, now: datetime, limit: int) -> list[m.Election]:
        """Up to `limit` open votes whose time has come, oldest first, their rows locked until
        commit; rows another transaction holds are skipped (PostgreSQL), so a second clock takes
        the next ones. Reading them locked is their status's re-read: a vote closed meanwhile
        is not open any more."""
        e = t.elections
        query = (
            select(e)
            .where(e.c.status == "open", e.c.closes_at <= now)
            .order_by(e.c.closes_at, e.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return as_domain(m.Election, self.conn.execute(query))

    def electorates(self, ids: Iterable[int]) -> dict[int, m.Electorate]:
        el = t.electorates
        rows = as_domain(
            m.Electorate, self.conn.execute(select(el).where(among(self.conn, el.c.id, ids)))
        )
        return {row.id: row for row in rows}

    def candidates(self, election_ids: Iterable[int]) -> dict[int, list[m.Candidate]]:
        """Each election's candidates, in nomination (id) order."""
        c = t.candidates
        query = (
            select(c.c.id, c.c.election_id, c.c.member_id, c.c.faction_id)
            .where(among(self.conn, c.c.election_id, election_ids))
            .order_by(c.c.id)
        )
        found: dict[int, list[m.Candidate]] = {}
        for id_, election_id, member_id, faction_id in tuples(self.conn.execute(query)):
            found.setdefault(election_id, []).append(
                m.Candidate(id_, election_id, member_id, faction_id)
            )
        return found

    def off_rolls(self, election_ids: Iterable[int]) -> set[int]:
        """The elections among these (each of a base unit's seats) with a candidate no longer
        on the unit's roll (`standing()`'s rule): one statement, only the exceptions read."""
        c, e, el, ms = t.candidates, t.elections, t.electorates, t.memberships
        on_roll = (
            select(ms.c.id)
            .where(
                ms.c.member_id == c.c.member_id,
                ms.c.unit_id == el.c.unit_id,
                ms.c.end_at.is_(None),
            )
            .exists()
        )
        query = (
            select(c.c.election_id)
            .join(e, e.c.id == c.c.election_id)
            .join(el, el.c.id == e.c.electorate_id)
            .where(among(self.conn, c.c.election_id, election_ids), ~on_roll)
            .distinct()
        )
        return {int(election_id) for (election_id,) in tuples(self.conn.execute(query))}

    def seats_taken(self, electorate_ids: Iterable[int]) -> tuple[set[tuple[int, int]], set[int]]:
        """The (electorate, seat) pairs held by a mandate in force, and the electorates with an
        open by-election, among these electorates."""
        ids = sorted(set(electorate_ids))
        if not ids:
            return set(), set()
        md, e = t.mandates, t.elections
        held = tuples(
            self.conn.execute(
                select(md.c.electorate_id, md.c.seat_no).where(
                    among(self.conn, md.c.electorate_id, ids), md.c.end_at.is_(None)
                )
            )
        )
        by: Sequence[int] = (
            self.conn.execute(
                select(e.c.electorate_id)
                .where(among(self.conn, e.c.electorate_id, ids))
                .where(e.c.kind == "by", e.c.status == "open", e.c.office_id.is_(None))
                .distinct()
            )
            .scalars()
            .all()
        )
        return {(int(a), int(b)) for a, b in held}, {int(a) for a in by}

    def ballot_choices(self, election_ids: Iterable[int]) -> dict[int, list[list[int]]]:
        """Each election's ballots' choices (candidate ids), in their ballots' order: the
        database joins each election's JSON texts into one, parsed once (not once a ballot)."""
        b = t.ballots
        if self.conn.dialect.name == "postgresql":
            joined = func.string_agg(cast(b.c.choices, Text), literal_column("','"))
        else:
            joined = func.group_concat(type_coerce(b.c.choices, Text), literal_column("','"))
        query = (
            select(b.c.election_id, joined)
            .where(among(self.conn, b.c.election_id, election_ids))
            .group_by(b.c.election_id)
        )
        return {
            int(election_id): json.loads(f"[{texts}]")
            for election_id, texts in tuples(self.conn.execute(query))
        }

    def grouped_choices(
        self, election_ids: Iterable[int]
    ) -> dict[int, list[tuple[list[int], int]]]:
        """Each election's distinct ballots (their choices, candidate ids) with how many cast
        each: the database groups the ballots (a plurality election of 50 ballots and 3
        candidates is 3 rows), each distinct text is parsed once."""
        b = t.ballots
        choices: ColumnElement[str]
        if self.conn.dialect.name == "postgresql":
            choices = cast(b.c.choices, Text)
        else:
            choices = type_coerce(b.c.choices, Text)
        query = (
            select(b.c.election_id, choices, func.count())
            .where(among(self.conn, b.c.election_id, election_ids))
            .group_by(b.c.election_id, choices)
            .order_by(b.c.election_id, choices)
        )
        rows = list(tuples(self.conn.execute(query)))
        parsed = json.loads(f"[{','.join(str(texts) for _, texts, _ in rows)}]")
        found: dict[int, list[tuple[list[int], int]]] = {}
        for (election_id, _, n), ballot in zip(rows, parsed, strict=True):
            found.setdefault(int(election_id), []).append((ballot, int(n)))
        return found

    def close(self, closes: Sequence[tuple[int, datetime, dict[str, Any]]]) -> None:
        """Mark elections closed, each with its time and result: one statement."""
        if not closes:
            return
        if self.conn.dialect.name == "postgresql":
            rows = [{"id": i, "closed_at": at, "result": value} for i, at, value in closes]
            self.conn.execute(
                text(
                    "UPDATE elections SET status = 'closed', closed_at = u.closed_at, "
                    f"result = u.result FROM {recordset(self.conn, t.elections, tuple(rows[0]))} "
                    "WHERE elections.id = u.id"
                ),
                {"rows": json_rows(rows)},
            )
            return
        rows = [
            {"id": election_id, "status": "closed", "closed_at": at, "result": value}
            for election_id, at, value in closes
        ]
        types = {"status": "text", "closed_at": "timestamptz", "result": "json"}
        update_by_id(self.conn, t.elections, rows, types)

    def add_mandates(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert mandates (each a distinct free seat); their ids, in the order of `rows`."""
        if not rows:
            return []
        md = t.mandates
        if self.conn.dialect.name == "postgresql":
            names = ", ".join(rows[0])
            statement: Any = text(
                f"INSERT INTO mandates ({names}) SELECT {names} "
                f"FROM {recordset(self.conn, md, tuple(rows[0]))} "
                "RETURNING id, electorate_id, seat_no"
            )
            written = tuples(self.conn.execute(statement, {"rows": json_rows(rows)}))
        else:
            statement = insert(md).returning(md.c.id, md.c.electorate_id, md.c.seat_no)
            written = tuples(self.conn.execute(statement, list(rows)))
        ids = {(int(e), int(s)): int(i) for i, e, s in written}
        return [ids[(row["electorate_id"], row["seat_no"])] for row in rows]


def as_domain(cls: type[T], rows: Result[Any]) -> list[T]:
    """`to_domain` for every row of a result: the columns matched to the dataclass's fields
    once, not once a row (a batch reads hundreds), and only its datetimes made aware."""
    kinds = {f.name: "datetime" in str(f.type) for f in fields(cls)}  # type: ignore[arg-type]
    plain = [(i, key) for i, key in enumerate(rows.keys()) if key in kinds and not kinds[key]]
    times = [(i, key) for i, key in enumerate(rows.keys()) if kinds.get(key)]
    out = []
    for row in rows:
        values = {key: row[i] for i, key in plain}
        values.update((key, as_utc(row[i])) for i, key in times)
        out.append(cls(**values))
    return out


repositories.REPOSITORIES["due"] = DueRepo
