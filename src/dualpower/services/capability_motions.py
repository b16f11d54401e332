"""A council gives one of its offices a capability, or takes it back, by a motion it adopts
(DESIGN.md 2.9: "stances on directives are taken by the council's vote, or by an office the
council gave that capability").

A deputy of the council puts "give office X the capability C" (or "take C from office X") to it:
a motion of the council, decided by its roll-call vote in a session like any other. Its adoption
changes the office's capabilities in the adoption's own transaction (`office.capabilities`, the
log naming the motion), so no adopted change is left unapplied and none is made without one.
What may be given is domain/capabilities.GRANTABLE: every capability but `keep_order`, held
through one session's steward post alone. The office row is locked while its capabilities are
rewritten, so two adoptions touching one office never lose each other's change.
"""

from __future__ import annotations

from dualpower.domain import capabilities as caps
from dualpower.domain import errors
from dualpower.domain.model import Office
from dualpower.domain.motions import Motion, check_majority
from dualpower.services import limits, motions, office_terms
from dualpower.store.uow import UnitOfWork

KIND = "capability"


def check_capability(capability: str) -> str:
    """The capability named, if a council may give it by motion; else refused (422)."""
    if capability not in caps.GRANTABLE:
        if capability == caps.KEEP_ORDER:
            raise errors.InvalidRequest(
                "keep_order is held through a session's steward post alone: a council elects "
                "its stewards, it does not give the capability to an office"
            )
        raise errors.InvalidRequest(f"capability is one of {', '.join(caps.GRANTABLE)}")
    return capability


def _words(capability: str) -> str:
    return capability.replace("_", " ")


def propose_capability(
    uow: UnitOfWork,
    member_id: int,
    office_id: int,
    capability: str,
    gives: bool = True,
    majority: str = "simple",
) -> int:
    """A deputy of the office's council puts the change to it (a motion); returns the motion.
    Refused when the office has the capability already (giving) or has it not (taking)."""
    check_majority(majority)
    check_capability(capability)
    with uow:
        limits.hit(uow, limits.POSTS, member_id)
        office = office_terms.office_moved_by(
            uow, member_id, office_id, "only the council's deputies put its offices' powers to it"
        )
        has = capability in office.capabilities
        if gives and has:
            raise errors.Conflict(f"the {office.name} has the capability {_words(capability)!r}")
        if not gives and not has:
            raise errors.Conflict(
                f"the {office.name} does not have the capability {_words(capability)!r}"
            )
        key = "capability_give" if gives else "capability_take"
        spec = {"key": key, "office": office.name, "capability": capability}
        motion = motions.draft_written_in(uow, member_id, office.council_id, spec, majority)
        uow.capability_motions.add(motion.id, office.id, capability, gives)
        uow.record(
            "capability.propose",
            {
                "motion": motion.id,
                "office": office.id,
                "council": office.council_id,
                "capability": capability,
                "gives": gives,
            },
            actor=str(member_id),
        )
        uow.commit()
    return motion.id


def check_before_vote(uow: UnitOfWork, motion: Motion) -> None:
    """The office must still be the council's when the vote opens (it was checked when
    proposed; offices are not deleted, so this holds unless the data was changed by hand)."""
    found = uow.capability_motions.of_motion(motion.id)
    if found is not None:
        office = office_terms.get_office(uow, found["office_id"])
        if office.council_id != motion.council_id:
            raise errors.Conflict("the office of this motion is not this council's")


def on_adopted(uow: UnitOfWork, motion: Motion) -> None:
    """Give or take the capability the adopted motion names, in the adoption's transaction."""
    found = motions.to_apply(uow, uow.capability_motions, motion, "capability")
    if found is None:
        return
    uow.pay_locks.office(found["office_id"])  # the office's row, until the adoption commits
    office = office_terms.get_office(uow, found["office_id"])
    set_capability(uow, office, found["capability"], bool(found["gives"]), motion.id)


def set_capability(
    uow: UnitOfWork, office: Office, capability: str, gives: bool, motion_id: int
) -> None:
    """Write the office's capabilities with `capability` given or taken (in ALL's order), and
    log it, inside the caller's transaction."""
    held = set(office.capabilities)
    held = held | {capability} if gives else held - {capability}
    now = [c for c in caps.ALL if c in held]
    uow.offices.set(office.id, capabilities=now)
    uow.record(
        "office.capabilities",
        {
            "office": office.id,
            "council": office.council_id,
            "motion": motion_id,
            "capability": capability,
            "gives": gives,
            "capabilities": now,
        },
    )


motions.KINDS[KIND] = motions.MotionKind(check_before_vote, on_adopted)
