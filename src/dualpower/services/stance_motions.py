"""A council's stance on a directive, taken by its vote (DESIGN.md 2.6, 2.9).

A deputy puts "this council endorses / supports conditionally / countermands directive D" to the
council: a motion of the council, decided by its roll-call vote in a session like any other.
Its adoption takes the stance in the adoption's own transaction (register.stance_by_vote_in:
the new stance supersedes the council's current one, and the log names the motion), so no
adopted stance is left untaken and none is taken without one. The direct route, an office
holding `record_stance`, stays beside it (services/register.py).
"""

from __future__ import annotations

from dualpower.domain import errors
from dualpower.domain import register as rule
from dualpower.domain.motions import Motion, check_majority
from dualpower.services import limits, motions, office_terms
from dualpower.services.register import TakeStance, stance_by_vote_in
from dualpower.store.uow import UnitOfWork

KIND = "stance"


def propose_stance(
    uow: UnitOfWork, member_id: int, cmd: TakeStance, majority: str = "simple"
) -> int:
    """A deputy of the council proposes its stance on a directive; returns the motion."""
    check_majority(majority)
    rule.check_stance(cmd.kind, cmd.conditions, cmd.counter_order)
    with uow:
        limits.hit(uow, limits.POSTS, member_id)
        council = uow.councils.get(cmd.council_id)
        if council is None:
            raise errors.NotFound(f"no council {cmd.council_id}")
        directive = uow.register.directive(cmd.directive_id)
        if directive is None:
            raise errors.NotFound(f"there is no directive {cmd.directive_id}")
        if member_id not in office_terms.deputies(uow, council.id):
            raise errors.NotAllowed("only the council's deputies put its stances to it")
        detail = {"conditions": cmd.conditions.strip(), "counter_order": cmd.counter_order.strip()}
        spec = {
            "key": f"stance_{cmd.kind}",
            "council": council.name,
            "directive": directive["title"],
        } | detail
        motion = motions.draft_written_in(uow, member_id, council.id, spec, majority)
        uow.stance_motions.add(motion.id, cmd.directive_id, cmd.kind, detail)
        uow.record(
            "stance.propose",
            {
                "motion": motion.id,
                "council": council.id,
                "directive": cmd.directive_id,
                "kind": cmd.kind,
            },
            actor=str(member_id),
        )
        uow.commit()
    return motion.id


def check_before_vote(uow: UnitOfWork, motion: Motion) -> None:
    """The directive must still be on the register when the vote opens."""
    found = uow.stance_motions.of_motion(motion.id)
    if found is not None and uow.register.directive(found["directive_id"]) is None:
        raise errors.Conflict("the directive of this stance is no longer on the register")


def on_adopted(uow: UnitOfWork, motion: Motion) -> None:
    """Take the stance the adopted motion names, in the adoption's transaction."""
    found = uow.stance_motions.of_motion(motion.id)
    if found is None:
        return
    assert motion.council_id is not None
    detail = found["detail"]
    cmd = TakeStance(
        found["directive_id"],
        motion.council_id,
        found["kind"],
        detail.get("conditions", ""),
        detail.get("counter_order", ""),
    )
    stance_id = stance_by_vote_in(uow, cmd, motion.id)
    if not uow.stance_motions.applied(motion.id, stance_id, uow.now()):
        raise errors.Conflict("this stance motion was applied already")


motions.KINDS[KIND] = motions.MotionKind(check_before_vote, on_adopted)


def proposing_councils(uow: UnitOfWork, member_id: int) -> list[dict[str, object]]:
    """The councils whose deputy this member is now: where they may put a stance to the vote."""
    with uow:
        held = {md.council_id for md in uow.mandates.active_of_holder(member_id)}
        return [{"id": c.id, "name": c.name} for c in uow.councils.list() if c.id in held]
