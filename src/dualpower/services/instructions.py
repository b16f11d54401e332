"""Instructions, the imperative mandate (DESIGN.md 2.3).

An electorate tells its deputies how to vote on a motion of the council they sit in: its base
assembly (for a unit's seats) or its lower council (for a delegation) adopts, by the ordinary
vote, an instruction motion naming the motion and the required position (yes, no or abstain).

Every roll-call vote is checked against the instructions on its motion: a deputy whose recorded
vote differs from what the electorate of their seat required has broken it. The breach is
recorded in the vote's own transaction, the electors are told, and the breach's page offers
them a recall petition against that mandate in one step. A secret vote cannot be checked (no
voter is linked to a ballot), so an instruction on a motion put to a secret vote is refused: the
standing orders that allow secret votes weaken this rule, openly.
"""

from __future__ import annotations

from dualpower.domain import errors
from dualpower.domain import motions as rules
from dualpower.domain.model import Electorate
from dualpower.domain.motions import Motion
from dualpower.services import motion_titles, motions, recall
from dualpower.services.elections import electors
from dualpower.services.notify import notify
from dualpower.services.recall import PetitionState
from dualpower.store.uow import UnitOfWork


def electorate_of_place(uow: UnitOfWork, unit_id: int | None, council_id: int | None) -> Electorate:
    """The electorate a unit's assembly or a lower council speaks for."""
    if unit_id is not None:
        electorate = uow.electorates.for_unit(unit_id)
    elif council_id is not None:
        electorate = uow.electorates.for_source_council(council_id)
    else:
        raise errors.InvalidRequest("an instruction comes from a unit_id or a council_id")
    if electorate is None:
        raise errors.InvalidRequest("this body elects no deputies to a council above it")
    return electorate


def propose_instruction(
    uow: UnitOfWork,
    member_id: int,
    unit_id: int | None,
    council_id: int | None,
    target_id: int,
    position: str,
) -> int:
    """Draft the instruction motion in the unit or lower council; returns its id. It takes
    force when that motion is adopted."""
    with uow:
        if position not in rules.POSITIONS:
            raise errors.InvalidRequest(
                f"a required position is one of {', '.join(rules.POSITIONS)}"
            )
        target = motions.get(uow, target_id)
        if target.council_id is None:
            raise errors.InvalidRequest("instructions are given on motions of a council")
        if target.is_decided:
            raise errors.Conflict("that motion is decided already")
        if target.is_secret:
            raise errors.Conflict(
                "that motion is put to a secret vote: no deputy's vote is recorded, so it"
                " cannot be instructed"
            )
        electorate = electorate_of_place(uow, unit_id, council_id)
        if electorate.council_id != target.council_id:
            raise errors.InvalidRequest("this body elects no deputies to that motion's council")
        spec = {"key": "instruction", "position": position, "target": target.title}
        draft = motions.DraftMotion(
            unit_id=unit_id,
            council_id=None if unit_id is not None else council_id,
            title=motion_titles.render(spec)[:300],
            text=motion_titles.render_body(spec | {"motion": target.id}),
        )
        motion = motions.draft_in(uow, member_id, draft, instructs=(target.id, position))
        uow.commit()
    return motion.id


def adopt_from(uow: UnitOfWork, motion: Motion) -> None:
    """An adopted instruction motion puts its instruction in force (a later one replaces an
    earlier one of the same electorate on the same motion)."""
    if motion.instructs_motion_id is None or motion.instructs_position is None:
        return
    electorate = electorate_of_place(uow, motion.unit_id, motion.council_id)
    existing = [
        i
        for i in uow.instructions.on_motion(motion.instructs_motion_id)
        if i.electorate_id == electorate.id
    ]
    values = {
        "position": motion.instructs_position,
        "adopted_by_motion_id": motion.id,
        "adopted_at": uow.now(),
    }
    if existing:
        uow.instructions.set(existing[0].id, **values)
        instruction_id = existing[0].id
    else:
        instruction_id = uow.instructions.add(
            electorate_id=electorate.id, motion_id=motion.instructs_motion_id, **values
        )
    uow.record(
        "instruction.adopt",
        {
            "instruction": instruction_id,
            "electorate": electorate.id,
            "motion": motion.instructs_motion_id,
            "position": motion.instructs_position,
            "by_motion": motion.id,
        },
    )


def check_vote(uow: UnitOfWork, motion: Motion, member_id: int, position: str) -> list[int]:
    """Record a breach for every instruction the vote breaks; tell the electors. Returns the
    ids of the breaches recorded."""
    found: list[int] = []
    for instruction in uow.instructions.on_motion(motion.id):
        if not rules.breaks(instruction.position, position):
            continue
        seats = [
            md
            for md in uow.mandates.active_of_holder(member_id)
            if md.electorate_id == instruction.electorate_id
        ]
        if not seats:
            continue
        try:
            with uow.savepoint():
                breach_id = uow.breaches.add(
                    instruction_id=instruction.id,
                    mandate_id=seats[0].id,
                    member_id=member_id,
                    position_cast=position,
                    recorded_at=uow.now(),
                )
        except errors.Duplicate:
            continue  # recorded already
        uow.record(
            "instruction.breach",
            {
                "breach": breach_id,
                "instruction": instruction.id,
                "mandate": seats[0].id,
                "member": member_id,
                "required": instruction.position,
                "cast": position,
            },
        )
        electorate = uow.electorates.get(instruction.electorate_id)
        assert electorate is not None
        notify(
            uow,
            electors(uow, electorate),
            "instruction_breach",
            f"Your deputy voted {position} on “{motion.title}” against your instruction "
            f"({instruction.position})"[:300],
            f"/breaches/{breach_id}",
        )
        found.append(breach_id)
    return found


def recall_for_breach(uow: UnitOfWork, breach_id: int, member_id: int) -> PetitionState:
    """The one step from a breach to a recall petition against the mandate that broke it:
    opened and signed by the elector (or, when one is open already, signed)."""
    with uow:
        breach = uow.breaches.get(breach_id)
        if breach is None:
            raise errors.NotFound(f"no breach {breach_id}")
        open_already = uow.recalls.undecided_for(breach.mandate_id)
    if open_already is not None:
        petition_id = open_already.id
    else:
        petition_id = recall.open_recall(uow, breach.mandate_id, member_id).id
    return recall.sign_recall(uow, petition_id, member_id)
