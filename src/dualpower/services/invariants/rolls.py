"""The members on each base unit's roll, kept by triggers (store/tables_alignment.py
`unit_rolls`, migration 0030_h24b) for the popular base: for every unit, the kept figure equals
its active memberships counted."""

from __future__ import annotations

from typing import Any

REPAIR = "(the rolls drifted; AlignmentRepo.rebuild recounts them)"


def check(uow: Any) -> list[str]:
    kept: dict[int, int] = uow.alignment.rolls()
    counted: dict[int, int] = uow.alignment.rolls_counted()
    return [
        f"unit {unit}: {kept.get(unit, 0)} members are kept on its roll, but "
        f"{counted.get(unit, 0)} memberships are active {REPAIR}"
        for unit in sorted(kept.keys() | counted.keys())
        if kept.get(unit, 0) != counted.get(unit, 0)
    ]
