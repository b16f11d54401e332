"""Stipends are set by the council (DESIGN.md 2.4), never by one official or the operator.

- A deputy of the office's council proposes "set the stipend of office X to N": a motion of the
  council (services/motions.py), decided by its roll-call vote in a session like any other.
- Its adoption sets the stipend in the adoption's own transaction, so no adopted stipend motion
  is left unapplied and no stipend changes without one (`dualpower check` traces them).
- The cap rule (domain/offices.py) is checked when it is proposed, when its vote opens and when
  it is adopted (a wage report may have lowered the cap meanwhile): a stipend above its council's
  cap is refused, and so is one that would put its holder's stipends together above their cap.
  An adoption the cap no longer allows lapses: the council's vote stands as adopted, the
  stipend is not changed, and the lapse is recorded with its reason (`office.stipend_lapse`).
- Two adoptions touching one person's pay run one after the other: each locks the office, then
  its holder (store/tables_offices.py PayLockRepo), and reads the cap and the holder's other
  stipends only then.
- The founding bootstrap alone sets a stipend without a motion: the first offices of a new
  council (services/offices.create_office, by="founding").
"""

from __future__ import annotations

from dualpower.domain import errors
from dualpower.domain import offices as rules
from dualpower.domain.model import Office
from dualpower.domain.motions import Motion, check_majority
from dualpower.services import limits, motions, office_terms, pay
from dualpower.store.uow import UnitOfWork

KIND = "stipend"


def check_amount(uow: UnitOfWork, office: Office, amount: int) -> None:
    """Refuse `amount` for `office` above its council's cap, or above its holder's cap together
    with the holder's other stipends."""
    council_caps = pay.caps(uow)
    rules.check_stipend(amount, council_caps[office.council_id], office.name)
    term = uow.office_terms.active_of_office(office.id)
    if term is not None:
        pay.check_holder(uow, term.holder_id, changed={office.id: amount}, known_caps=council_caps)


def propose_stipend(
    uow: UnitOfWork, member_id: int, office_id: int, amount: int, majority: str = "simple"
) -> int:
    """A deputy of the office's council puts a stipend motion to it; returns the motion's id."""
    check_majority(majority)
    with uow:
        limits.hit(uow, limits.POSTS, member_id)
        office = office_terms.get_office(uow, office_id)
        if member_id not in office_terms.deputies(uow, office.council_id):
            raise errors.NotAllowed("only the council's deputies propose the stipends it pays")
        check_amount(uow, office, amount)
        fed = uow.federations.only()
        spec = {
            "key": "stipend",
            "office": office.name,
            "amount": amount,
            "currency": fed.currency if fed else None,
            "now": office.stipend,
        }
        motion = motions.draft_written_in(uow, member_id, office.council_id, spec, majority)
        uow.stipend_motions.add(motion.id, office.id, amount, office.stipend)
        uow.record(
            "stipend.propose",
            {"motion": motion.id, "office": office.id, "amount": amount, "from": office.stipend},
            actor=str(member_id),
        )
        uow.commit()
    return motion.id


def _office_of(uow: UnitOfWork, motion: Motion) -> tuple[Office, int] | None:
    found = uow.stipend_motions.of_motion(motion.id)
    if found is None:
        return None
    office_id, amount, _ = found
    return office_terms.get_office(uow, office_id), amount


def check_before_vote(uow: UnitOfWork, motion: Motion) -> None:
    """A stipend motion's vote opens only while the council could still pay it."""
    found = _office_of(uow, motion)
    if found is not None:
        check_amount(uow, *found)


def on_adopted(uow: UnitOfWork, motion: Motion) -> None:
    """Set the stipend the adopted motion names, in the adoption's transaction."""
    found = uow.stipend_motions.of_motion(motion.id)
    if found is None:
        return
    office_id, amount, _ = found
    uow.pay_locks.office(office_id)
    office = office_terms.get_office(uow, office_id)
    term = uow.office_terms.active_of_office(office.id)
    if term is not None:
        uow.pay_locks.member(term.holder_id)
    try:
        check_amount(uow, office, amount)
    except rules.StipendAboveCap as refused:
        # The council's vote stands; the rule that nobody is paid above a worker stands too:
        # the motion lapses (recorded, logged) instead of holding the vote and its session open.
        if not uow.stipend_motions.lapsed(motion.id, str(refused)):
            raise errors.Conflict("this stipend motion was decided already") from None
        uow.record(
            "office.stipend_lapse",
            {"office": office.id, "to": amount, "motion": motion.id, "reason": str(refused)},
        )
        return
    if not uow.stipend_motions.applied(motion.id, uow.now()):
        raise errors.Conflict("this stipend motion was applied already")
    uow.offices.set(office.id, stipend=amount)
    uow.record(
        "office.set_stipend",
        {"office": office.id, "from": office.stipend, "to": amount, "motion": motion.id},
    )


motions.KINDS[KIND] = motions.MotionKind(check_before_vote, on_adopted)
