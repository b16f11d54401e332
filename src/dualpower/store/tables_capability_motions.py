"""Capability motions (DESIGN.md 2.9): a council gives one of its offices a capability, or takes
it back, by a motion it adopts; adopted, the office's capabilities change in the adoption's
transaction (services/capability_motions.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, String, select

from dualpower.store import repositories
from dualpower.store.tables import _at, _fk, table

capability_motions = table(
    "capability_motions",
    _fk("motion_id", "motions.id", primary_key=True),
    _fk("office_id", "offices.id", index=True),
    Column("capability", String(40), nullable=False),
    Column("gives", Boolean, nullable=False),  # false: the office loses the capability
    _at("applied_at", nullable=True),
)


class CapabilityMotionRepo:
    def __init__(self, conn: Any):
        self.conn = conn

    def add(self, motion_id: int, office_id: int, capability: str, gives: bool) -> None:
        self.conn.execute(
            capability_motions.insert().values(
                motion_id=motion_id, office_id=office_id, capability=capability, gives=gives
            )
        )

    def of_motion(self, motion_id: int) -> dict[str, Any] | None:
        """What a capability motion changes; None for any other motion."""
        cm = capability_motions
        row = self.conn.execute(select(cm).where(cm.c.motion_id == motion_id)).mappings().first()
        return dict(row) if row else None

    def applied(self, motion_id: int, at: datetime) -> bool:
        """Mark it applied; False when it was applied already."""
        return repositories.applied_once(self.conn, capability_motions, motion_id, at)


repositories.REPOSITORIES["capability_motions"] = CapabilityMotionRepo
