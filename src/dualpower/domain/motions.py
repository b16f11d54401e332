"""Motions and their majorities (DESIGN.md 1 "motion", issue 5).

A motion is put in a council (voted by its deputies in a session) or in a base unit (voted by
its members in the base assembly). Amendments are voted before their motion. Each motion has a
majority type:

- simple: more yes than no (abstentions do not count either way);
- absolute: yes from more than half of the filled seats (in a base assembly: of the roll);
- two_thirds: yes from at least two thirds of the votes cast, where the votes cast are the yes
  and no votes (an abstention is not a vote cast, as in Robert's Rules); at least one yes.

Every vote is roll-call (each voter's position public) unless the standing orders of the council
or unit allow a secret vote and the motion asks for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from dualpower.domain import errors

Majority = Literal["simple", "absolute", "two_thirds"]
Position = Literal["yes", "no", "abstain"]
MAJORITIES: tuple[str, ...] = ("simple", "absolute", "two_thirds")
POSITIONS: tuple[str, ...] = ("yes", "no", "abstain")
UNDECIDED = ("draft", "voting")


def check_majority(majority: str) -> None:
    """Refuse a majority type that is not one of the three."""
    if majority not in MAJORITIES:
        raise errors.InvalidRequest(f"majority is one of {', '.join(MAJORITIES)}")


@dataclass
class Motion:
    id: int
    unit_id: int | None
    council_id: int | None
    author_id: int | None
    title: str
    text: str
    majority: str
    status: str  # draft | voting | adopted | rejected
    created_at: datetime
    parent_id: int | None = None
    initiative_id: int | None = None
    instructs_motion_id: int | None = None
    instructs_position: str | None = None
    is_secret: bool = False
    session_id: int | None = None
    vote_called_by: int | None = None
    vote_opened_at: datetime | None = None
    decided_at: datetime | None = None
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    seats: int | None = None

    @property
    def is_decided(self) -> bool:
        return self.status not in UNDECIDED

    @property
    def is_amendment(self) -> bool:
        return self.parent_id is not None


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    abstain: int

    @property
    def recorded(self) -> int:
        return self.yes + self.no + self.abstain


def is_adopted(majority: str, tally: Tally, seats: int) -> bool:
    """The majority rule of the motion's type; `seats` is the filled seats (or the roll)."""
    if majority == "simple":
        return tally.yes > tally.no
    if majority == "absolute":
        return 2 * tally.yes > seats
    if majority == "two_thirds":
        return tally.yes > 0 and 3 * tally.yes >= 2 * (tally.yes + tally.no)
    raise ValueError(f"unknown majority {majority!r}")


def rule_text(majority: str, seats: int) -> str:
    """The rule in words, for the minutes and the pages."""
    if majority == "simple":
        return "a simple majority: more yes than no"
    if majority == "absolute":
        return f"an absolute majority: more than half of {seats} filled seats ({seats // 2 + 1})"
    return "two thirds of the votes cast (yes and no; abstentions are not votes cast)"


@dataclass
class Instruction:
    """An imperative mandate (DESIGN.md 2.3): the deputies of `electorate_id` must vote
    `position` on `motion_id`; adopted by the electorate's own vote on `adopted_by_motion_id`."""

    id: int
    electorate_id: int
    motion_id: int
    position: str
    adopted_by_motion_id: int
    adopted_at: datetime


@dataclass
class Breach:
    """A deputy's recorded vote against an instruction of their electorate."""

    id: int
    instruction_id: int
    mandate_id: int
    member_id: int
    position_cast: str
    recorded_at: datetime


def breaks(instructed: str, cast: str) -> bool:
    return instructed != cast
