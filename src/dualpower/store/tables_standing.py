"""Standing-orders motions: what an adopted motion changes in a council's standing orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column

from dualpower.store import repositories
from dualpower.store.tables import motion_kind

standing_order_motions = motion_kind(
    "standing_order_motions",
    Column("changes", JSON, nullable=False),  # {rule: value}
)


class StandingMotionRepo(repositories.MotionKindRepo):
    """A standing-orders motion's change is its `changes`: {rule: value}."""

    table, what = standing_order_motions, "changes"

    def add(self, motion_id: int, changes: dict[str, Any]) -> None:
        self._add(motion_id, changes=changes)


repositories.REPOSITORIES["standing_motions"] = StandingMotionRepo
