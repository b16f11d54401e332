"""The alignment of forces (DESIGN.md 2.7) is read from what triggers keep
(store/tables_alignment.py); it must equal what it summarises:

- for every council, faction and kind of seat, the kept count equals the active mandates;
- for every council, the kept seats equal the sum of its electorates' seats, and its counts
  kept as text equal its counts.
"""

from __future__ import annotations

from typing import Any

from dualpower.store.tables_alignment import parse_composition

REPAIR = "(the alignment drifted; AlignmentRepo.rebuild recounts it)"


def check(uow: Any) -> list[str]:
    return _counts(uow) + _councils(uow)


def _counts(uow: Any) -> list[str]:
    kept = {(c, f, u): n for c, f, u, n in uow.alignment.counts()}
    actual = {(c, f, u): n for c, f, u, n in uow.alignment.aggregate()}
    problems = []
    for key in sorted(kept.keys() | actual.keys()):
        council, faction, is_unit = key
        if kept.get(key, 0) != actual.get(key, 0):
            kind = "unit" if is_unit else "delegate"
            problems.append(
                f"council {council}: {kept.get(key, 0)} {kind} seats of faction {faction} "
                f"are counted, but {actual.get(key, 0)} such mandates are active {REPAIR}"
            )
    return problems


def _councils(uow: Any) -> list[str]:
    kept = uow.alignment.stored()
    expected = uow.alignment.expected()
    problems = []
    for council in sorted(kept.keys() | expected.keys()):
        seats, composition = kept.get(council, (0, ""))
        want_seats, want_composition = expected.get(council, (0, ""))
        if seats != want_seats:
            problems.append(
                f"council {council}: {seats} seats are kept, but its electorates have "
                f"{want_seats} {REPAIR}"
            )
        if _parsed(composition) != _parsed(want_composition):
            problems.append(
                f"council {council}: its kept counts {composition!r} are not "
                f"{want_composition!r} {REPAIR}"
            )
    return problems


def _parsed(stored: str) -> list[tuple[int, bool, int]] | None:
    try:
        return sorted(parse_composition(stored))
    except ValueError:  # not faction:kind:seats triples
        return None
