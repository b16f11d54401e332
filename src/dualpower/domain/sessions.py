"""Sessions of a council and base assemblies (issue 5).

- A council's session is convened by a holder of the capability `convene_session`, with an
  agenda; it is then opened and closed by such a holder. Each deputy registers their own
  attendance, once. The quorum is a majority of the filled seats present (deputies holding a
  mandate in force who registered). Votes are opened, cast and closed only while the session is
  open and quorate.
- A base assembly: any member of a base unit may call the assembly's vote on a motion put in
  the unit; the members on the roll vote; the caller closes it. Its quorum is a share of the
  roll taking part (yes, no or abstain), set in the unit's standing orders: 10 % by default.
- A session's record counts against the mandates held at the session (in force at its close,
  or now while it is not closed), not today's: a deputy recalled since still counts as present
  and their seat as filled, a deputy elected since does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dualpower.domain.errors import Conflict

DEFAULT_ASSEMBLY_QUORUM_BP = 1000  # 10 % of the roll, in basis points
STATUSES = ("convened", "open", "closed")


@dataclass
class Session:
    id: int
    council_id: int
    title: str
    convened_by: int
    convened_at: datetime
    status: str
    opened_at: datetime | None = None
    closed_at: datetime | None = None


class _Held(Protocol):
    @property
    def holder_id(self) -> int: ...
    @property
    def start_at(self) -> datetime: ...
    @property
    def end_at(self) -> datetime | None: ...


def holders_at(mandates: Iterable[_Held], at: datetime) -> set[int]:
    """The holders of the mandates in force at `at` (started by then, not ended by then)."""
    return {
        md.holder_id
        for md in mandates
        if md.start_at <= at and (md.end_at is None or md.end_at > at)
    }


def session_moment(session: Session, now: datetime) -> datetime:
    """The moment a session's record is counted at: its close, or now while it is not closed."""
    return session.closed_at if session.closed_at is not None else now


def has_quorum(present: int, filled_seats: int) -> bool:
    """A majority of the filled seats is present."""
    return filled_seats > 0 and 2 * present > filled_seats


def quorum_needed(filled_seats: int) -> int:
    return filled_seats // 2 + 1


def assembly_quorum_needed(roll: int, quorum_bp: int) -> int:
    """Voters needed for a base assembly's decision: the share of the roll, rounded up, >= 1."""
    return max(1, -(-roll * quorum_bp // 10000))


class NoQuorum(Conflict):
    """The session (or the assembly) lacks its quorum: nothing can be decided (HTTP 409)."""
