"""Standing-orders motions: what an adopted motion changes in a council's standing orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, select

from dualpower.store import repositories
from dualpower.store.tables import _at, _fk, table

standing_order_motions = table(
    "standing_order_motions",
    _fk("motion_id", "motions.id", primary_key=True),
    Column("changes", JSON, nullable=False),  # {rule: value}
    _at("applied_at", nullable=True),
)


class StandingMotionRepo:
    def __init__(self, conn: Any):
        self.conn = conn

    def add(self, motion_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(
            standing_order_motions.insert().values(motion_id=motion_id, changes=changes)
        )

    def of_motion(self, motion_id: int) -> dict[str, Any] | None:
        """The changes a standing-orders motion makes; None for any other motion."""
        som = standing_order_motions
        row = self.conn.execute(select(som.c.changes).where(som.c.motion_id == motion_id)).first()
        return dict(row[0]) if row else None

    def applied(self, motion_id: int, at: datetime) -> bool:
        """Mark it applied; False when it was applied already."""
        return repositories.applied_once(self.conn, standing_order_motions, motion_id, at)


repositories.REPOSITORIES["standing_motions"] = StandingMotionRepo
