"""A faction registers by its members' act (DESIGN.md 2.10, 2.7a).

- Any member on a unit's roll registers a new faction (name, short name, colour) and is its first
  member; any member joins one, and leaves it. Each is a logged act of the member
  (`faction.register`, `faction.join`, `faction.leave`), naming them by number. Leaving changes
  no seat: a deputy's mandate keeps the faction it was won for.
- A faction with no seat may publish its platform by any of its members (winning the majority by
  explanation matters most to those without seats); a faction with seats, by its deputies
  (services/discussion.py `publish_platform`).
"""

from __future__ import annotations

import re

from dualpower.domain import errors
from dualpower.domain.roll import text_problem
from dualpower.services import discussion
from dualpower.store.uow import UnitOfWork

COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def _field(value: str, what: str, most: int) -> str:
    value = value.strip()
    if not value:
        raise errors.InvalidRequest(f"the {what} is empty")
    problem = text_problem(value, what, most)
    if problem is not None:
        raise errors.InvalidRequest(problem)
    return value


def _on_a_roll(uow: UnitOfWork, member_id: int) -> None:
    if uow.members.current_unit_id(member_id) is None:
        raise errors.NotAllowed("only a member on a unit's roll registers or joins a faction")


def register_faction(uow: UnitOfWork, member_id: int, name: str, short: str, colour: str) -> int:
    """A member registers a faction and is its first member; returns the faction."""
    name, short = _field(name, "name", 200), _field(short, "short name", 20)
    if not COLOUR.match(colour):
        raise errors.InvalidRequest("the colour is #rgb or #rrggbb")
    with uow:
        _on_a_roll(uow, member_id)
        discussion.may_speak(uow, member_id)  # a name is a text: a suspension holds for it
        federation = uow.federations.only()
        assert federation is not None
        # two registering one name at once: one wins
        with uow.unique_or(errors.Conflict(f"there is a faction {name!r} already")):
            faction_id = uow.factions.add(
                federation_id=federation.id, name=name, short=short, colour=colour, platform=""
            )
        uow.faction_members.add(faction_id, member_id, uow.now())
        uow.record(
            "faction.register",
            {"faction": faction_id, "name": name, "short": short, "member": member_id},
            actor=str(member_id),
        )
        uow.commit()
    return faction_id


def join_faction(uow: UnitOfWork, member_id: int, faction_id: int) -> None:
    with uow:
        if uow.factions.get(faction_id) is None:
            raise errors.NotFound(f"there is no faction {faction_id}")
        _on_a_roll(uow, member_id)
        with uow.unique_or(errors.Conflict("you are a member of this faction already")):
            uow.faction_members.add(faction_id, member_id, uow.now())
        uow.record(
            "faction.join", {"faction": faction_id, "member": member_id}, actor=str(member_id)
        )
        uow.commit()


def leave_faction(uow: UnitOfWork, member_id: int, faction_id: int) -> None:
    with uow:
        if uow.factions.get(faction_id) is None:
            raise errors.NotFound(f"there is no faction {faction_id}")
        if not uow.faction_members.remove(faction_id, member_id):
            raise errors.Conflict("you are not a member of this faction")
        uow.record(
            "faction.leave", {"faction": faction_id, "member": member_id}, actor=str(member_id)
        )
        uow.commit()


def standing(uow: UnitOfWork, member_id: int | None, faction_id: int) -> dict[str, bool]:
    """What a reader may do on a faction's page: whether they are in it, may join it (on a
    roll, not in it) and may publish its platform (discussion.publish_refusal's rule)."""
    if member_id is None:
        return {"is_member": False, "may_join": False, "may_publish": False}
    with uow:
        is_member = uow.faction_members.is_member(faction_id, member_id)
        on_roll = uow.members.current_unit_id(member_id) is not None
        refused = discussion.publish_refusal(uow, faction_id, member_id)
    return {
        "is_member": is_member,
        "may_join": on_roll and not is_member,
        "may_publish": refused is None,
    }
