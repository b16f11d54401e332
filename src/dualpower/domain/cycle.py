"""The cycle runs itself (DESIGN.md 2.9): every vote has its windows, and nobody chooses the
moment it closes.

A vote opens with nominations (candidacies are taken until `nominations_close_at`), then voting
(ballots from then until `closes_at`). A recall vote has no nominations: its voting opens at once.
Once open, a vote closes at its time, or earlier only when every elector has voted; the clock
(services/due.py) closes it, not a person. The windows are the council's standing orders
(plan field `windows`, changed by an adopted motion).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dualpower.domain import errors

DEFAULT_NOMINATIONS_SECONDS = 3 * 24 * 3600
DEFAULT_VOTING_SECONDS = 7 * 24 * 3600
DEFAULT_SESSION_VOTE_SECONDS = 15 * 60  # a vote in session, once called
CLOCK = "clock"  # the actor of every act the clock does
PLAIN_MOMENT = "%Y-%m-%d %H:%M UTC"  # a moment as people read it in a mail or a notice


def plain_moment(at: datetime) -> str:
    """A moment for people (a mail's subject, a notice): to the minute, in UTC, no ISO "T"."""
    return at.astimezone(UTC).strftime(PLAIN_MOMENT)


@dataclass(frozen=True)
class Windows:
    """How long nominations and voting run, in seconds (any positive number)."""

    nominations_seconds: int = DEFAULT_NOMINATIONS_SECONDS
    voting_seconds: int = DEFAULT_VOTING_SECONDS

    def __post_init__(self) -> None:
        for name in ("nominations_seconds", "voting_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise errors.InvalidRequest(f"windows: {name} must be a positive whole number")


@dataclass(frozen=True)
class Schedule:
    nominations_close_at: datetime
    closes_at: datetime


def schedule(now: datetime, windows: Windows, *, nominations: bool = True) -> Schedule:
    """When a vote opened now stops taking candidacies and closes. Without nominations (a
    recall vote) voting opens at once."""
    voting_opens = now + timedelta(seconds=windows.nominations_seconds) if nominations else now
    return Schedule(voting_opens, voting_opens + timedelta(seconds=windows.voting_seconds))


def check_nominations(now: datetime, nominations_close_at: datetime | None) -> None:
    """Conflict once nominations have closed."""
    if nominations_close_at is not None and now >= nominations_close_at:
        raise errors.Conflict(
            f"nominations closed at {nominations_close_at.isoformat()}: voting is under way"
        )


def check_voting(
    now: datetime, nominations_close_at: datetime | None, closes_at: datetime | None
) -> None:
    """Conflict unless ballots are taken now."""
    if nominations_close_at is not None and now < nominations_close_at:
        raise errors.Conflict(
            f"voting opens at {nominations_close_at.isoformat()}, when nominations close"
        )
    if closes_at is not None and now >= closes_at:
        raise errors.Conflict(f"voting closed at {closes_at.isoformat()}")


def is_due(now: datetime, closes_at: datetime | None, voted: int, electors: int) -> bool:
    """Whether an open vote closes now: its time has come, or every elector has voted."""
    if closes_at is not None and now >= closes_at:
        return True
    return electors > 0 and voted >= electors


def refuse_early_close(
    now: datetime, closes_at: datetime | None, voted: int, electors: int
) -> None:
    """Nobody chooses the moment a vote closes: Conflict while electors are still to vote and
    its time has not come."""
    if is_due(now, closes_at, voted, electors):
        return
    when = (
        f" at {closes_at.isoformat()}" if closes_at is not None else " when every elector has voted"
    )
    raise errors.Conflict(
        f"this vote closes{when}, or earlier only when every elector has voted "
        f"({voted} of {electors} have)"
    )
