"""Repositories: rows in, domain dataclasses out. One class a topic, all on one connection."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, Generic, NamedTuple, TypeVar, overload

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    union,
    update,
)

from dualpower.domain import model as m
from dualpower.domain.recall import UNDECIDED
from dualpower.store import tables as t
from dualpower.store.bulk import insert_json_rows
from dualpower.store.typed import tuples

T = TypeVar("T")
M = TypeVar("M")
IDS_AT_ONCE = 10_000  # ids in one IN list: SQLite takes 32,766 parameters at most


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: T) -> T: ...
def as_utc(value: Any) -> Any:
    # SQLite returns naive datetimes; every datetime in the domain is aware UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def in_force(conn: Any, table: Table, *where: Any, **values: Any) -> int:
    """Set `values` on the rows of a table of terms (`tables._in_force`) that meet `where` and
    are in force; how many. A row ended meanwhile is left as it is (a concurrent end won)."""
    query = update(table).where(*where, table.c.end_at.is_(None)).values(**values)
    return int(conn.execute(query).rowcount)


class OnConnection:
    """A repository: it reads and writes on the unit of work's connection (`REPOSITORIES`)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def _insert(self, table: Table, **values: Any) -> int:
        """Insert one row; the first column of its key (a new id), 0 if it has none."""
        key = self.conn.execute(insert(table).values(**values)).inserted_primary_key
        return int(key[0]) if key and key[0] is not None else 0


class MotionKindRows(OnConnection):
    """The rows of one kind of motion (`tables.motion_kind`): what an adopted motion of the kind
    changes, keyed by its motion, on the unit of work's connection."""

    table: Table

    def _add(self, motion_id: int, **values: Any) -> None:
        self.conn.execute(insert(self.table).values(motion_id=motion_id, **values))

    def _row(self, motion_id: int) -> dict[str, Any] | None:
        """The motion's row; None for a motion of any other kind."""
        query = select(self.table).where(self.table.c.motion_id == motion_id)
        row = self.conn.execute(query).mappings().first()
        return dict(row) if row else None

    def _applied(self, motion_id: int, at: datetime, **also: Any) -> bool:
        """Mark the motion's change applied at `at`; False when it was applied already: the
        update's own condition makes it once, not a read before it."""
        c = self.table.c
        result = self.conn.execute(
            update(self.table)
            .where(c.motion_id == motion_id, c.applied_at.is_(None))
            .values(applied_at=at, **also)
        )
        return bool(result.rowcount == 1)


class MotionKindRepo(MotionKindRows):
    """A kind of motion whose change is its row, or (`what`) one column of it."""

    what: str | None = None

    def of_motion(self, motion_id: int) -> dict[str, Any] | None:
        """What the motion changes; None for a motion of any other kind."""
        row = self._row(motion_id)
        if row is None or self.what is None:
            return row
        return dict(row[self.what])

    def applied(self, motion_id: int, at: datetime) -> bool:
        """Mark it applied; False when it was applied already."""
        return self._applied(motion_id, at)


_FIELDS: dict[type[Any], tuple[str, ...]] = {}  # a model's field names, read once
_BY_ID: dict[tuple[Table, str | None], Any] = {}  # a table's row by id, built once (issue 27)


def to_domain(cls: type[T], row: Any) -> T:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    data = row._mapping
    return cls(**{name: as_utc(data[name]) for name in names if name in data})


def by_id(table: Table, lock: str | None = None) -> Any:
    """`SELECT * FROM table WHERE id = :id_` (lock "update" or "share": locked until commit
    on PostgreSQL), built once per table: a statement built anew costs SQLAlchemy more than
    the database's answer (the demo's build reads ~35,000 rows by id)."""
    query = _BY_ID.get((table, lock))
    if query is None:
        query = select(table).where(table.c.id == bindparam("id_"))
        if lock is not None:
            query = query.with_for_update(read=lock == "share")
        _BY_ID[(table, lock)] = query
    return query


def rows_where(conn: Connection, table: Table, where: Any) -> list[dict[str, Any]]:
    """The rows of `table` matching `where`, whole, as dicts."""
    return [dict(row) for row in conn.execute(select(table).where(where)).mappings()]


def rewrite_rows(
    conn: Connection, table: Table, where: Any, rows: Sequence[dict[str, Any]]
) -> None:
    """Delete the rows matching `where` and write `rows` anew, one statement each: the order of
    the statements is the order the database keeps them in (rowid, ctid, xmin)."""
    conn.execute(delete(table).where(where))
    for row in rows:
        conn.execute(insert(table).values(**row))


def electorates_maybe_of(member_id: int) -> Any:
    """The electorates the member may be an elector of (a subquery): their units' (any unit
    they were ever on the roll of: a roll freezes when a vote opens) and the delegations of the
    councils they ever sat in. A superset: each election and petition found through it is then
    checked as its service checks it."""
    ms, md, e = t.memberships.c, t.mandates.c, t.electorates.c
    units = select(ms.unit_id).where(ms.member_id == member_id)
    sat_in = select(md.council_id).where(md.holder_id == member_id)
    return select(e.id).where(e.unit_id.in_(units) | e.source_council_id.in_(sat_in))


_CANDIDATES = (
    select(t.candidates)
    .where(t.candidates.c.election_id == bindparam("election_id"))
    .order_by(t.candidates.c.id)
)


class _Repo(OnConnection, Generic[M]):
    """Rows of one table as one domain dataclass `M`: `get` and `list` return `M`s."""

    table: Table
    model: type[M]

    def add(self, **values: Any) -> int:
        return self._insert(self.table, **values)

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(self.table), list(rows))

    def get(self, id_: int) -> M | None:
        row = self.conn.execute(by_id(self.table), {"id_": id_}).first()
        return to_domain(self.model, row) if row else None

    def get_for_update(self, id_: int) -> M | None:
        """The row, locked until commit: acts on it queue up (SELECT ... FOR UPDATE on
        PostgreSQL; SQLite's write transactions are serial already)."""
        row = self.conn.execute(by_id(self.table, "update"), {"id_": id_}).first()
        return to_domain(self.model, row) if row else None

    def list(self, *where: Any, order_by: Any = None) -> builtins.list[M]:
        query = (
            select(self.table)
            .where(*where)
            .order_by(order_by if order_by is not None else self.table.c.id)
        )
        return [to_domain(self.model, row) for row in self.conn.execute(query)]

    def first(self, *where: Any, order_by: Any = None) -> M | None:
        """The first of `list(*where, order_by=...)`, reading one row only."""
        query = (
            select(self.table)
            .where(*where)
            .order_by(order_by if order_by is not None else self.table.c.id)
            .limit(1)
        )
        row = self.conn.execute(query).first()
        return to_domain(self.model, row) if row else None

    def set(self, id_: int, **values: Any) -> None:
        self.conn.execute(update(self.table).where(self.table.c.id == id_).values(**values))

    def by_ids(self, ids: Iterable[int]) -> builtins.list[M]:
        """The rows of these ids (those that exist), by id, a query per `IDS_AT_ONCE` ids."""
        wanted = sorted(set(ids))
        found: builtins.list[M] = []
        for start in range(0, len(wanted), IDS_AT_ONCE):
            found += self.list(self.table.c.id.in_(wanted[start : start + IDS_AT_ONCE]))
        return found


class FederationRepo(_Repo[m.Federation]):
    table, model = t.federations, m.Federation

    def only(self) -> m.Federation | None:
        found = self.list()
        return found[0] if found else None

    def list(self, *where: Any, order_by: Any = None) -> builtins.list[m.Federation]:
        feds = super().list(*where, order_by=order_by)
        for fed in feds:
            fed.sections = tuple(fed.sections)  # JSON gives a list; the domain holds a tuple
        return feds

    def get(self, id_: int) -> m.Federation | None:
        fed = super().get(id_)
        if fed is not None:
            fed.sections = tuple(fed.sections)
        return fed

    def public_names(self) -> set[str]:
        """The names of the federation, its councils, base units and factions: public, the log
        may name them."""
        found: set[str] = set()
        for table in (t.councils, t.base_units, t.factions, t.federations):
            found.update(self.conn.execute(select(table.c.name)).scalars())
        return found


class FactionRepo(_Repo[m.Faction]):
    table, model = t.factions, m.Faction


class CouncilRepo(_Repo[m.Council]):
    table, model = t.councils, m.Council

    def parents(self) -> dict[int, int | None]:
        """Each council's parent (None for the chief council), read in one slim statement."""
        c = self.table
        return {int(i): p for i, p in tuples(self.conn.execute(select(c.c.id, c.c.parent_id)))}

    def children(self, council_id: int) -> list[m.Council]:
        return self.list(t.councils.c.parent_id == council_id)

    def children_counts(self, council_ids: Sequence[int]) -> dict[int, int]:
        """How many councils sit directly below each of these that has any."""
        c = self.table.c
        counts: dict[int, int] = {}
        for start in range(0, len(council_ids), IDS_AT_ONCE):
            chunk = council_ids[start : start + IDS_AT_ONCE]
            query = select(c.parent_id, func.count()).where(c.parent_id.in_(chunk))
            rows = tuples(self.conn.execute(query.group_by(c.parent_id)))
            counts.update((int(p), int(n)) for p, n in rows)
        return counts

    def chief(self, federation_id: int) -> m.Council | None:
        found = self.list(
            t.councils.c.federation_id == federation_id, t.councils.c.parent_id.is_(None)
        )
        return found[0] if found else None


class UnitRepo(_Repo[m.BaseUnit]):
    table, model = t.base_units, m.BaseUnit

    def by_name(self, federation_id: int, name: str) -> m.BaseUnit | None:
        found = self.list(
            t.base_units.c.federation_id == federation_id, t.base_units.c.name == name
        )
        return found[0] if found else None

    def of_council(self, council_id: int) -> list[m.BaseUnit]:
        return self.list(self.table.c.council_id == council_id)

    def ids_in_councils(self, council_ids: Iterable[int]) -> list[int]:
        """The base units of these councils."""
        un = self.table
        query = select(un.c.id).where(un.c.council_id.in_(sorted(set(council_ids))))
        found: Sequence[int] = self.conn.execute(query).scalars().all()
        return list(found)

    def councils_of(self, unit_ids: Iterable[int]) -> set[int]:
        """The councils these base units belong to."""
        un = self.table
        query = select(un.c.council_id).where(un.c.id.in_(sorted(set(unit_ids))))
        found: Sequence[int] = self.conn.execute(query).scalars().all()
        return set(found)

    def roll_sizes(self) -> dict[int, int]:
        mm = t.memberships
        query = (
            select(mm.c.unit_id, func.count()).where(mm.c.end_at.is_(None)).group_by(mm.c.unit_id)
        )
        return {unit_id: n for unit_id, n in tuples(self.conn.execute(query))}


class MemberRepo(_Repo[m.Member]):
    table, model = t.members, m.Member

    def by_username(self, username: str) -> m.Member | None:
        found = self.list(t.members.c.username == username)
        return found[0] if found else None

    def password_hash(self, member_id: int) -> str | None:
        query = select(t.members.c.password_hash).where(t.members.c.id == member_id)
        return self.conn.execute(query).scalar()

    def usernames(self, names: Iterable[str]) -> set[str]:
        query = select(t.members.c.username).where(t.members.c.username.in_(list(names)))
        return set(self.conn.execute(query).scalars())

    def ids_named(self, ids: Iterable[int], usernames: Iterable[str]) -> dict[int | str, int]:
        """The members of these ids and usernames that exist, each name -> its id (one query
        for a whole sheet)."""
        mb = t.members
        query = select(mb.c.id, mb.c.username).where(
            or_(mb.c.id.in_(list(ids)), mb.c.username.in_(list(usernames)))
        )
        found: dict[int | str, int] = {}
        for member_id, username in tuples(self.conn.execute(query)):
            found[member_id] = member_id
            if username is not None:
                found[username] = member_id
        return found

    def of_unit(self, unit_id: int) -> list[m.Member]:
        mm = t.memberships
        query = (
            select(t.members)
            .join(mm, mm.c.member_id == t.members.c.id)
            .where(mm.c.unit_id == unit_id, mm.c.end_at.is_(None))
            .order_by(t.members.c.display_name, t.members.c.id)
        )
        return [to_domain(m.Member, row) for row in self.conn.execute(query)]

    def ids_of_unit(self, unit_id: int) -> set[int]:
        mm = t.memberships
        query = select(mm.c.member_id).where(mm.c.unit_id == unit_id, mm.c.end_at.is_(None))
        return set(self.conn.execute(query).scalars())

    def ever_public(self, member_ids: Iterable[int]) -> set[int]:
        """Those of `member_ids` who hold or once held a mandate or an office, or stood."""
        wanted = sorted(set(member_ids))
        if not wanted:
            return set()
        md, ot, ca = t.mandates, t.office_terms, t.candidates
        query = union(
            select(md.c.holder_id.label("id")).where(md.c.holder_id.in_(wanted)),
            select(ot.c.holder_id.label("id")).where(ot.c.holder_id.in_(wanted)),
            select(ca.c.member_id.label("id")).where(ca.c.member_id.in_(wanted)),
        )
        found: Sequence[int] = self.conn.execute(query).scalars().all()
        return set(found)

    def sits_in_any(self, member_id: int, council_ids: Iterable[int]) -> bool:
        """Whether the member holds a mandate or an office now in one of these councils."""
        councils = sorted(set(council_ids))
        md, ot, of = t.mandates, t.office_terms, t.offices
        query = union(
            select(md.c.council_id.label("c")).where(
                md.c.holder_id == member_id, md.c.end_at.is_(None), md.c.council_id.in_(councils)
            ),
            select(of.c.council_id.label("c"))
            .join(ot, ot.c.office_id == of.c.id)
            .where(
                ot.c.holder_id == member_id, ot.c.end_at.is_(None), of.c.council_id.in_(councils)
            ),
        )
        return self.conn.execute(query).first() is not None

    def ever_held(self, member_id: int) -> bool:
        """Whether the member holds or once held a mandate or an office."""
        md, ot = t.mandates, t.office_terms
        held = select(exists().where(md.c.holder_id == member_id)).scalar_subquery()
        termed = select(exists().where(ot.c.holder_id == member_id)).scalar_subquery()
        return bool(self.conn.execute(select(held | termed)).scalar())

    def delete_rows_of(self, member_id: int, table_names: Iterable[str]) -> None:
        """Delete the member's rows (by `member_id`) from each of these tables there is."""
        for name in table_names:
            table = t.metadata.tables.get(name)
            if table is not None:
                self.conn.execute(delete(table).where(table.c.member_id == member_id))

    def identities(self) -> builtins.list[tuple[int, str, str, str | None]]:
        """(id, username, display name, e-mail) of every member: what identifies a person."""
        mb = t.members
        query = select(mb.c.id, mb.c.username, mb.c.display_name, mb.c.email)
        return [(int(i), u, d, e) for i, u, d, e in tuples(self.conn.execute(query))]

    def identity_of(
        self, *, username: str | None = None, email: str | None = None
    ) -> tuple[int, str, str, str | None] | None:
        """(id, username, display name, e-mail) of the member of this username or address."""
        mb = t.members
        column, value = (mb.c.email, email) if username is None else (mb.c.username, username)
        query = select(mb.c.id, mb.c.username, mb.c.display_name, mb.c.email)
        for i, u, d, e in tuples(self.conn.execute(query.where(column == value))):
            return int(i), u, d, e
        return None

    def current_unit_id(self, member_id: int) -> int | None:
        mm = t.memberships
        query = select(mm.c.unit_id).where(mm.c.member_id == member_id, mm.c.end_at.is_(None))
        return self.conn.execute(query).scalar()


class MembershipRepo(_Repo[m.Membership]):
    table, model = t.memberships, m.Membership

    def history(self, member_id: int) -> list[m.Membership]:
        return self.list(t.memberships.c.member_id == member_id, order_by=t.memberships.c.start_at)

    def members_of_units(self, unit_ids: Iterable[int]) -> set[int]:
        """The members on the rolls of these units now."""
        mm = self.table.c
        query = select(mm.member_id).where(mm.unit_id.in_(sorted(set(unit_ids))))
        found: Sequence[int] = self.conn.execute(query.where(mm.end_at.is_(None))).scalars().all()
        return set(found)

    def end_active_of(self, member_id: int, at: datetime, reason: str) -> None:
        """End the member's membership in force, if any."""
        mm = self.table
        self.conn.execute(
            update(mm)
            .where(mm.c.member_id == member_id, mm.c.end_at.is_(None))
            .values(end_at=at, end_reason=reason)
        )


class ElectorateRepo(_Repo[m.Electorate]):
    table, model = t.electorates, m.Electorate

    def of_council(self, council_id: int) -> list[m.Electorate]:
        return self.list(t.electorates.c.council_id == council_id)

    def for_unit(self, unit_id: int) -> m.Electorate | None:
        found = self.list(t.electorates.c.unit_id == unit_id)
        return found[0] if found else None

    def for_source_council(self, council_id: int) -> m.Electorate | None:
        found = self.list(t.electorates.c.source_council_id == council_id)
        return found[0] if found else None

    def seats_by_council(self, council_ids: Iterable[int] | None = None) -> dict[int, int]:
        """The seats of each of these councils (of every council when None), in one query."""
        e = self.table.c
        query = select(e.council_id, func.sum(e.seats)).group_by(e.council_id)
        ids = None if council_ids is None else sorted(set(council_ids))
        if ids is not None:
            query = query.where(e.council_id.in_(ids))
        seats = {int(c): int(n or 0) for c, n in tuples(self.conn.execute(query))}
        return {c: 0 for c in ids or ()} | seats

    def lock(self, electorate_id: int) -> None:
        """Lock the electorate's row until commit (PostgreSQL; SQLite's writes are serial):
        two clocks opening its election queue up, and the second finds it open."""
        e = self.table
        self.conn.execute(select(e.c.id).where(e.c.id == electorate_id).with_for_update())


class MandateRepo(_Repo[m.Mandate]):
    table, model = t.mandates, m.Mandate

    def seated_by_electorate(self) -> dict[int, int]:
        """Active mandates per electorate."""
        md = t.mandates
        query = (
            select(md.c.electorate_id, func.count())
            .where(md.c.end_at.is_(None))
            .group_by(md.c.electorate_id)
        )
        return {int(e): int(n) for e, n in tuples(self.conn.execute(query))}

    def ever_seated(self) -> set[int]:
        """Electorates that have had a mandate."""
        md = t.mandates
        return set(self.conn.execute(select(md.c.electorate_id).distinct()).scalars())

    def active(self, *where: Any) -> list[m.Mandate]:
        return self.list(t.mandates.c.end_at.is_(None), *where)

    def active_in_council(self, council_id: int) -> list[m.Mandate]:
        return self.active(t.mandates.c.council_id == council_id)

    def active_in_councils(self, council_ids: Sequence[int]) -> list[m.Mandate]:
        found: list[m.Mandate] = []
        for start in range(0, len(council_ids), IDS_AT_ONCE):
            chunk = council_ids[start : start + IDS_AT_ONCE]
            found += self.active(t.mandates.c.council_id.in_(chunk))
        return found

    def active_of_electorate(self, electorate_id: int) -> list[m.Mandate]:
        return self.active(t.mandates.c.electorate_id == electorate_id)

    def holders_in_council(self, council_id: int) -> set[int]:
        md = t.mandates
        query = select(md.c.holder_id).where(md.c.council_id == council_id, md.c.end_at.is_(None))
        return set(self.conn.execute(query).scalars())

    def holds_seat_in(self, member_id: int, council_id: int) -> bool:
        md = t.mandates
        query = select(md.c.id).where(
            md.c.holder_id == member_id, md.c.council_id == council_id, md.c.end_at.is_(None)
        )
        return self.conn.execute(query.limit(1)).first() is not None

    def active_of_holder(self, member_id: int) -> list[m.Mandate]:
        return self.active(t.mandates.c.holder_id == member_id)

    def lock_seats_in(self, council_id: int, member_ids: Iterable[int]) -> set[int]:
        """Which of these members hold a seat in the council now; their seats are locked until
        the transaction ends (SELECT ... FOR UPDATE on PostgreSQL; SQLite's writers are serial),
        so none of them can end meanwhile."""
        md = t.mandates
        query = (
            select(md.c.holder_id)
            .where(
                md.c.council_id == council_id,
                md.c.holder_id.in_(sorted(set(member_ids))),
                md.c.end_at.is_(None),
            )
            .order_by(md.c.id)
            .with_for_update()
        )
        return set(self.conn.execute(query).scalars())

    def dependants(self, mandate_id: int) -> list[m.Mandate]:
        return self.active(t.mandates.c.depends_on_id == mandate_id)

    def move_dependants(self, old_id: int, new_id: int) -> None:
        md = t.mandates
        in_force(self.conn, md, md.c.depends_on_id == old_id, depends_on_id=new_id)

    def end(self, mandate_id: int, at: datetime, reason: str) -> bool:
        """End an active mandate; False when it had already ended (a concurrent end won)."""
        md = t.mandates
        return in_force(self.conn, md, md.c.id == mandate_id, end_at=at, end_reason=reason) == 1


class ElectionRepo(_Repo[m.Election]):
    table, model = t.elections, m.Election

    def newest_first(self, *, status: str | None = None) -> list[m.Election]:
        where = [] if status is None else [self.table.c.status == status]
        return self.list(*where, order_by=self.table.c.id.desc())

    def of_council(self, council_id: int) -> list[m.Election]:
        """The elections of the council's seats and offices, newest first."""
        e, el, o = self.table.c, t.electorates.c, t.offices.c
        seats = e.electorate_id.in_(select(el.id).where(el.council_id == council_id))
        offices = e.office_id.in_(select(o.id).where(o.council_id == council_id))
        return self.list(seats | offices, order_by=e.id.desc())

    def of_unit(self, unit_id: int) -> list[m.Election]:
        """The elections of the unit's electorate, newest first."""
        e, el = self.table.c, t.electorates.c
        mine = e.electorate_id.in_(select(el.id).where(el.unit_id == unit_id))
        return self.list(mine, order_by=e.id.desc())

    def open_maybe_for(self, member_id: int) -> list[m.Election]:
        """The open elections the member may be an elector of, newest first: an office's (no
        electorate), or of an electorate `electorates_maybe_of` the member."""
        e = self.table.c
        mine = e.electorate_id.is_(None) | e.electorate_id.in_(electorates_maybe_of(member_id))
        return self.list(e.status == "open", mine, order_by=e.id.desc())

    # get_for_update (_Repo's): two closes of an election queue up, and a general election
    # superseding it waits for (or is waited for by) its own close.

    def claim_due(self, election_id: int) -> m.Election | None:
        """The election, its row locked for update, or None when another process holds it
        (SKIP LOCKED on PostgreSQL: two clocks never wait on each other's close)."""
        query = select(self.table).where(self.table.c.id == election_id)
        row = self.conn.execute(query.with_for_update(skip_locked=True)).first()
        return to_domain(m.Election, row) if row else None

    def electorates_voting(self, electorate_ids: Iterable[int]) -> set[int]:
        """Those of these electorates with an election open now."""
        e = self.table
        query = select(e.c.electorate_id).where(
            e.c.electorate_id.in_(sorted(set(electorate_ids))), e.c.status == "open"
        )
        found: Sequence[int] = self.conn.execute(query).scalars().all()
        return set(found)

    def has_open(self, electorate_id: int) -> bool:
        e = self.table
        query = select(e.c.id).where(e.c.electorate_id == electorate_id, e.c.status == "open")
        return self.conn.execute(query.limit(1)).first() is not None

    def get_for_share(self, election_id: int) -> m.Election | None:
        """The election, its row share-locked until commit (PostgreSQL): a ballot holds it while
        it is written, so a close (which locks the row for update before counting) waits for
        the ballot and counts it, or the ballot, waiting for the close, reads it closed."""
        row = self.conn.execute(by_id(self.table, "share"), {"id_": election_id}).first()
        return to_domain(m.Election, row) if row else None

    def open_by_elections_for_update(self, electorate_id: int) -> list[m.Election]:
        """The by-elections of an electorate still open, their rows locked, in id order."""
        e = self.table
        query = (
            select(e)
            .where(e.c.electorate_id == electorate_id, e.c.kind == "by", e.c.status == "open")
            .where(e.c.office_id.is_(None))
            .order_by(e.c.id)
            .with_for_update()
        )
        return [to_domain(m.Election, row) for row in self.conn.execute(query)]

    def last_general(self, electorate_id: int) -> m.Election | None:
        """The electorate's latest general or founding election (its seats' method and
        secrecy, which its by-elections follow)."""
        e = self.table
        query = (
            select(e)
            .where(e.c.electorate_id == electorate_id, e.c.kind.in_(("general", "founding")))
            .order_by(e.c.id.desc())
            .limit(1)
        )
        row = self.conn.execute(query).first()
        return to_domain(m.Election, row) if row else None

    def last_generals(self, electorate_ids: Iterable[int]) -> dict[int, m.Election]:
        """Each electorate's latest general or founding election, in one statement."""
        e = self.table
        ids = sorted(set(electorate_ids))
        if not ids:
            return {}
        query = (
            select(e)
            .where(e.c.electorate_id.in_(ids), e.c.kind.in_(("general", "founding")))
            .order_by(e.c.id)
        )
        found = {}
        for row in self.conn.execute(query):
            found[row.electorate_id] = to_domain(m.Election, row)  # the last one stays
        return found

    def due(self, now: datetime, limit: int) -> list[int]:
        """Open votes whose time has come, oldest first."""
        e = self.table
        query = (
            select(e.c.id)
            .where(e.c.status == "open", e.c.closes_at <= now)
            .order_by(e.c.closes_at, e.c.id)
            .limit(limit)
        )
        return list(self.conn.execute(query).scalars())

    def fully_voted(self) -> list[int]:
        """Open votes where every elector has voted (they close early), in a few grouped
        statements whatever their number. Electors: a unit's members on its roll now, a
        council's deputies, or, for an office's election, the deputies of the office's council."""
        e, p, el, ms, md = t.elections, t.participations, t.electorates, t.memberships, t.mandates
        voted = (
            select(p.c.election_id, func.count().label("n"))
            .join(e, e.c.id == p.c.election_id)
            .where(e.c.status == "open")
            .group_by(p.c.election_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(e.c.id, el.c.unit_id, el.c.source_council_id, t.offices.c.council_id, voted.c.n)
            .join(voted, voted.c.election_id == e.c.id)
            .outerjoin(el, el.c.id == e.c.electorate_id)
            .outerjoin(t.offices, t.offices.c.id == e.c.office_id)
        ).all()
        if not rows:
            return []
        roll: dict[int, int] = dict(
            self.conn.execute(
                select(ms.c.unit_id, func.count())
                .where(ms.c.end_at.is_(None))
                .where(ms.c.unit_id.in_({r.unit_id for r in rows if r.unit_id is not None}))
                .group_by(ms.c.unit_id)
            ).all()
        )
        councils = {r.source_council_id or r.council_id for r in rows} - {None}
        seats: dict[int, int] = dict(
            self.conn.execute(
                select(md.c.council_id, func.count(func.distinct(md.c.holder_id)))
                .where(md.c.end_at.is_(None), md.c.council_id.in_(councils))
                .group_by(md.c.council_id)
            ).all()
        )
        out = []
        for row in rows:
            if row.unit_id is not None:
                electors = roll.get(row.unit_id, 0)
            else:
                electors = seats.get(row.source_council_id or row.council_id, 0)
            if electors > 0 and row.n >= electors:
                out.append(int(row.id))
        return out

    def result(self, election_id: int) -> dict[str, Any] | None:
        query = select(t.elections.c.result).where(t.elections.c.id == election_id)
        return self.conn.execute(query).scalar()

    def winning_members(self) -> dict[int, set[int]]:
        """The members each election with a result elected (its `winners` are ids of its own
        candidates; one that is not maps to -1), in two reads for the whole database."""
        c, e = t.candidates, t.elections
        query = select(c.c.election_id, c.c.id, c.c.member_id)
        members = {(eid, cand): member for eid, cand, member in tuples(self.conn.execute(query))}
        results = select(e.c.id, e.c.result).where(e.c.result.is_not(None))
        won: dict[int, set[int]] = {}
        for eid, result in tuples(self.conn.execute(results)):
            winners = (result or {}).get("winners", [])
            won[eid] = {members.get((eid, int(w)), -1) for w in winners}
        return won

    def candidates(self, election_id: int) -> list[m.Candidate]:
        rows = self.conn.execute(_CANDIDATES, {"election_id": election_id})
        return [to_domain(m.Candidate, r) for r in rows]

    def add_candidate(self, election_id: int, member_id: int, faction_id: int | None) -> int:
        values = {"election_id": election_id, "member_id": member_id, "faction_id": faction_id}
        return self._insert(t.candidates, **values)

    def add_participation(self, election_id: int, member_id: int) -> None:
        self.add_participations([{"election_id": election_id, "member_id": member_id}])

    def participation_count(self, election_id: int) -> int:
        p = t.participations
        query = select(func.count()).select_from(p).where(p.c.election_id == election_id)
        return int(self.conn.execute(query).scalar_one())

    def add_participations(self, rows: list[dict[str, Any]]) -> None:
        self.conn.execute(insert(t.participations), rows)

    def add_ballot(
        self, receipt: str, election_id: int, choices: list[int], voter_id: int | None
    ) -> None:
        self.add_ballots(
            [
                {
                    "receipt": receipt,
                    "election_id": election_id,
                    "choices": choices,
                    "voter_id": voter_id,
                }
            ]
        )

    def add_ballots(self, rows: list[dict[str, Any]]) -> None:
        self.conn.execute(insert(t.ballots), rows)

    def has_participated(self, election_id: int, member_id: int) -> bool:
        query = select(t.participations.c.member_id).where(
            t.participations.c.election_id == election_id,
            t.participations.c.member_id == member_id,
        )
        return self.conn.execute(query).first() is not None

    def published_ballots(self, election_id: int) -> list[dict[str, Any]]:
        """Receipt and choices of every ballot, ordered by receipt (random, so no cast order)."""
        query = (
            select(t.ballots.c.receipt, t.ballots.c.choices)
            .where(t.ballots.c.election_id == election_id)
            .order_by(t.ballots.c.receipt)
        )
        return [{"receipt": r, "choices": list(c)} for r, c in tuples(self.conn.execute(query))]

    def open_ballots(self, election_id: int) -> list[dict[str, Any]]:
        """An open ballot's voter and choices (how each elector voted is public)."""
        query = (
            select(t.ballots.c.voter_id, t.ballots.c.receipt, t.ballots.c.choices)
            .where(t.ballots.c.election_id == election_id)
            .order_by(t.ballots.c.voter_id)
        )
        rows = list(tuples(self.conn.execute(query)))
        return [{"voter_id": v, "receipt": r, "choices": list(c)} for v, r, c in rows]

    def ballot_choices(self, election_id: int) -> list[list[int]]:
        query = select(t.ballots.c.choices).where(t.ballots.c.election_id == election_id)
        choices: Sequence[list[int]] = self.conn.execute(query).scalars().all()
        return [list(c) for c in choices]

    def ballot_rows(self, election_id: int) -> list[dict[str, Any]]:
        """The election's ballot rows, whole."""
        return rows_where(self.conn, t.ballots, t.ballots.c.election_id == election_id)

    def rewrite_ballots(self, election_id: int, rows: Sequence[dict[str, Any]]) -> None:
        """Write the election's ballots anew as `rows`, in their order."""
        rewrite_rows(self.conn, t.ballots, t.ballots.c.election_id == election_id, rows)


class OfficeRepo(_Repo[m.Office]):
    table, model = t.offices, m.Office

    def get(self, id_: int) -> m.Office | None:
        office = super().get(id_)
        if office is not None:
            office.capabilities = tuple(office.capabilities)
        return office

    def list(self, *where: Any, order_by: Any = None) -> builtins.list[m.Office]:
        offices = super().list(*where, order_by=order_by)
        for office in offices:
            office.capabilities = tuple(office.capabilities)  # JSON list -> the domain's tuple
        return offices

    def capabilities_held(self, member_id: int, council_id: int) -> set[str]:
        """Capabilities of the offices of `council_id` that `member_id` holds now, through a
        term resting on a mandate in force."""
        held: set[str] = set()
        for _, capabilities in self._held(council_id, member_id):
            held.update(capabilities)
        return held

    def holders_of(self, capability: str, council_id: int) -> set[int]:
        """Who holds `capability` in `council_id` now (`capabilities_held`'s rule), in one
        query for the whole council."""
        return {holder for holder, held in self._held(council_id) if capability in held}

    def _held(
        self, council_id: int, member_id: int | None = None
    ) -> builtins.list[tuple[int, builtins.list[str]]]:
        ot, of, md = t.office_terms, t.offices, t.mandates
        query = (
            select(ot.c.holder_id, of.c.capabilities)
            .join(ot, ot.c.office_id == of.c.id)
            .join(md, md.c.id == ot.c.mandate_id)
            .where(of.c.council_id == council_id, ot.c.end_at.is_(None), md.c.end_at.is_(None))
        )
        if member_id is not None:
            query = query.where(ot.c.holder_id == member_id)
        return [(int(h), list(c or [])) for h, c in tuples(self.conn.execute(query))]

    def holders_capabilities(self, council_id: int) -> builtins.list[tuple[int, tuple[str, ...]]]:
        """(holder, the office's capabilities) of every office term of the council in force."""
        of, ot = t.offices, t.office_terms
        query = (
            select(ot.c.holder_id, of.c.capabilities)
            .join(of, of.c.id == ot.c.office_id)
            .where(of.c.council_id == council_id, ot.c.end_at.is_(None))
        )
        rows = list(tuples(self.conn.execute(query)))
        return [(int(holder), tuple(capabilities or ())) for holder, capabilities in rows]

    def active_terms_on(self, mandate_id: int) -> builtins.list[int]:
        ot = t.office_terms
        query = select(ot.c.id).where(ot.c.mandate_id == mandate_id, ot.c.end_at.is_(None))
        return list(self.conn.execute(query).scalars())

    def terms_on_ended_mandates(self) -> builtins.list[tuple[int, int]]:
        ot, md = t.office_terms, t.mandates
        query = (
            select(ot.c.id, md.c.id)
            .join(md, md.c.id == ot.c.mandate_id)
            .where(ot.c.end_at.is_(None), md.c.end_at.is_not(None))
        )
        return [(term, mandate) for term, mandate in tuples(self.conn.execute(query))]

    def move_terms(self, old_mandate_id: int, new_mandate_id: int) -> None:
        ot = t.office_terms
        in_force(self.conn, ot, ot.c.mandate_id == old_mandate_id, mandate_id=new_mandate_id)

    def end_term(self, term_id: int, at: datetime, reason: str) -> None:
        ot = t.office_terms
        in_force(self.conn, ot, ot.c.id == term_id, end_at=at, end_reason=reason)


class LoggedAct(NamedTuple):
    """An entry of the audit log as written (`seq` None until the sealer chains it)."""

    id: int
    seq: int | None
    act: str
    payload: str
    actor: str | None


class AuditRepo(OnConnection):
    """Appends acts; the sequencer (store/sequencer.py) chains them after commit."""

    def append(
        self, act: str, payload: str, actor: str | None, is_operator: bool, recorded_at: str
    ) -> None:
        self.conn.execute(
            insert(t.audit_log).values(
                act=act,
                payload=payload,
                actor=actor,
                is_operator=is_operator,
                recorded_at=recorded_at,
            )
        )

    def append_many(self, rows: Sequence[dict[str, Any]]) -> None:
        insert_json_rows(self.conn, t.audit_log, rows)

    def entries_after(self, last_id: int, limit: int) -> list[LoggedAct]:
        """Up to `limit` entries of the log after the one numbered `last_id`, in order; their
        `seq` is None until sealed."""
        log = t.audit_log
        query = (
            select(log.c.id, log.c.seq, log.c.act, log.c.payload, log.c.actor)
            .where(log.c.id > last_id)
            .order_by(log.c.id)
            .limit(limit)
        )
        return [LoggedAct(*row) for row in tuples(self.conn.execute(query))]


class TokenRepo(OnConnection):
    """API tokens and page sessions, looked up by the SHA-256 of the token."""

    def add(self, **values: Any) -> None:
        self.conn.execute(insert(t.auth_tokens).values(**values))

    def find(self, token_hash: str, kind: str) -> tuple[m.Member, str | None, datetime] | None:
        query = (
            select(t.members, t.auth_tokens.c.csrf_token, t.auth_tokens.c.expires_at)
            .join(t.auth_tokens, t.auth_tokens.c.member_id == t.members.c.id)
            .where(t.auth_tokens.c.token_hash == token_hash, t.auth_tokens.c.kind == kind)
        )
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return to_domain(m.Member, row), row.csrf_token, as_utc(row.expires_at)

    def remove(self, token_hash: str) -> None:
        self.conn.execute(delete(t.auth_tokens).where(t.auth_tokens.c.token_hash == token_hash))


class RecallRepo(_Repo[m.RecallPetition]):
    table, model = t.recall_petitions, m.RecallPetition

    # get_for_update (_Repo's): signatures on a petition queue up.

    def undecided_for(self, mandate_id: int) -> m.RecallPetition | None:
        found = self.list(
            self.table.c.mandate_id == mandate_id, self.table.c.status.in_(("open", "vote_open"))
        )
        return found[0] if found else None

    def first_recalled_with_by_election(self) -> tuple[m.RecallPetition, int] | None:
        """The first petition against a deputy that recalled them and led to a by-election,
        with the recalled deputy's member id."""
        rp, md = self.table, t.mandates
        query = (
            select(rp, md.c.holder_id.label("recalled_id"))
            .join(md, md.c.id == rp.c.mandate_id)
            .where(rp.c.status == "recalled", rp.c.by_election_id.is_not(None))
            .order_by(rp.c.id)
            .limit(1)
        )
        row = self.conn.execute(query).first()
        return (to_domain(m.RecallPetition, row), int(row.recalled_id)) if row else None

    def by_vote_election(self, election_id: int) -> m.RecallPetition | None:
        found = self.list(self.table.c.vote_election_id == election_id)
        return found[0] if found else None

    def with_status(self, status: str | None = None) -> list[m.RecallPetition]:
        """The petitions (of this status when given), by id."""
        return self.list(*([] if status is None else [self.table.c.status == status]))

    def undecided_against(self, mandate_ids: Iterable[int]) -> list[m.RecallPetition]:
        """The petitions still undecided against these mandates."""
        rp = self.table.c
        against = rp.mandate_id.in_(list(mandate_ids))
        return self.list(against, rp.status.in_(UNDECIDED))

    def open_maybe_for(self, member_id: int) -> list[int]:
        """The open petitions the member may be an elector of, by id: against an official, or
        against a mandate of an electorate `electorates_maybe_of` the member."""
        rp, md = self.table.c, t.mandates.c
        maybe = select(md.id).where(md.electorate_id.in_(electorates_maybe_of(member_id)))
        found = self.list(
            rp.status == "open", rp.office_term_id.is_not(None) | rp.mandate_id.in_(maybe)
        )
        return [p.id for p in found]

    def add_signature(self, petition_id: int, member_id: int, at: datetime) -> None:
        self.conn.execute(
            insert(t.recall_signatures).values(
                petition_id=petition_id, member_id=member_id, signed_at=at
            )
        )

    def remove_signature(self, petition_id: int, member_id: int) -> bool:
        sig = t.recall_signatures
        result = self.conn.execute(
            delete(sig).where(sig.c.petition_id == petition_id, sig.c.member_id == member_id)
        )
        return result.rowcount == 1

    def signers(self, petition_id: int) -> set[int]:
        sig = t.recall_signatures
        query = select(sig.c.member_id).where(sig.c.petition_id == petition_id)
        return set(self.conn.execute(query).scalars())

    def decide(self, petition_id: int, status: str, at: datetime | None, **values: Any) -> bool:
        """Move an undecided petition on; False when another transaction already did."""
        result = self.conn.execute(
            update(self.table)
            .where(self.table.c.id == petition_id, self.table.c.status.in_(("open", "vote_open")))
            .values(status=status, decided_at=at, **values)
        )
        return result.rowcount == 1


class MailNotice(NamedTuple):
    """A notification to mail: its row, its member's address, what it says."""

    id: int
    address: str
    subject: str
    link: str


class NotificationRepo(_Repo[m.Notification]):
    table, model = t.notifications, m.Notification

    def of_member(self, member_id: int, limit: int = 100) -> list[m.Notification]:
        query = (
            select(self.table)
            .where(self.table.c.member_id == member_id)
            .order_by(self.table.c.id.desc())
            .limit(limit)
        )
        return [to_domain(m.Notification, row) for row in self.conn.execute(query)]

    def mark_read(self, member_id: int, at: datetime, up_to_id: int | None = None) -> int:
        """Mark the member's unread notifications read (only those up to `up_to_id` when given,
        so one that arrived after the page was shown stays unread); returns how many."""
        query = update(self.table).where(
            self.table.c.member_id == member_id, self.table.c.read_at.is_(None)
        )
        if up_to_id is not None:
            query = query.where(self.table.c.id <= up_to_id)
        return int(self.conn.execute(query.values(read_at=at)).rowcount or 0)

    def skip_unmailable(self, now: datetime, stale_before: datetime) -> None:
        """Mark the notifications still to mail that have nothing to send (their member has no
        address, or they are older than `stale_before`): once a look, not once a batch."""
        nt, mb = self.table, t.members
        has_address = exists().where(mb.c.id == nt.c.member_id, mb.c.email.is_not(None))
        self.conn.execute(
            update(nt)
            .where(nt.c.mailed_at.is_(None), or_(nt.c.created_at < stale_before, ~has_address))
            .values(mailed_at=now)
        )

    def claim_mail(self, now: datetime, *, claims_before: datetime, limit: int) -> list[MailNotice]:
        """Claim up to `limit` notifications still to mail, oldest first, each with its member's
        address (a claimed row whose member has none is marked instead). A row claimed before
        `claims_before` whose mailer never marked it (it died) is claimed again; one claimed
        since is another mailer's, and so is a row another transaction is claiming (skipped, on
        PostgreSQL)."""
        nt, mb = self.table, t.members
        free = (
            select(nt.c.id)
            .where(
                nt.c.mailed_at.is_(None),
                or_(nt.c.mail_claimed_at.is_(None), nt.c.mail_claimed_at < claims_before),
            )
            .order_by(nt.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids: list[int] = list(self.conn.execute(free).scalars())
        if not ids:
            return []
        self.conn.execute(update(nt).where(nt.c.id.in_(ids)).values(mail_claimed_at=now))
        query = (
            select(nt.c.id, mb.c.email, nt.c.subject, nt.c.link)
            .outerjoin(mb, mb.c.id == nt.c.member_id)
            .where(nt.c.id.in_(ids))
            .order_by(nt.c.id)
        )
        rows = list(tuples(self.conn.execute(query)))
        # An address gone since the look marked what had none: nothing to send, marked now.
        if gone := [row[0] for row in rows if row[1] is None]:
            self.mark_mailed(gone, now)
        return [MailNotice(*row) for row in rows if row[1] is not None]

    def mark_mailed(self, ids: Sequence[int], at: datetime) -> None:
        self.conn.execute(update(self.table).where(self.table.c.id.in_(ids)).values(mailed_at=at))

    def emails(self, member_ids: Iterable[int]) -> dict[int, str]:
        query = select(t.members.c.id, t.members.c.email).where(
            t.members.c.id.in_(list(member_ids)), t.members.c.email.is_not(None)
        )
        return {member_id: email for member_id, email in tuples(self.conn.execute(query))}


# The unit of work gives each of these a name: `uow.<name>`. Topic modules add theirs.
REPOSITORIES: dict[str, type] = {
    "federations": FederationRepo,
    "factions": FactionRepo,
    "councils": CouncilRepo,
    "units": UnitRepo,
    "members": MemberRepo,
    "memberships": MembershipRepo,
    "electorates": ElectorateRepo,
    "mandates": MandateRepo,
    "elections": ElectionRepo,
    "offices": OfficeRepo,
    "audit": AuditRepo,
    "tokens": TokenRepo,
    "recalls": RecallRepo,
    "notifications": NotificationRepo,
}
