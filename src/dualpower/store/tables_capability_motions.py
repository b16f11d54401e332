"""Capability motions (DESIGN.md 2.9): a council gives one of its offices a capability, or takes
it back, by a motion it adopts; adopted, the office's capabilities change in the adoption's
transaction (services/capability_motions.py)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, String

from dualpower.store import repositories
from dualpower.store.tables import _fk, motion_kind

capability_motions = motion_kind(
    "capability_motions",
    _fk("office_id", "offices.id", index=True),
    Column("capability", String(40), nullable=False),
    Column("gives", Boolean, nullable=False),  # false: the office loses the capability
)


class CapabilityMotionRepo(repositories.MotionKindRepo):
    table = capability_motions

    def add(self, motion_id: int, office_id: int, capability: str, gives: bool) -> None:
        self._add(motion_id, office_id=office_id, capability=capability, gives=gives)


repositories.REPOSITORIES["capability_motions"] = CapabilityMotionRepo
