"""The alignment of forces, kept current by triggers (migration 0010_alignment_counts).

- `alignment_counts`: per council, faction (0: no faction) and kind of seat (`is_unit`: elected
  by a base unit, not by a lower council), the number of active mandates.
- `alignment_councils`: one row per council: its seats (the sum of its electorates' seats) and
  its counts as text, `faction_id:is_unit:seats` (is_unit 1 or 0) comma-separated, in order of
  faction id and kind: what the snapshot of the council and its share of the federation need.

Triggers on `mandates` (INSERT, DELETE, UPDATE of council_id, electorate_id, faction_id or
end_at) and on `electorates` (INSERT, DELETE, UPDATE of council_id or seats) keep both in the
same transaction as the change, whichever code makes it. So the snapshot of a 100,000-council
federation reads one short row per council instead of aggregating every mandate
(bench/alignment.py); services/invariants/alignment.py checks both against the aggregate.

Concurrency: counter rows are upserted (`seats = seats + 1`), so concurrent changes add up under
PostgreSQL's READ COMMITTED (the second waits for the first's row lock, then adds to the
committed value), and a council's text is rebuilt from its counts after the change. On
PostgreSQL the trigger first takes a transaction-level advisory lock on the council, so two
transactions changing one council queue there rather than deadlock on its rows in opposite
orders. SQLite's writers are serial.

- `unit_rolls` (migration 0030_h24b): per base unit, the members on its roll (its active
  memberships), kept by triggers on `memberships` (INSERT, DELETE, UPDATE of unit_id or end_at)
  in the same transaction as every roll change, whichever code makes it: on SQLite one row a
  unit, updated; on PostgreSQL a row of change appended per unit and statement (no row lock
  for two transfers in opposite directions to deadlock on), summed on read and folded by
  `compact_rolls`. The popular base reads these rows instead of counting every membership;
  services/invariants/rolls.py checks them against the count.

- `popular_bases` (migration 0034_h24b): the popular base's figures as `represented` counts
  them (council_id 0: the federation's unit seats), kept for the alignment page and refreshed
  by the clock's early runs (`refresh_bases`), as of the time in `popular_base_state`. A
  refresh counts only when something it depends on changed: statement triggers on
  memberships, mandates, electorates, councils and base units mark it in
  `popular_base_changes` (PostgreSQL appends a row: no lock a writer waits on; SQLite keeps one
  row). The refresh deletes the marks before counting, so a change that commits while it counts
  keeps its mark for the next; the figures hold every change committed before their time.
  Not kept by triggers in each write: a roll change would have to read the mandates of every
  electorate above its unit and a mandate change the rolls under its electorate, each missing
  the other's uncommitted change (or locking the chief council's rows in every join).
  services/invariants/popular_bases.py checks them against the count when nothing is marked.

The reads of services/alignment.py are here too, as typed rows: the stored councils, the
federation's unit seats, mandate spans for the history, and the popular base counted in SQL
(`represented`: the active mandates grouped by council, faction and their electorate's seats,
each weighing its electorate's members; a few hundred rows, not a row a seat, issue 24).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Text,
    cast,
    func,
    null,
    select,
    text,
)
from sqlalchemy.sql.expression import CTE, Select

from dualpower.store import repositories
from dualpower.store import tables as t
from dualpower.store.repositories import OnConnection, as_utc
from dualpower.store.tables import Id, table
from dualpower.store.typed import tuples

NO_FACTION_ID = 0  # the faction_id of a seat held by a deputy of no faction

alignment_counts = table(
    "alignment_counts",
    Column("council_id", Id, ForeignKey("councils.id"), primary_key=True),
    Column("faction_id", Id, primary_key=True),  # 0: no faction (so that it can be in the key)
    Column("is_unit", Boolean, primary_key=True),
    Column("seats", Integer, nullable=False),
)

alignment_councils = table(
    "alignment_councils",
    Column("council_id", Id, ForeignKey("councils.id"), primary_key=True),
    Column("seats", Integer, nullable=False),
    Column("composition", Text, nullable=False),  # "faction_id:is_unit:seats,..."
)

unit_rolls = table(
    "unit_rolls",
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("unit_id", Id, ForeignKey("base_units.id"), nullable=False, index=True),
    Column("members", Integer, nullable=False),  # a unit's roll: the sum of its rows
)

popular_bases = table(
    "popular_bases",
    Column("council_id", Id, primary_key=True),  # FEDERATION_ID: the federation's unit seats
    Column("faction_id", Id, primary_key=True),  # 0: no faction
    Column("is_unit", Boolean, primary_key=True),
    Column("seats", Integer, primary_key=True),
    Column("members", BigInteger, nullable=False),
)

popular_base_state = table(
    "popular_base_state",
    Column("id", Integer, primary_key=True),  # 1: one row
    Column("as_of", DateTime(timezone=True), nullable=False),
)

popular_base_changes = table(
    "popular_base_changes",
    Column("id", Id, primary_key=True, autoincrement=True),
)

FEDERATION_ID = 0  # popular_bases.council_id of the federation's rows
REFRESH_LOCK = (1917, 24)  # the advisory lock one refresh at a time holds (PostgreSQL)

# What the counts must equal: the active mandates, by council, faction and kind of seat.
AGGREGATE = (
    "SELECT m.council_id, COALESCE(m.faction_id, 0), e.kind = 'unit', count(*) "
    "FROM mandates m JOIN electorates e ON e.id = m.electorate_id "
    "WHERE m.end_at IS NULL GROUP BY m.council_id, COALESCE(m.faction_id, 0), e.kind = 'unit'"
)
# What the councils' rows must equal: their electorates' seats, and their counts.
CAPACITY = "SELECT council_id, sum(seats) FROM electorates GROUP BY council_id"
SNAPSHOT = (
    "SELECT c.id, c.name, c.parent_id, COALESCE(s.seats, 0), COALESCE(s.composition, '') "
    "FROM councils c LEFT JOIN alignment_councils s ON s.council_id = c.id ORDER BY c.id"
)

Row = tuple[int, int, bool, int]
IDS_AT_ONCE = 10_000  # SQLite: 32,766 parameters at most


class StoredCouncil(NamedTuple):
    """A council and the row the triggers keep of it (0 and '' when it has none)."""

    id: int
    name: str
    parent_id: int | None
    seats: int
    composition: str  # "faction_id:is_unit:seats,...", parse_composition


class Span(NamedTuple):
    """Mandates of one council and faction (None: no faction) that began and ended at the same
    times, and how many, for the history."""

    council_id: int
    faction_id: int | None
    start_at: datetime
    end_at: datetime | None
    mandates: int


class Represented(NamedTuple):
    """Active mandates of one council (None: of every council) and faction (None: no faction)
    whose electorates fill `seats` seats each (a unit's, `is_unit`, or a lower council's), and
    `members`: the sum of the members their electorates represent (DESIGN.md 2.7,
    domain/alignment.popular_base)."""

    council_id: int | None
    faction_id: int | None
    is_unit: bool
    seats: int
    members: int


def composition_text(counts: dict[tuple[int, bool], int]) -> str:
    """The stored form of {(faction_id, is_unit): seats}, zero counts left out."""
    return ",".join(f"{f}:{int(u)}:{n}" for (f, u), n in sorted(counts.items()) if n)


def parse_composition(stored: str) -> list[tuple[int, bool, int]]:
    """[(faction_id, is_unit, seats)] from the stored form ('': no seat filled)."""
    if not stored:
        return []
    triples = (part.split(":") for part in stored.split(","))
    return [(int(f), u == "1", int(n)) for f, u, n in triples]


class AlignmentRepo(OnConnection):
    """Reads of the maintained alignment, the aggregates it must equal, and its rebuild (after
    a bulk load that bypassed the triggers, or to repair drift that `dualpower check` found)."""

    def councils(self) -> list[tuple[int, str, int | None, int, str]]:
        """(council_id, name, parent_id, seats, stored counts) of every council, by id.
        Fetched with the driver's own cursor: SQLAlchemy's row objects would double the time
        of fetching 100,000 rows, and these are plain values."""
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(SNAPSHOT)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def counts(self) -> list[Row]:
        """(council_id, faction_id or 0, is_unit, seats) for every non-zero count."""
        a = alignment_counts
        query = select(a.c.council_id, a.c.faction_id, a.c.is_unit, a.c.seats).where(a.c.seats != 0)
        return [
            (int(c), int(f), bool(u), int(n)) for c, f, u, n in tuples(self.conn.execute(query))
        ]

    def aggregate(self) -> list[Row]:
        """The same, aggregated from the active mandates: what the counts must equal."""
        rows = tuples(self.conn.execute(text(AGGREGATE)))
        return [(int(c), int(f), bool(u), int(n)) for c, f, u, n in rows]

    def stored(self) -> dict[int, tuple[int, str]]:
        """{council_id: (seats, stored composition)} as kept."""
        a = alignment_councils
        query = select(a.c.council_id, a.c.seats, a.c.composition)
        return {int(c): (int(s), str(comp)) for c, s, comp in tuples(self.conn.execute(query))}

    def expected(self) -> dict[int, tuple[int, str]]:
        """{council_id: (seats, counts as text)} as the electorates and the counts say."""
        seats = {int(c): int(n or 0) for c, n in tuples(self.conn.execute(text(CAPACITY)))}
        by_council: dict[int, dict[tuple[int, bool], int]] = {}
        for c, f, u, n in self.counts():
            by_council.setdefault(c, {})[(f, u)] = n
        return {
            c: (seats.get(c, 0), composition_text(by_council.get(c, {})))
            for c in seats.keys() | by_council.keys()
        }

    def rolls(self) -> dict[int, int]:
        """{unit_id: members on its roll} as kept (the sum of its rows; units of none left out)."""
        r = unit_rolls.c
        total = func.sum(r.members)
        query = select(r.unit_id, total).group_by(r.unit_id).having(total != 0)
        return {int(u): int(n) for u, n in tuples(self.conn.execute(query))}

    def unfolded_rows(self) -> int:
        """How many rows of change `compact_rolls` would fold away: the rows beyond one a unit
        (always 0 on SQLite, where a unit's row is updated in place)."""
        r = unit_rolls.c
        query = select(func.count() - func.count(r.unit_id.distinct()))
        return int(self.conn.execute(query).scalar_one() or 0)

    def compact_rolls(self) -> None:
        """Fold each unit's rows of change into one. Rows appended by transactions not
        committed yet are not seen, so not deleted: they add to the folded row when they
        commit."""
        r = unit_rolls.c
        if self.conn.dialect.name == "sqlite":  # serial writers; no DELETE in a WITH
            rows = [{"unit_id": u, "members": n} for u, n in self.rolls().items()]
            self.conn.execute(unit_rolls.delete())
            for k in range(0, len(rows), 50_000):
                self.conn.execute(unit_rolls.insert(), rows[k : k + 50_000])
            return
        gone = unit_rolls.delete().returning(r.unit_id, r.members).cte("gone")
        folded = select(gone.c.unit_id, func.sum(gone.c.members)).group_by(gone.c.unit_id)
        self.conn.execute(unit_rolls.insert().from_select(["unit_id", "members"], folded))

    def rolls_counted(self) -> dict[int, int]:
        """{unit_id: its active memberships}, counted: what the kept rolls must equal."""
        mm = t.memberships.c
        query = select(mm.unit_id, func.count()).where(mm.end_at.is_(None)).group_by(mm.unit_id)
        return {int(u): int(n) for u, n in tuples(self.conn.execute(query))}

    def rebuild(self) -> None:
        """Recount from the mandates, the electorates and the memberships."""
        self.conn.execute(unit_rolls.delete())
        rolls = [{"unit_id": u, "members": n} for u, n in self.rolls_counted().items()]
        for k in range(0, len(rolls), 50_000):
            self.conn.execute(unit_rolls.insert(), rolls[k : k + 50_000])
        self.conn.execute(alignment_councils.delete())
        self.conn.execute(alignment_counts.delete())
        self.conn.execute(
            text(
                "INSERT INTO alignment_counts (council_id, faction_id, is_unit, seats) " + AGGREGATE
            )
        )
        rows: list[dict[str, Any]] = [
            {"council_id": c, "seats": s, "composition": comp}
            for c, (s, comp) in self.expected().items()
        ]
        for k in range(0, len(rows), 50_000):
            self.conn.execute(alignment_councils.insert(), rows[k : k + 50_000])

    def councils_in(self, council_ids: Sequence[int]) -> list[StoredCouncil]:
        """These councils (those that exist) with their kept rows, by id."""
        c, a = t.councils.c, alignment_councils.c
        found: list[StoredCouncil] = []
        for start in range(0, len(council_ids), IDS_AT_ONCE):
            query = (
                select(c.id, c.name, c.parent_id, a.seats, a.composition)
                .select_from(t.councils.outerjoin(alignment_councils, a.council_id == c.id))
                .where(c.id.in_(council_ids[start : start + IDS_AT_ONCE]))
                .order_by(c.id)
            )
            found += [
                StoredCouncil(int(i), str(n), p, int(s or 0), str(k or ""))
                for i, n, p, s, k in tuples(self.conn.execute(query))
            ]
        return found

    def display_names(self, member_ids: Sequence[int]) -> dict[int, str]:
        """{member_id: display name} of these members (the holders on the road to majority)."""
        mb = t.members.c
        found: dict[int, str] = {}
        for start in range(0, len(member_ids), IDS_AT_ONCE):
            query = select(mb.id, mb.display_name).where(
                mb.id.in_(member_ids[start : start + IDS_AT_ONCE])
            )
            found |= {int(i): str(n) for i, n in tuples(self.conn.execute(query))}
        return found

    def unit_seats(self) -> dict[int, int]:
        """{faction_id (0: none): active mandates of unit electorates}, the federation's."""
        a = alignment_counts.c
        query = select(a.faction_id, func.sum(a.seats)).where(a.is_unit).group_by(a.faction_id)
        return {int(f): int(n) for f, n in tuples(self.conn.execute(query))}

    def spans(self, council_ids: Sequence[int] | None = None) -> list[Span]:
        """Every mandate's span (these councils' only, when given), active or ended, those of
        one council, faction and times as one row with their number: a level of councils seated
        at once is a few rows, not one a seat (10,000 mandates under the 101 top councils of a
        1,000,000-member federation, issue 24)."""
        md = t.mandates.c
        query = select(md.council_id, md.faction_id, md.start_at, md.end_at, func.count()).group_by(
            md.council_id, md.faction_id, md.start_at, md.end_at
        )
        if council_ids is None:
            return self._spans(query)
        found: list[Span] = []
        for start in range(0, len(council_ids), IDS_AT_ONCE):
            found += self._spans(
                query.where(md.council_id.in_(council_ids[start : start + IDS_AT_ONCE]))
            )
        return found

    def _spans(self, query: Select[Any]) -> list[Span]:
        return [
            Span(int(c), _id(f), as_utc(s), as_utc(e), int(n))
            for c, f, s, e, n in tuples(self.conn.execute(query))
        ]

    def represented(
        self, council_ids: Sequence[int] | None = None, *, federation: bool = False
    ) -> list[Represented]:
        """The popular base's figures of every council (these councils' only, when given): the
        active mandates grouped by council, faction and their electorate's kind and seats, with
        the members their electorates represent summed; electorates of no seat left out. With
        `federation`, also the unit seats of the whole federation by faction and seats alone
        (council_id None), in the same statement: the kept rolls are summed once."""
        wanted: list[Sequence[int] | None] = [None]
        if council_ids is not None:
            wanted = [
                council_ids[k : k + IDS_AT_ONCE] for k in range(0, len(council_ids), IDS_AT_ONCE)
            ]
        found: list[Represented] = []
        for k, chunk in enumerate(wanted or [[]]):
            rolls = _rolls()
            query: Any = _by_council(rolls, _members_under(rolls), chunk)
            if federation and k == 0:
                query = query.union_all(_by_faction(rolls))
            found += [
                Represented(_id(c), _id(f), kind == "unit", int(n), int(m))
                for c, f, kind, n, m in tuples(self.conn.execute(query))
            ]
        return found

    def bases_as_of(self) -> datetime | None:
        """The time the kept popular bases are as of (None: never refreshed)."""
        st = popular_base_state.c
        found = self.conn.execute(select(st.as_of).where(st.id == 1)).scalar_one_or_none()
        return None if found is None else as_utc(found)

    def bases_kept(self, council_ids: Sequence[int] | None = None) -> list[Represented]:
        """The popular base's figures as last refreshed (`refresh_bases`), in the rows of
        `represented(council_ids, federation=True)`: these councils' (every council's when
        None) and the federation's (council_id None)."""
        p = popular_bases.c
        query = select(p.council_id, p.faction_id, p.is_unit, p.seats, p.members)
        wanted: list[Sequence[int] | None] = [None]
        if council_ids is not None:
            ids = [FEDERATION_ID, *council_ids]
            wanted = [ids[k : k + IDS_AT_ONCE] for k in range(0, len(ids), IDS_AT_ONCE)]
        found: list[Represented] = []
        for chunk in wanted:
            chosen = query if chunk is None else query.where(p.council_id.in_(chunk))
            found += [
                Represented(
                    None if c == FEDERATION_ID else int(c),
                    None if f == NO_FACTION_ID else int(f),
                    bool(u),
                    int(n),
                    int(m),
                )
                for c, f, u, n, m in tuples(self.conn.execute(chosen))
            ]
        return found

    def bases_pending(self) -> int:
        """The marks of change (a roll, a mandate, an electorate, the tree) since the last
        refresh took them."""
        return int(
            self.conn.execute(select(func.count()).select_from(popular_base_changes)).scalar_one()
        )

    def refresh_bases(
        self, now: datetime, *, always: bool = False, not_before: datetime | None = None
    ) -> bool | None:
        """Count the popular base again (`represented`) into `popular_bases`, as of `now`, when
        something it depends on changed since the last refresh (or `always`, or never
        refreshed); else only move its time to `now`. The marks of change are deleted before
        the count, so whatever committed before that statement is counted, and a change that
        commits while it counts leaves its mark for the next refresh: the figures include at
        least every change committed before `now`. True: counted; False: nothing changed;
        None: another refresh holds the lock (PostgreSQL; SQLite's writers are serial), or the
        last refresh was after `not_before` (and not after `now`: a clock set back refreshes),
        so that several serving processes' clocks refresh once, not once each."""
        if self.conn.dialect.name == "postgresql":
            lock = func.pg_try_advisory_xact_lock(*REFRESH_LOCK)
            if not self.conn.execute(select(lock)).scalar_one():
                return None
        as_of = self.bases_as_of()
        if not always and not_before is not None and as_of is not None:
            if not_before < as_of <= now:
                return None
        marks = self.conn.execute(popular_base_changes.delete()).rowcount
        counted = bool(marks) or always or as_of is None
        if counted:  # counted and written on the server: no row comes to Python
            rolls = _rolls()
            found = (
                _by_council(rolls, _members_under(rolls), None)
                .union_all(_by_faction(rolls))
                .subquery("found")
            )
            c, f, kind, n, m = found.c
            kept = select(
                func.coalesce(c, FEDERATION_ID),
                func.coalesce(f, NO_FACTION_ID),
                kind == "unit",
                n,
                m,
            )
            self.conn.execute(popular_bases.delete())
            self.conn.execute(
                popular_bases.insert().from_select(
                    ["council_id", "faction_id", "is_unit", "seats", "members"], kept
                )
            )
        self.conn.execute(popular_base_state.delete())
        self.conn.execute(popular_base_state.insert(), [{"id": 1, "as_of": now}])
        return counted


def _by_council(rolls: CTE, under: CTE, council_ids: Sequence[int] | None) -> Select[Any]:
    md, e = t.mandates.c, t.electorates.c
    members = func.coalesce(rolls.c.members, under.c.members, 0)  # one of the two joins
    query = (
        select(md.council_id, md.faction_id, e.kind, e.seats, func.sum(members))
        .select_from(
            t.mandates.join(t.electorates, e.id == md.electorate_id)
            .outerjoin(rolls, rolls.c.unit_id == e.unit_id)
            .outerjoin(under, under.c.council_id == e.source_council_id)
        )
        .where(md.end_at.is_(None), e.seats > 0)
        .group_by(md.council_id, md.faction_id, e.kind, e.seats)
    )
    return query if council_ids is None else query.where(md.council_id.in_(council_ids))


def _by_faction(rolls: CTE) -> Select[Any]:
    """The unit seats of every council by faction and seats (the federation's popular base)."""
    md, e = t.mandates.c, t.electorates.c
    members = func.sum(func.coalesce(rolls.c.members, 0))
    return (
        select(cast(null(), Integer), md.faction_id, e.kind, e.seats, members)
        .select_from(
            t.mandates.join(t.electorates, e.id == md.electorate_id).outerjoin(
                rolls, rolls.c.unit_id == e.unit_id
            )
        )
        .where(md.end_at.is_(None), e.seats > 0, e.kind == "unit")
        .group_by(md.faction_id, e.kind, e.seats)
    )


def _id(value: Any) -> int | None:
    return None if value is None else int(value)


def _rolls() -> CTE:
    """Each unit's roll, as kept (the sum of its rows)."""
    r = unit_rolls.c
    return select(r.unit_id, func.sum(r.members).label("members")).group_by(r.unit_id).cte("rolls")


def _members_under(rolls: CTE) -> CTE:
    """Each council's members: those on the rolls of every unit under it (its own included):
    each council's own units' rolls, carried up the tree to the chief council."""
    u, c = t.base_units.c, t.councils.c
    own = (
        select(u.council_id, func.sum(rolls.c.members).label("members"))
        .join_from(rolls, t.base_units, u.id == rolls.c.unit_id)
        .group_by(u.council_id)
        .cte("own")
    )
    up = select(own.c.council_id, own.c.members).cte("up", recursive=True)
    parent = select(c.parent_id, up.c.members).join_from(up, t.councils, c.id == up.c.council_id)
    up = up.union_all(parent.where(c.parent_id.is_not(None)))
    total = func.sum(up.c.members).label("members")
    return select(up.c.council_id, total).group_by(up.c.council_id).cte("under")


repositories.REPOSITORIES["alignment"] = AlignmentRepo
