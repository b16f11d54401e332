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
    """A mandate reduced to what its history needs."""

    council_id: int
    faction: str
    start_at: datetime
    end_at: datetime | None


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
        at_start[t.faction] = at_start.get(t.faction, 0) + 1
        if t.end_at is not None:
            at_end = events[t.council_id][t.end_at]
            at_end[t.faction] = at_end.get(t.faction, 0) - 1
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


@dataclass(frozen=True)
class SeatOf:
    """An active mandate: its council, faction and the electorate it came from."""

    council_id: int
    faction: str
    electorate_id: int


@dataclass(frozen=True)
class Source:
    """An electorate: a unit (roll size) or a lower council; `seats` it fills."""

    electorate_id: int
    kind: str  # "unit" | "council"
    source_id: int
    seats: int


def members_under(
    parent_of: Mapping[int, int | None], unit_council: Mapping[int, int], rolls: Mapping[int, int]
) -> dict[int, int]:
    """Per council, the members on the rolls of every unit in its subtree."""
    under: dict[int, int] = defaultdict(int)
    for unit_id, council_id in unit_council.items():
        size = rolls.get(unit_id, 0)
        current: int | None = council_id
        while current is not None:
            under[current] += size
            current = parent_of[current]
    return dict(under)


def popular_base(
    seats: Iterable[SeatOf],
    sources: Mapping[int, Source],
    parent_of: Mapping[int, int | None],
    unit_council: Mapping[int, int],
    rolls: Mapping[int, int],
) -> tuple[dict[int, dict[str, float]], dict[str, float]]:
    """(per council {faction: members represented}, the federation's {faction: members})."""
    under = members_under(parent_of, unit_council, rolls)
    per_council: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    whole: dict[str, float] = defaultdict(float)
    for seat in seats:
        src = sources[seat.electorate_id]
        if src.seats <= 0:
            continue
        if src.kind == "unit":
            weight = rolls.get(src.source_id, 0) / src.seats
            whole[seat.faction] += weight
        else:
            weight = under.get(src.source_id, 0) / src.seats
        per_council[seat.council_id][seat.faction] += weight
    return {c: dict(v) for c, v in per_council.items()}, dict(whole)
