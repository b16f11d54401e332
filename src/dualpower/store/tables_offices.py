"""Offices and pay (DESIGN.md 2.4): the wages base units report, the stipend motions of
councils, and the repositories of office terms, wages and stipend motions.

One current wage per member (the key is the member): a unit's report replaces what it reported
before, and a member reported by a new unit moves there. The history is in the audit log.

A stipend is the council's: a stipend motion is a motion of the council (its row in `motions`)
with the office and the amount it would set; `applied_at` is set in the transaction that adopts
it. Row locks (`PayLockRepo`) serialize the acts that change what one person is paid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Integer,
    String,
    delete,
    func,
    or_,
    select,
    update,
)

from dualpower.domain.offices import OfficeTerm
from dualpower.store import repositories
from dualpower.store.repositories import OnConnection, _Repo, to_domain
from dualpower.store.tables import (
    _at,
    _fk,
    audit_log,
    members,
    motion_kind,
    office_terms,
    offices,
    table,
)
from dualpower.store.typed import tuples

wages = table(
    "wages",
    _fk("member_id", "members.id", primary_key=True),
    _fk("unit_id", "base_units.id", index=True),
    Column("amount", Integer, nullable=False),
    _at("reported_at"),
    CheckConstraint("amount >= 0", name="amount"),
)

stipend_motions = motion_kind(
    "stipend_motions",
    _fk("office_id", "offices.id", index=True),
    Column("amount", Integer, nullable=False),
    CheckConstraint("amount >= 0", name="amount"),
    later=(
        # Adopted when the cap had fallen below it: the vote stands, the stipend is not paid.
        Column("lapsed_reason", String(300), nullable=True),
        # The office's stipend when the motion was put (its text says "now ..."; 0032_h25)
        Column("previous", Integer, nullable=True),
    ),
)


class OfficeTermRepo(_Repo[OfficeTerm]):
    table, model = office_terms, OfficeTerm

    def active(self, *where: Any) -> list[OfficeTerm]:
        return self.list(office_terms.c.end_at.is_(None), *where)

    def active_of_office(self, office_id: int) -> OfficeTerm | None:
        found = self.active(office_terms.c.office_id == office_id)
        return found[0] if found else None

    def active_of_holder(self, member_id: int) -> list[OfficeTerm]:
        return self.active(office_terms.c.holder_id == member_id)

    def ever_held(self, office_id: int) -> bool:
        query = select(office_terms.c.id).where(office_terms.c.office_id == office_id).limit(1)
        return self.conn.execute(query).first() is not None

    def end(self, term_id: int, at: datetime, reason: str) -> bool:
        """End an active term; False when it had already ended (a concurrent end won)."""
        this = office_terms.c.id == term_id
        return (
            repositories.in_force(self.conn, office_terms, this, end_at=at, end_reason=reason) == 1
        )

    def vacated(self) -> list[int]:
        """Offices that had a holder and have none now."""
        ot = office_terms
        held_now = select(ot.c.office_id).where(ot.c.end_at.is_(None))
        query = (
            select(ot.c.office_id)
            .where(ot.c.office_id.not_in(held_now))
            .group_by(ot.c.office_id)
            .order_by(ot.c.office_id)
        )
        return list(self.conn.execute(query).scalars())

    def of_council(self, council_id: int) -> list[OfficeTerm]:
        query = (
            select(office_terms)
            .join(offices, offices.c.id == office_terms.c.office_id)
            .where(offices.c.council_id == council_id, office_terms.c.end_at.is_(None))
            .order_by(office_terms.c.id)
        )
        return [to_domain(OfficeTerm, row) for row in self.conn.execute(query)]


class WageRepo(OnConnection):
    """Current wages, one a member."""

    def replace_unit(self, unit_id: int, amounts: dict[int, int], at: datetime) -> None:
        """The unit's report replaces its previous one; a member it names moves to it."""
        members = list(amounts)
        self.conn.execute(
            delete(wages).where(or_(wages.c.unit_id == unit_id, wages.c.member_id.in_(members)))
        )
        if amounts:
            self.conn.execute(
                wages.insert(),
                [
                    {"member_id": m, "unit_id": unit_id, "amount": a, "reported_at": at}
                    for m, a in amounts.items()
                ],
            )

    def amounts(self, unit_ids: Iterable[int] | None = None) -> list[int]:
        """Every current wage, or those reported by these units."""
        query = select(wages.c.amount)
        if unit_ids is not None:
            query = query.where(wages.c.unit_id.in_(list(unit_ids)))
        return list(self.conn.execute(query).scalars())

    def amounts_by_unit(self) -> dict[int | None, list[int]]:
        """Every current wage, by the unit that reported it (one read for every median)."""
        found: dict[int | None, list[int]] = {}
        for unit_id, amount in tuples(self.conn.execute(select(wages.c.unit_id, wages.c.amount))):
            found.setdefault(unit_id, []).append(amount)
        return found

    def by_unit(self) -> dict[int, tuple[int, datetime | None]]:
        """Unit id -> (members reported, when last reported)."""
        query = select(wages.c.unit_id, func.count(), func.max(wages.c.reported_at)).group_by(
            wages.c.unit_id
        )
        return {u: (n, repositories.as_utc(at)) for u, n, at in tuples(self.conn.execute(query))}


class StipendMotionRepo(repositories.MotionKindRows):
    """What a stipend motion would set, and when its adoption set it."""

    table = stipend_motions

    def add(self, motion_id: int, office_id: int, amount: int, previous: int | None) -> None:
        self._add(motion_id, office_id=office_id, amount=amount, previous=previous)

    def previous(self, motion_id: int) -> int | None:
        """The office's stipend when the stipend motion was put; None if not known."""
        sm = stipend_motions
        found = self.conn.execute(select(sm.c.previous).where(sm.c.motion_id == motion_id))
        previous = found.scalar_one_or_none()
        return None if previous is None else int(previous)

    def of_motion(self, motion_id: int) -> tuple[int, int, datetime | None] | None:
        """(office id, amount, applied at) of a stipend motion; None for any other motion."""
        row = self._row(motion_id)
        if row is None:
            return None
        return row["office_id"], row["amount"], repositories.as_utc(row["applied_at"])

    def applied(self, motion_id: int, at: datetime) -> bool:
        """Mark it applied; False when it was applied already."""
        return self._applied(motion_id, at)

    def lapsed(self, motion_id: int, reason: str) -> bool:
        """Record that the adopted motion could not be applied (above the cap at adoption)."""
        sm = stipend_motions
        result = self.conn.execute(
            update(sm)
            .where(sm.c.motion_id == motion_id, sm.c.applied_at.is_(None))
            .where(sm.c.lapsed_reason.is_(None))
            .values(lapsed_reason=reason[:300])
        )
        return bool(result.rowcount == 1)

    def latest_applied(self) -> dict[int, tuple[int, int]]:
        """Office id -> (motion id, amount) of the stipend motion applied last to it."""
        sm = stipend_motions
        query = (
            select(sm.c.office_id, sm.c.motion_id, sm.c.amount)
            .where(sm.c.applied_at.is_not(None))
            .order_by(sm.c.applied_at, sm.c.motion_id)
        )
        rows = tuples(self.conn.execute(query))
        return {office: (motion, amount) for office, motion, amount in rows}

    def founding_stipends(self) -> dict[int, int]:
        """Office id -> the stipend the founding bootstrap gave it (from the audit log)."""
        query = select(audit_log.c.payload).where(
            audit_log.c.act == "office.create", audit_log.c.actor == "founding"
        )
        out = {}
        for (payload,) in tuples(self.conn.execute(query)):
            entry = json.loads(payload)
            out[int(entry["office"])] = int(entry["stipend"])
        return out

    def all(self) -> list[dict[str, Any]]:
        """Every stipend motion: motion id, office id, amount, applied at."""
        query = select(stipend_motions).order_by(stipend_motions.c.motion_id)
        return [dict(row._mapping) for row in self.conn.execute(query)]


class PayLockRepo(OnConnection):
    """Row locks (SELECT ... FOR UPDATE on PostgreSQL; SQLite's writers are serial already):
    an office before its holder, offices in id order, so two acts never wait on each other."""

    def office(self, office_id: int) -> None:
        self.conn.execute(select(offices.c.id).where(offices.c.id == office_id).with_for_update())

    def all_offices(self) -> None:
        self.conn.execute(select(offices.c.id).order_by(offices.c.id).with_for_update()).all()

    def member(self, member_id: int) -> None:
        self.conn.execute(select(members.c.id).where(members.c.id == member_id).with_for_update())


repositories.REPOSITORIES["office_terms"] = OfficeTermRepo
repositories.REPOSITORIES["stipend_motions"] = StipendMotionRepo
repositories.REPOSITORIES["pay_locks"] = PayLockRepo
repositories.REPOSITORIES["wages"] = WageRepo
