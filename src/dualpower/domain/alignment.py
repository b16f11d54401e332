"""The alignment of forces (DESIGN.md 2.7): seats by faction, the majority, how both changed,
and the popular base of each faction.

- Seats by faction of a council: its active mandates counted by faction (a deputy of no faction
  counts under `NO_FACTION`, which never holds a majority).
- The majority: the faction holding more than half of the *filled* seats; else none.
- The federation's seats: the seats of every base-unit electorate (the seats members elect
  directly, wherever they sit), so that no member's vote is counted twice through delegates.
- Change over time: from mandate history (start_at, end_at); a step at every moment a council's
  composition changed.
- The popular base of a faction in a council: the members its deputies there represent. A
  deputy elected by a base unit represents the unit's roll divided by the unit's seats; a
  delegate elected by a lower council represents every member on the rolls of the units under
  that council, divided by the seats that council fills above. Summed over a faction's deputies.
  Vacant seats represent nobody; in the federation, a faction's base is its share of the unit
  seats, so the bases add up to the members whose seats are filled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

NO_FACTION = "no faction"


def majority(counts: Mapping[str, int]) -> str | None:
    """The faction holding more than half of the filled seats, else None."""
    filled = sum(counts.values())
    for name, n in counts.items():
        if 2 * n > filled and name != NO_FACTION:
            return name
    return None


def ordered(counts: Mapping[str, int]) -> dict[str, int]:
    """Largest first, then by name; factions with no seat left out."""
    return dict(sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class Snapshot:
    council_id: int | None  # None: the federation
    composition: dict[str, int]
    majority: str | None

    @property
    def filled(self) -> int:
        return sum(self.composition.values())


def snapshot(counts: Mapping[str, int], council_id: int | None = None) -> Snapshot:
    """A council's (or, with no id, the federation's) from its seats by faction."""
    return Snapshot(council_id, ordered(counts), majority(counts))


def snapshots(
    rows: Iterable[tuple[int, str, int]], council_ids: Iterable[int]
) -> dict[int, Snapshot]:
    """Per council, from (council_id, faction, seats) aggregate rows."""
    by_council: dict[int, dict[str, int]] = {c: {} for c in council_ids}
    for council_id, faction, n in rows:
        counts = by_council.setdefault(council_id, {})
        counts[faction] = counts.get(faction, 0) + n
    return {c: snapshot(counts, c) for c, counts in by_council.items()}


def federation(rows: Iterable[tuple[str, int]]) -> Snapshot:
    """From (faction, seats) rows over the base-unit seats of every council."""
    counts: dict[str, int] = defaultdict(int)
    for faction, n in rows:
        counts[faction] += n
    return snapshot(counts)


@dataclass(frozen=True)
class Tenure:
    """A mandate reduced to what its history needs (or `seats` mandates of one council and
    faction that began and ended at the same times)."""

    council_id: int
    faction: str
    start_at: datetime
    end_at: datetime | None
    seats: int = 1


@dataclass(frozen=True)
class Step:
    at: datetime
    composition: dict[str, int]
    majority: str | None


def history(tenures: Iterable[Tenure]) -> dict[int, list[Step]]:
    """Per council, its composition after every moment it changed (oldest first). A mandate
    ending and another starting at the same moment make one step."""
    events: dict[int, dict[datetime, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for t in tenures:
        at_start = events[t.council_id][t.start_at]
        at_start[t.faction] = at_start.get(t.faction, 0) + t.seats
        if t.end_at is not None:
            at_end = events[t.council_id][t.end_at]
            at_end[t.faction] = at_end.get(t.faction, 0) - t.seats
    out: dict[int, list[Step]] = {}
    for council_id, moments in events.items():
        counts: dict[str, int] = defaultdict(int)
        steps: list[Step] = []
        for at in sorted(moments):
            for faction, delta in moments[at].items():
                counts[faction] += delta
            now = ordered(counts)
            if steps and steps[-1].composition == now:
                continue
            steps.append(Step(at, now, majority(now)))
        out[council_id] = steps
    return out


def majority_changes(steps: list[Step]) -> list[Step]:
    """The steps at which the majority changed hands (the first step included)."""
    changes: list[Step] = []
    for step in steps:
        if not changes or changes[-1].majority != step.majority:
            changes.append(step)
    return changes


class Represented(NamedTuple):
    """Deputies of one faction in one council (None: in every council), all elected by
    electorates that fill `seats` seats (a unit's, `is_unit`, or a lower council's):
    `members` is the sum, over these deputies, of the members their electorate represents (the
    unit's roll; every member on the rolls of the units under the lower council). Vacant seats
    and electorates of no seat are not in it."""

    council_id: int | None
    faction: str
    is_unit: bool
    seats: int
    members: int


def popular_base(rows: Iterable[Represented]) -> dict[int, dict[str, float]]:
    """Per council, {faction: members its deputies there represent}: each deputy weighs its
    electorate's members divided by the electorate's seats. Summed exactly, so the figure does
    not depend on the order the rows come in. Rows of no council are left out."""
    sums: dict[int, dict[str, dict[int, int]]] = {}
    for row in rows:
        if row.council_id is not None:
            by_seats = sums.setdefault(row.council_id, {}).setdefault(row.faction, {})
            by_seats[row.seats] = by_seats.get(row.seats, 0) + row.members
    return {c: {f: _exact(by_seats) for f, by_seats in by.items()} for c, by in sums.items()}


def federation_base(rows: Iterable[Represented]) -> dict[str, float]:
    """{faction: members} of the federation from rows over its unit seats: its share of them
    (delegates left out, so that no member counts twice); the bases add up to the members whose
    seats are filled."""
    sums: dict[str, dict[int, int]] = {}
    for row in rows:
        if row.is_unit:
            by_seats = sums.setdefault(row.faction, {})
            by_seats[row.seats] = by_seats.get(row.seats, 0) + row.members
    return {f: _exact(by_seats) for f, by_seats in sums.items()}


def _exact(by_seats: dict[int, int]) -> float:
    """The sum of members / seats, {seats: members}, rounded once (a float's division of two
    integers is rounded once too)."""
    if len(by_seats) == 1:
        [(seats, members)] = by_seats.items()
        return members / seats
    return float(sum(Fraction(members, seats) for seats, members in by_seats.items()))
