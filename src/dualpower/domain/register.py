"""The dual power register and the Order No. 1 rule (DESIGN.md 2.6).

- An authority's directives are recorded with source and date. Any council takes a stance on a
  directive: endorse, support conditionally ("in so far as", with the conditions) or
  countermand (with its own counter-order, if any). A new stance supersedes the council's
  previous one; none is ever overwritten, so the register keeps every stance's history.
- The Order No. 1 rule (Petrograd Soviet, 1 March 1917: orders of the government are carried out
  only when they do not contradict the orders of the Soviet): a directive binds the members of a
  council only if no council on the path from it up to the chief council has countermanded it,
  by its *current* stance. A member is bound through their unit's base council.

`binding` is a pure function of the council tree (child -> parent) and the current stances.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dualpower.domain.errors import InvalidRequest

ENDORSE = "endorse"
SUPPORT_CONDITIONALLY = "support_conditionally"
COUNTERMAND = "countermand"
KINDS = (ENDORSE, SUPPORT_CONDITIONALLY, COUNTERMAND)

# Between 1 March 1900 and 28 February 2100 the Julian calendar runs 13 days behind.
JULIAN_LAG = timedelta(days=13)


@dataclass(frozen=True)
class Stance:
    """One council's stance on one directive, as decided at `decided_at`."""

    id: int
    directive_id: int
    council_id: int
    kind: str
    decided_at: datetime
    conditions: str = ""
    counter_order: str = ""
    superseded_by: int | None = None

    @property
    def is_current(self) -> bool:
        return self.superseded_by is None


@dataclass(frozen=True)
class Because:
    """Why a directive does not bind: this council countermanded it at that moment."""

    council_id: int
    decided_at: datetime
    stance_id: int


@dataclass(frozen=True)
class Binding:
    binding: bool
    because: tuple[Because, ...]  # empty when binding; nearest council first


def check_stance(kind: str, conditions: str, counter_order: str) -> None:
    """The shape a stance must have; InvalidRequest otherwise."""
    if kind not in KINDS:
        raise InvalidRequest(f"a stance is one of {', '.join(KINDS)}, not {kind!r}")
    if kind == SUPPORT_CONDITIONALLY and not conditions.strip():
        raise InvalidRequest("support in so far as ... what? give the conditions")
    if kind != SUPPORT_CONDITIONALLY and conditions.strip():
        raise InvalidRequest("only a conditional support carries conditions")
    if kind != COUNTERMAND and counter_order.strip():
        raise InvalidRequest("only a countermand carries a counter-order")


def path_up(council_id: int, parent_of: Mapping[int, int | None]) -> list[int]:
    """The council and every council above it, up to the chief (a cycle is refused)."""
    path: list[int] = []
    current: int | None = council_id
    while current is not None:
        if current in path:
            raise ValueError(f"the council tree has a cycle through council {current}")
        path.append(current)
        current = parent_of[current]
    return path


def current_stances(history: Iterable[Stance]) -> dict[tuple[int, int], Stance]:
    """(directive, council) -> the stance in force: the one nothing superseded."""
    return {(s.directive_id, s.council_id): s for s in history if s.is_current}


def binding(
    directive_id: int,
    base_council_id: int,
    parent_of: Mapping[int, int | None],
    current: Mapping[tuple[int, int], Stance],
) -> Binding:
    """Does the directive bind the members of `base_council_id`? (The Order No. 1 rule.)"""
    because = tuple(
        Because(council_id, stance.decided_at, stance.id)
        for council_id in path_up(base_council_id, parent_of)
        if (stance := current.get((directive_id, council_id))) is not None
        and stance.kind == COUNTERMAND
    )
    return Binding(not because, because)


def new_style(old_style_day: date) -> date:
    """The Gregorian date of a Julian (Old Style) date of 1900-2099."""
    return old_style_day + JULIAN_LAG


def old_style(moment: date | datetime) -> date:
    """The Julian (Old Style) date of a Gregorian date or UTC moment of 1900-2099."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - JULIAN_LAG


def is_revolutionary_era(day: date | datetime) -> bool:
    """Dates before Russia's switch (1 February 1918 Old Style) are shown in both styles."""
    return day.year <= 1918
