"""Stance motions (DESIGN.md 2.6, 2.9): a council's stance on a directive put to it as a motion;
adopted, the stance is taken in the adoption's transaction (services/stance_motions.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String, select

from dualpower.store import repositories
from dualpower.store.tables import _fk, motion_kind

stance_motions = motion_kind(
    "stance_motions",
    _fk("directive_id", "directives.id", index=True),
    Column("kind", String(30), nullable=False),
    Column("detail", JSON, nullable=False),  # {"conditions": ..., "counter_order": ...}
    _fk("stance_id", "stances.id", nullable=True),
)


class StanceMotionRepo(repositories.MotionKindRows):
    table = stance_motions

    def add(self, motion_id: int, directive_id: int, kind: str, detail: dict[str, str]) -> None:
        self._add(motion_id, directive_id=directive_id, kind=kind, detail=detail)

    def of_motion(self, motion_id: int) -> dict[str, Any] | None:
        """The stance a stance motion takes; None for any other motion."""
        return self._row(motion_id)

    def applied(self, motion_id: int, stance_id: int, at: datetime) -> bool:
        """Mark it applied, with the stance it took; False when it was applied already."""
        return self._applied(motion_id, at, stance_id=stance_id)

    def of_directive(self, directive_id: int) -> list[dict[str, Any]]:
        sm = stance_motions
        query = select(sm).where(sm.c.directive_id == directive_id).order_by(sm.c.motion_id)
        return [dict(r) for r in self.conn.execute(query).mappings()]


repositories.REPOSITORIES["stance_motions"] = StanceMotionRepo
