"""Structure (DESIGN.md 2.10): what an adopted structure motion changes in the federation's units,
and who registered or joined a faction (a faction registers by its members' act)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, delete, func, insert, select, update

from dualpower.store import repositories
from dualpower.store import tables as t
from dualpower.store.repositories import OnConnection
from dualpower.store.tables import _at, motion_kind, per_member
from dualpower.store.typed import tuples

structure_motions = motion_kind(
    "structure_motions",
    Column("change", JSON, nullable=False),  # domain/structure.py check_change's shape
)


faction_members = per_member(
    "faction_members", "faction_id", "factions.id", _at("joined_at"), index=True
)


class FactionMemberRepo(OnConnection):
    def add(self, faction_id: int, member_id: int, at: datetime) -> None:
        """Raises IntegrityError when the member has joined already."""
        self.conn.execute(
            insert(faction_members).values(faction_id=faction_id, member_id=member_id, joined_at=at)
        )

    def remove(self, faction_id: int, member_id: int) -> bool:
        """False when the member was not in the faction."""
        fm = faction_members
        done = self.conn.execute(
            delete(fm).where(fm.c.faction_id == faction_id, fm.c.member_id == member_id)
        )
        return bool(done.rowcount == 1)

    def is_member(self, faction_id: int, member_id: int) -> bool:
        fm = faction_members
        query = select(fm.c.member_id).where(
            fm.c.faction_id == faction_id, fm.c.member_id == member_id
        )
        return self.conn.execute(query).first() is not None

    def count(self, faction_id: int) -> int:
        fm = faction_members
        query = select(func.count()).select_from(fm).where(fm.c.faction_id == faction_id)
        return int(self.conn.execute(query).scalar_one())


class StructureMotionRepo(repositories.MotionKindRepo):
    """A structure motion's change is its `change` (domain/structure.py check_change's shape)."""

    table, what = structure_motions, "change"

    def add(self, motion_id: int, change: dict[str, Any]) -> None:
        self._add(motion_id, change=change)

    def move_members(
        self, member_ids: list[int] | None, from_unit: int, to_unit: int, at: datetime, reason: str
    ) -> list[int]:
        """End the active memberships of `from_unit` (of these members only, when given) with
        `reason` and start new ones on `to_unit` at the same instant: two statements. Returns
        the members moved, in id order."""
        mm = t.memberships
        where = [mm.c.unit_id == from_unit, mm.c.end_at.is_(None)]
        if member_ids is not None:
            where.append(mm.c.member_id.in_(sorted(set(member_ids))))
        ended = update(mm).where(*where).values(end_at=at, end_reason=reason)
        moved = sorted(
            int(i) for (i,) in tuples(self.conn.execute(ended.returning(mm.c.member_id)))
        )
        if moved:
            self.conn.execute(
                insert(mm), [{"member_id": i, "unit_id": to_unit, "start_at": at} for i in moved]
            )
        return moved

    def all(self) -> list[tuple[int, dict[str, Any], datetime | None]]:
        sm = structure_motions
        rows = self.conn.execute(select(sm).order_by(sm.c.motion_id))
        return [(int(r.motion_id), dict(r.change), r.applied_at) for r in rows]


repositories.REPOSITORIES["structure_motions"] = StructureMotionRepo
repositories.REPOSITORIES["faction_members"] = FactionMemberRepo
