"""Initiative from below (DESIGN.md 2.5; the rule in domain/initiatives.py).

- `send_up`: a motion its base assembly adopted becomes an initiative; the unit's adoption is
  its first support.
- `take_up`: another unit puts the same initiative to its own assembly (a motion carrying it);
  the assembly's adoption counts as that unit's support.
- When a council's support reaches its threshold, a motion carrying the initiative is put to the
  council, on its next session's agenda (the upcoming one, or the next one convened), once: the
  initiative's row is locked while support is counted, and a unique step per council stops a
  second crossing. The council must vote on it; its adoption is its support one level up.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dualpower.domain import errors
from dualpower.domain import initiatives as rules
from dualpower.domain.initiatives import Initiative
from dualpower.domain.motions import Motion
from dualpower.services import motions
from dualpower.services.notify import notify
from dualpower.store.uow import UnitOfWork


class Territory:
    """Rolls and the council tree, read once: members under each council."""

    def __init__(self, uow: UnitOfWork):
        self.councils = {c.id: c for c in uow.councils.list()}
        self.units = {u.id: u for u in uow.units.list()}
        self.rolls = uow.units.roll_sizes()
        self.children: dict[int, list[int]] = defaultdict(list)
        for council in self.councils.values():
            if council.parent_id is not None:
                self.children[council.parent_id].append(council.id)

    def members_under(self, council_id: int) -> int:
        own = sum(
            self.rolls.get(u.id, 0) for u in self.units.values() if u.council_id == council_id
        )
        return own + sum(self.members_under(c) for c in self.children[council_id])

    def support(self, council_id: int, supports: list[Any]) -> tuple[int, list[dict[str, Any]]]:
        """Members held by the units and councils directly below `council_id` that adopted."""
        total, who = 0, []
        for s in supports:
            if s.unit_id is not None and self.units[s.unit_id].council_id == council_id:
                members = self.rolls.get(s.unit_id, 0)
                who.append(
                    {
                        "kind": "unit",
                        "id": s.unit_id,
                        "name": self.units[s.unit_id].name,
                        "members": members,
                    }
                )
            elif s.council_id is not None and self.councils[s.council_id].parent_id == council_id:
                members = self.members_under(s.council_id)
                who.append(
                    {
                        "kind": "council",
                        "id": s.council_id,
                        "name": self.councils[s.council_id].name,
                        "members": members,
                    }
                )
            else:
                continue
            total += members
        return total, who


def _initiative(uow: UnitOfWork, initiative_id: int, *, lock: bool = False) -> Initiative:
    found = (
        uow.initiatives.get_for_update(initiative_id)
        if lock
        else uow.initiatives.get(initiative_id)
    )
    if found is None:
        raise errors.NotFound(f"no initiative {initiative_id}")
    return found


def send_up(uow: UnitOfWork, motion_id: int, member_id: int) -> int:
    """The unit sends up a motion its assembly adopted; returns the initiative's id."""
    with uow:
        motion = motions.get(uow, motion_id)
        if motion.unit_id is None or motion.is_amendment or motion.instructs_motion_id:
            raise errors.InvalidRequest("a base unit sends up a motion adopted by its assembly")
        if uow.members.current_unit_id(member_id) != motion.unit_id:
            raise errors.NotAllowed("only members of the unit send up its motions")
        if motion.status != "adopted":
            raise errors.Conflict("the assembly has not adopted this motion")
        if motion.initiative_id is not None:
            raise errors.Conflict(f"this motion carries initiative {motion.initiative_id} already")
        initiative_id = uow.initiatives.add(
            title=motion.title,
            text=motion.text,
            origin_unit_id=motion.unit_id,
            started_by=member_id,
            started_at=uow.now(),
        )
        uow.motions.set(motion.id, initiative_id=initiative_id)
        uow.record(
            "initiative.send_up",
            {"initiative": initiative_id, "motion": motion.id, "unit": motion.unit_id},
            actor=str(member_id),
        )
        on_adopted(uow, motions.get(uow, motion.id))
        uow.commit()
    return initiative_id


def take_up(uow: UnitOfWork, initiative_id: int, unit_id: int, member_id: int) -> int:
    """A member puts the initiative to their own unit's assembly; returns the new motion."""
    with uow:
        initiative = _initiative(uow, initiative_id)
        carried = [m for m in uow.initiatives.motions_of(initiative.id) if m.unit_id == unit_id]
        if any(m.status != "rejected" for m in carried):
            raise errors.Conflict("this unit has this initiative before its assembly already")
        draft = motions.DraftMotion(unit_id, None, initiative.title, initiative.text)
        motion = motions.draft_in(uow, member_id, draft, initiative_id=initiative.id)
        uow.commit()
    return motion.id


def on_adopted(uow: UnitOfWork, motion: Motion) -> None:
    """An adopted motion carrying an initiative is its place's support; count one level up."""
    if motion.initiative_id is None or motion.is_amendment:
        return
    initiative = _initiative(uow, motion.initiative_id, lock=True)
    try:
        with uow.savepoint():
            uow.initiatives.add_support(
                initiative_id=initiative.id,
                unit_id=motion.unit_id,
                council_id=motion.council_id,
                motion_id=motion.id,
                adopted_at=uow.now(),
            )
    except errors.Duplicate:
        return  # this place supports it already
    uow.record(
        "initiative.support",
        {"initiative": initiative.id, "unit": motion.unit_id, "council": motion.council_id},
    )
    if motion.unit_id is not None:
        unit = uow.units.get(motion.unit_id)
        assert unit is not None
        _evaluate(uow, initiative, unit.council_id)
    else:
        council = uow.councils.get(motion.council_id or 0)
        if council is not None and council.parent_id is not None:
            _evaluate(uow, initiative, council.parent_id)


def _evaluate(uow: UnitOfWork, initiative: Initiative, council_id: int) -> None:
    if any(s.council_id == council_id for s in uow.initiatives.steps(initiative.id)):
        return
    land = Territory(uow)
    support, _ = land.support(council_id, uow.initiatives.supports(initiative.id))
    members = land.members_under(council_id)
    share = uow.standing_orders.of(council_id=council_id)["initiative_threshold_bp"]
    if not rules.reaches(support, members, share):
        return
    draft = motions.DraftMotion(None, council_id, initiative.title, initiative.text)
    motion = motions.draft_in(uow, None, draft, initiative_id=initiative.id)
    # crossed by another transaction: only one motion is put
    with uow.unique_or(errors.Conflict("the initiative reached this council concurrently; retry")):
        uow.initiatives.add_step(
            initiative_id=initiative.id,
            council_id=council_id,
            motion_id=motion.id,
            support=support,
            members=members,
            reached_at=uow.now(),
        )
    session = uow.sessions.upcoming(council_id)
    if session is not None:
        uow.sessions.add_item(session.id, motion.id)
    uow.record(
        "initiative.reach",
        {
            "initiative": initiative.id,
            "council": council_id,
            "motion": motion.id,
            "support": support,
            "members": members,
            "session": session.id if session else None,
        },
    )
    deputies = {md.holder_id for md in uow.mandates.active_in_council(council_id)}
    notify(
        uow,
        deputies,
        "initiative",
        f"An initiative from below is on your council's agenda: “{initiative.title}”"[:300],
        f"/motions/{motion.id}",
    )
