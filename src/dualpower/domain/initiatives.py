"""Initiative from below (DESIGN.md 2.5).

A member drafts a motion in their base unit; the base assembly adopts it; the unit sends it up,
and it becomes an initiative that other units may take up and adopt. A council's support for an
initiative counts the members under it held by those directly below it that adopted it:

- a base unit of the council that adopted it counts its roll;
- a lower council that adopted it counts every member of its territory (all base units under it).

When that support reaches the council's threshold share (default 10 %) of all the members under
the council, the initiative is put on the council's next agenda, once, as a motion of the
council; the council must vote on it. If the council adopts it, the same rule carries it to the
council above, up to the chief council.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_THRESHOLD_BP = 1000  # 10 % of the members under a council


@dataclass
class Initiative:
    id: int
    title: str
    text: str
    origin_unit_id: int
    started_by: int
    started_at: datetime


def reaches(support: int, members_under: int, threshold_bp: int) -> bool:
    """Support from at least the threshold share of the members under the council."""
    return support > 0 and support * 10000 >= threshold_bp * members_under


def needed(members_under: int, threshold_bp: int) -> int:
    return max(1, -(-members_under * threshold_bp // 10000))
