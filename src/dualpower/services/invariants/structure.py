"""Invariants of structure changes (DESIGN.md 2.10; services/structure.py).

- Every base unit has exactly one electorate, a unit electorate of the unit's own council (a unit
  added, split off or moved has its seat's electorate where its council is).
- Every council but the chief has exactly one electorate, a council electorate of its parent (a
  council added has its seat's electorate there).
- An active mandate sits in its electorate's council, except a unit's deputy whose unit has moved
  to another council since: their seat in the old council stands until the unit's next election.
- Every adopted structure motion was applied, and none was applied without being adopted: the
  structure changes only by the council's act (or the operator's while founding).
- A member moved by a split or a merge has their next stretch on a roll begin the instant the
  last one ended (history kept, no gap, no overlap).
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def check(uow: Any) -> list[str]:
    problems: list[str] = []
    units = uow.units.list()
    electorates = [e for e in uow.electorates.list() if e.kind == "unit"]
    count = Counter(e.unit_id for e in electorates)
    council_of = {e.unit_id: e.council_id for e in electorates}
    for unit in units:
        if count[unit.id] != 1:
            problems.append(f"unit {unit.id} ({unit.name}) has {count[unit.id]} electorates, not 1")
        elif council_of[unit.id] != unit.council_id:
            problems.append(
                f"unit {unit.id} ({unit.name}) elects to council {council_of[unit.id]}, "
                f"not to its own council {unit.council_id}"
            )
    problems += _councils(uow)
    problems += _mandates_after_moves(uow)
    for motion_id, _change, applied_at in uow.structure_motions.all():
        motion = uow.motions.get(motion_id)
        adopted = motion is not None and motion.status == "adopted"
        if adopted and applied_at is None:
            problems.append(f"structure motion {motion_id} was adopted but never applied")
        if applied_at is not None and not adopted:
            problems.append(f"structure motion {motion_id} was applied without being adopted")
    table = uow.memberships.table
    moved = uow.memberships.list(table.c.end_reason.in_(("split", "merged")))
    for stretch in moved:
        following = [
            m
            for m in uow.memberships.history(stretch.member_id)
            if m.start_at == stretch.end_at and m.id != stretch.id
        ]
        if len(following) != 1:
            problems.append(
                f"member {stretch.member_id} was moved ({stretch.end_reason}) from unit "
                f"{stretch.unit_id} with no next stretch on a roll at that instant"
            )
    return problems


def _councils(uow: Any) -> list[str]:
    problems: list[str] = []
    of_council = [e for e in uow.electorates.list() if e.kind == "council"]
    count = Counter(e.source_id for e in of_council)
    sits_in = {e.source_id: e.council_id for e in of_council}
    for council in uow.councils.list():
        if council.parent_id is None:
            if count[council.id]:
                problems.append(f"the chief council {council.id} elects to another council")
            continue
        if count[council.id] != 1:
            problems.append(
                f"council {council.id} ({council.name}) has {count[council.id]} electorates in "
                "its parent, not 1"
            )
        elif sits_in[council.id] != council.parent_id:
            problems.append(
                f"council {council.id} ({council.name}) elects to council {sits_in[council.id]}, "
                f"not to its parent {council.parent_id}"
            )
    return problems


def _mandates_after_moves(uow: Any) -> list[str]:
    electorates = {e.id: e for e in uow.electorates.list()}
    problems = []
    for mandate in uow.mandates.list(uow.mandates.table.c.end_at.is_(None)):
        electorate = electorates[mandate.electorate_id]
        if electorate.council_id != mandate.council_id and electorate.kind != "unit":
            problems.append(
                f"mandate {mandate.id} sits in council {mandate.council_id}, not in its "
                f"electorate's council {electorate.council_id}"
            )
    return problems
