"""The recall path's queries (DESIGN.md 2.2), each one round trip however large the electorate.

No tables of its own: `RecallPathRepo` (`uow.recall_paths`) asks the questions a signature and
the cascade it may set off need, in as few statements as the answer allows, because on
PostgreSQL every statement is a network round trip inside the petition's lock:

- a petition with what it is against (mandate, electorate, council), locked, in one query;
- the roll's size, the valid signatures, and whether the signers may sign, in one query (counts,
  never the set of members);
- every mandate resting on an ended one ended with one statement per level of the cascade, and
  every office term on them with one more;
- the by-elections' rows in one insert, and each by-election's notifications to its electors in
  one `INSERT ... SELECT` from the roll.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    Table,
    bindparam,
    exists,
    func,
    insert,
    select,
    union_all,
)
from sqlalchemy import update as sql_update

from dualpower.domain import model as m
from dualpower.store import repositories
from dualpower.store import tables as t
from dualpower.store.repositories import OnConnection, as_utc
from dualpower.store.typed import tuples

Roll = tuple[str, int]  # ("unit", unit id): its members; ("council", council id): its deputies


def roll_of(electorate: m.Electorate) -> Roll:
    return (electorate.kind, electorate.source_id)


def _roll(
    kind: str, source: Any, member: Any = None, *, frozen: bool = False, verified: bool = False
) -> Select[Any]:
    """Member ids on a roll now (one column, `member_id`); `member` narrows it to one member
    (a value or a bind parameter), or to several (an expanding bind parameter).

    frozen: a unit's roll as it stood at the bind parameter `as_of` and still stands: members
    whose stretch on it began by then (later joiners are not on it; one who left is no longer).
    A council's roll (its deputies) is not frozen: seats change by election, not by the roll's
    keeper. verified: only members verified by the credentials committee."""
    if kind == "unit":
        mm = t.memberships
        query = select(mm.c.member_id.label("member_id")).where(
            mm.c.unit_id == source, mm.c.end_at.is_(None)
        )
        if frozen:
            query = query.where(mm.c.start_at <= bindparam("as_of", type_=mm.c.start_at.type))
        column = mm.c.member_id
    else:
        md = t.mandates
        query = (
            select(md.c.holder_id.label("member_id"))
            .where(md.c.council_id == source, md.c.end_at.is_(None))
            .distinct()
        )
        column = md.c.holder_id
    if verified:
        mb = t.members
        query = query.join(mb, mb.c.id == column).where(mb.c.is_verified.is_(True))
    if isinstance(member, BindParameter) and member.expanding:
        query = query.where(column.in_(member))
    elif member is not None:
        query = query.where(column == member)
    return query


@dataclass(frozen=True)
class RollRule:
    """Who of a roll counts for a petition: frozen at `as_of` (a unit's roll when the petition
    opened), and only verified members where the council's standing orders ask for it."""

    as_of: datetime | None = None
    verified: bool = False

    @property
    def frozen(self) -> bool:
        return self.as_of is not None

    def values(self) -> dict[str, Any]:
        return {"as_of": self.as_of} if self.as_of is not None else {}


NOW = RollRule()


def roll_query(
    roll: Roll, members: Iterable[int] | None = None, rule: RollRule = NOW
) -> Select[Any]:
    """Member ids on a roll (one column, `member_id`), optionally only among `members`; under
    `rule` (bind its `values()`)."""
    kind, source_id = roll
    member: BindParameter[Any] | None = None
    if members is not None:
        member = bindparam("members", list(members), expanding=True)
    return _roll(kind, source_id, member, frozen=rule.frozen, verified=rule.verified)


# The statements of the signature path are built once, with bind parameters: building and
# keying a statement costs more client CPU than the round trip it saves on a busy machine.


@cache
def _petition_statement(lock: bool) -> Select[Any]:
    rp, md, el, co = t.recall_petitions, t.mandates, t.electorates, t.councils
    query = (
        select(
            *_labelled(rp, "p_"), *_labelled(md, "m_"), *_labelled(el, "e_"), *_labelled(co, "c_")
        )
        .select_from(
            rp.outerjoin(md, md.c.id == rp.c.mandate_id)
            .outerjoin(el, el.c.id == md.c.electorate_id)
            .outerjoin(co, co.c.id == md.c.council_id)
        )
        .where(rp.c.id == bindparam("petition_id"))
    )
    return query.with_for_update(of=rp) if lock else query


@cache
def _tally_statement(kind: str, one: bool, frozen: bool, verified: bool) -> Select[Any]:
    sig = t.recall_signatures
    source: BindParameter[Any] = bindparam("source_id")
    rule = {"frozen": frozen, "verified": verified}
    size = select(func.count()).select_from(_roll(kind, source, **rule).subquery())
    valid = (
        select(func.count())
        .select_from(sig)
        .where(
            sig.c.petition_id == bindparam("petition_id"),
            sig.c.member_id.in_(_roll(kind, source, **rule)),
        )
        .scalar_subquery()
    )
    columns = [size.scalar_subquery().label("roll"), valid.label("signatures")]
    if one:
        member: BindParameter[Any] = bindparam("member_id")
        signed = select(sig.c.member_id).where(
            sig.c.petition_id == bindparam("petition_id"), sig.c.member_id == member
        )
        columns += [
            exists(_roll(kind, source, member, **rule)).label("is_elector"),
            exists(signed).label("has_signed"),
        ]
    return select(*columns)


@cache
def _on_roll_statement(kind: str, frozen: bool, verified: bool) -> Select[Any]:
    """Whether one member is on a roll (a ballot cast online asks it)."""
    roll = _roll(
        kind, bindparam("source_id"), bindparam("member_id"), frozen=frozen, verified=verified
    )
    return select(exists(roll))


@cache
def _size_statement(kind: str, frozen: bool, verified: bool) -> Select[Any]:
    roll = _roll(kind, bindparam("source_id"), frozen=frozen, verified=verified)
    return select(func.count()).select_from(roll.subquery())


@cache
def _end_resting_on_statement() -> Any:
    md = t.mandates
    return (
        sql_update(md)
        .where(md.c.depends_on_id.in_(bindparam("mandate_ids", expanding=True)))
        .where(md.c.end_at.is_(None))
        .values(end_at=bindparam("b_at"), end_reason=bindparam("b_reason"))
        .returning(*md.c)
    )


@cache
def _end_terms_statement() -> Any:
    ot = t.office_terms
    return (
        sql_update(ot)
        .where(ot.c.mandate_id.in_(bindparam("mandate_ids", expanding=True)), ot.c.end_at.is_(None))
        .values(end_at=bindparam("b_at"), end_reason=bindparam("b_reason"))
        .returning(ot.c.id, ot.c.mandate_id)
    )


@cache
def _seats_statement() -> Select[Any]:
    el, co = t.electorates, t.councils
    return (
        select(*_labelled(el, "e_"), *_labelled(co, "c_"))
        .join(co, co.c.id == el.c.council_id)
        .where(el.c.id.in_(bindparam("electorate_ids", expanding=True)))
    )


@cache
def _notify_statement(kinds: tuple[str, ...]) -> Any:
    """One INSERT ... SELECT of a notification for everyone on each roll (of these kinds);
    parameters per roll i: source_i, kind_i, subject_i, link_i; and `at`."""
    nt = t.notifications
    parts = []
    for i, kind in enumerate(kinds):
        roll = _roll(kind, bindparam(f"source_{i}")).subquery()
        parts.append(
            select(
                roll.c.member_id,
                bindparam(f"kind_{i}", type_=nt.c.kind.type),
                bindparam(f"subject_{i}", type_=nt.c.subject.type),
                bindparam(f"link_{i}", type_=nt.c.link.type),
                bindparam("at", type_=nt.c.created_at.type),
            )
        )
    source = parts[0] if len(parts) == 1 else union_all(*parts)
    return (
        insert(nt)
        .from_select(["member_id", "kind", "subject", "link", "created_at"], source)
        .returning(nt.c.member_id, nt.c.kind, nt.c.subject, nt.c.link)
    )


_SIGNATURES = insert(t.recall_signatures)
_END_MANDATE = (
    sql_update(t.mandates)
    .where(t.mandates.c.id == bindparam("mandate_id"), t.mandates.c.end_at.is_(None))
    .values(end_at=bindparam("b_at"), end_reason=bindparam("b_reason"))
)
_DECIDE = (
    sql_update(t.recall_petitions)
    .where(
        t.recall_petitions.c.id == bindparam("petition_id"),
        t.recall_petitions.c.status.in_(("open", "vote_open")),
    )
    .values(
        status=bindparam("b_status"),
        decided_at=bindparam("b_at"),
        by_election_id=bindparam("b_by_election"),
    )
)
_SEAT_ELECTIONS = insert(t.elections).returning(
    t.elections.c.id, t.elections.c.electorate_id, t.elections.c.seat_no
)


@dataclass(frozen=True)
class Tally:
    roll: int  # electors on the roll now
    signatures: int  # signatures of electors on the roll now
    eligible: frozenset[int]  # of the members asked about, those on the roll
    signed: frozenset[int]  # of the members asked about, those who have signed already


@dataclass(frozen=True)
class Notice:
    """One notification to everyone on a roll."""

    roll: Roll
    kind: str
    subject: str
    link: str


def _labelled(table: Table, prefix: str) -> list[Any]:
    return [c.label(f"{prefix}{c.name}") for c in table.c]


def _pick(cls: type, row: Any, prefix: str) -> Any:
    data = row._mapping
    if data[f"{prefix}id"] is None:
        return None
    return cls(**{f.name: as_utc(data[f"{prefix}{f.name}"]) for f in fields(cls)})


def _seat(row: Any) -> tuple[Any, Any, Any]:
    """The mandate, its electorate and its council from a row of `_labelled` columns ("m_",
    "e_", "c_"); None each where the row has none."""
    return _pick(m.Mandate, row, "m_"), _pick(m.Electorate, row, "e_"), _pick(m.Council, row, "c_")


class RecallPathRepo(OnConnection):
    def petition(
        self, petition_id: int, *, lock: bool
    ) -> tuple[m.RecallPetition, m.Mandate | None, m.Electorate | None, m.Council | None] | None:
        """The petition, and for one against a mandate that mandate, its electorate and council;
        with lock=True the petition row stays locked until commit (signatures queue on it)."""
        row = self.conn.execute(_petition_statement(lock), {"petition_id": petition_id}).first()
        if row is None:
            return None
        return (_pick(m.RecallPetition, row, "p_"), *_seat(row))

    def mandate_seat(self, mandate_id: int) -> tuple[m.Mandate, m.Electorate, m.Council] | None:
        """A mandate with its electorate and council, in one query."""
        md, el, co = t.mandates, t.electorates, t.councils
        query = (
            select(*_labelled(md, "m_"), *_labelled(el, "e_"), *_labelled(co, "c_"))
            .join(el, el.c.id == md.c.electorate_id)
            .join(co, co.c.id == md.c.council_id)
            .where(md.c.id == mandate_id)
        )
        row = self.conn.execute(query).first()
        return None if row is None else _seat(row)

    def tally(
        self,
        petition_id: int,
        roll: Roll,
        members: Sequence[int] = (),
        rule: RollRule = NOW,
    ) -> Tally:
        """Counts of the roll and of its signatures, and which of `members` may sign and have
        signed: one query for one member, three for a sheet of several. `rule`: the roll as it
        stood when the petition opened, verified members only (see `RollRule`)."""
        kind, source_id = roll
        one = len(members) == 1
        values = {"petition_id": petition_id, "source_id": source_id, **rule.values()}
        if one:
            values["member_id"] = members[0]
        statement = _tally_statement(kind, one, rule.frozen, rule.verified)
        row = self.conn.execute(statement, values).one()
        if one:
            eligible = frozenset(members if row.is_elector else ())
            signed = frozenset(members if row.has_signed else ())
        elif members:
            sig = t.recall_signatures
            eligible = frozenset(
                self.conn.execute(roll_query(roll, members, rule), rule.values()).scalars()
            )
            signed = frozenset(
                self.conn.execute(
                    select(sig.c.member_id).where(
                        sig.c.petition_id == petition_id, sig.c.member_id.in_(list(members))
                    )
                ).scalars()
            )
        else:
            eligible = signed = frozenset()
        return Tally(int(row.roll), int(row.signatures), eligible, signed)

    def is_on_roll(self, roll: Roll, member_id: int, rule: RollRule = NOW) -> bool:
        kind, source_id = roll
        query = _on_roll_statement(kind, rule.frozen, rule.verified)
        values = {"source_id": source_id, "member_id": member_id, **rule.values()}
        return self.conn.execute(query, values).scalar() is True

    def members(
        self, roll: Roll, rule: RollRule = NOW, among: Iterable[int] | None = None
    ) -> set[int]:
        """Member ids on a roll under `rule` (only among `among`, when given): one query."""
        query = roll_query(roll, None if among is None else sorted(set(among)), rule)
        return set(self.conn.execute(query, rule.values()).scalars())

    def size(self, roll: Roll, rule: RollRule = NOW) -> int:
        """How many members are on a roll under `rule`, counted by the database (one query;
        a live turnout asks it once a second per process, so the ids are not fetched)."""
        kind, source_id = roll
        values = {"source_id": source_id, **rule.values()}
        return int(
            self.conn.execute(
                _size_statement(kind, rule.frozen, rule.verified), values
            ).scalar_one()
        )

    def add_signatures(self, petition_id: int, member_ids: Sequence[int], at: datetime) -> None:
        rows = [{"petition_id": petition_id, "member_id": i, "signed_at": at} for i in member_ids]
        self.conn.execute(_SIGNATURES, rows)

    def end_mandate(self, mandate_id: int, at: datetime, reason: str) -> bool:
        """End an active mandate; False when it had ended already (a concurrent end won)."""
        values = {"mandate_id": mandate_id, "b_at": at, "b_reason": reason}
        return self.conn.execute(_END_MANDATE, values).rowcount == 1

    def decide(
        self, petition_id: int, status: str, at: datetime, by_election_id: int | None
    ) -> bool:
        """Move an undecided petition on; False when another act already did."""
        values = {
            "petition_id": petition_id,
            "b_status": status,
            "b_at": at,
            "b_by_election": by_election_id,
        }
        return self.conn.execute(_DECIDE, values).rowcount == 1

    def end_dependants(self, mandate_id: int, at: datetime, reason: str) -> list[m.Mandate]:
        """End every active mandate resting on `mandate_id`, at every level: one statement per
        level (each an index lookup on depends_on_id; a recursive query made SQLite scan every
        mandate), and only above what this act ended. Returns them as they are now."""
        ended: list[m.Mandate] = []
        level = [mandate_id]
        while level:
            values = {"mandate_ids": level, "b_at": at, "b_reason": reason}
            rows = self.conn.execute(_end_resting_on_statement(), values)
            found = [repositories.to_domain(m.Mandate, row) for row in rows]
            ended += found
            level = [md.id for md in found]
        return ended

    def end_terms_on(
        self, mandate_ids: Sequence[int], at: datetime, reason: str
    ) -> list[tuple[int, int]]:
        """End the active office terms held on these mandates; (term id, mandate id) of each."""
        values = {"mandate_ids": list(mandate_ids), "b_at": at, "b_reason": reason}
        rows = tuples(self.conn.execute(_end_terms_statement(), values))
        return sorted((term, mandate) for term, mandate in rows)

    def seats(self, electorate_ids: Iterable[int]) -> dict[int, tuple[m.Electorate, m.Council]]:
        """Electorates with the council whose seats they fill, by electorate id."""
        values = {"electorate_ids": sorted(set(electorate_ids))}
        found = {}
        for row in self.conn.execute(_seats_statement(), values):
            electorate = _pick(m.Electorate, row, "e_")
            found[electorate.id] = (electorate, _pick(m.Council, row, "c_"))
        return found

    def add_seat_elections(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert elections of one seat each, distinct (electorate, seat): one statement on both
        databases; their ids, in the order of `rows`."""
        ids = {(e, s): int(i) for i, e, s in tuples(self.conn.execute(_SEAT_ELECTIONS, list(rows)))}
        return [ids[(row["electorate_id"], row["seat_no"])] for row in rows]

    def notify_rolls(
        self, notices: Sequence[Notice], at: datetime
    ) -> list[tuple[int, str, str, str]]:
        """A notification row for every elector on each notice's roll (one INSERT ... SELECT);
        returns (member id, kind, subject, link) of each row written."""
        if not notices:
            return []
        values: dict[str, Any] = {"at": at}
        for i, notice in enumerate(notices):
            values[f"source_{i}"] = notice.roll[1]
            values[f"kind_{i}"] = notice.kind
            values[f"subject_{i}"] = notice.subject[:300]
            values[f"link_{i}"] = notice.link
        statement = _notify_statement(tuple(notice.roll[0] for notice in notices))
        return [
            (int(i), kind, subject, link)
            for i, kind, subject, link in tuples(self.conn.execute(statement, values))
        ]


repositories.REPOSITORIES["recall_paths"] = RecallPathRepo
