"""Invariants of sessions, motions, instructions and initiatives (issue 5).

- Every decided motion's record adds up: the votes recorded (roll-call rows, or secret ballots
  and as many participations) equal its yes + no + abstain, and its outcome is what its
  majority rule gives for those numbers.
- Every breach corresponds to a recorded roll-call vote, by the holder of the mandate it names,
  against the position its instruction required, on the instruction's motion, from a seat of
  the instruction's electorate.
- Every step of an initiative's path put one motion carrying the initiative to that council,
  with some support.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain import motions as rules
from dualpower.domain.motions import Tally


def _motions(uow: Any) -> list[str]:
    problems = []
    for motion in uow.motions.list():
        if not motion.is_decided:
            continue
        where = f"motion {motion.id}"
        counted = uow.motions.tally(motion)
        if motion.is_secret and len(uow.motions.participants(motion.id)) != counted.recorded:
            problems.append(f"{where}: secret ballots and participations differ in number")
        stored = Tally(motion.yes or 0, motion.no or 0, motion.abstain or 0)
        if stored != counted:
            problems.append(f"{where}: recorded votes {counted} differ from its result {stored}")
        adopted = rules.is_adopted(motion.majority, stored, motion.seats or 0)
        if adopted != (motion.status == "adopted"):
            problems.append(f"{where}: {motion.status} against its {motion.majority} rule")
    return problems


def _breaches(uow: Any) -> list[str]:
    problems = []
    for breach in uow.breaches.list():
        where = f"breach {breach.id}"
        instruction = uow.instructions.get(breach.instruction_id)
        mandate = uow.mandates.get(breach.mandate_id)
        cast = uow.motions.votes(instruction.motion_id).get(breach.member_id)
        if cast is None or cast != breach.position_cast:
            problems.append(f"{where}: no such recorded vote")
        elif not rules.breaks(instruction.position, cast):
            problems.append(f"{where}: the vote followed the instruction")
        if mandate.holder_id != breach.member_id:
            problems.append(f"{where}: the mandate is another member's")
        if mandate.electorate_id != instruction.electorate_id:
            problems.append(f"{where}: the seat is not of the instruction's electorate")
    return problems


def _steps(uow: Any) -> list[str]:
    problems = []
    for step in uow.initiatives.all_steps():
        motion = uow.motions.get(step.motion_id)
        if (
            motion is None
            or motion.initiative_id != step.initiative_id
            or motion.council_id != step.council_id
        ):
            problems.append(f"initiative {step.initiative_id}: its step's motion is not its own")
        if step.support <= 0:
            problems.append(f"initiative {step.initiative_id}: a step without support")
    return problems


def check(uow: Any) -> list[str]:
    return _motions(uow) + _breaches(uow) + _steps(uow)
