"""The guided tour: what a newcomer should look at in the federation, found in the records.

Read-only, one unit of work per question. Each stop is None when the federation holds nothing
to show there (a fresh federation has no recall yet), and the tour page leaves it out. The stops
follow the Petrograd demo (DESIGN.md 2.6, 2.7; scenario-petrograd-1917.md) but look things up
by what they are, not by id: the largest council under the chief council, the first recall that
ended in a by-election, the first instruction breach, the directive named Order No. 1 and the
one most councils countermand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from dualpower.domain import alignment as al
from dualpower.domain import register as rule
from dualpower.services import alignment, motion_titles, offices_views, views, visibility
from dualpower.services import register as reg
from dualpower.store.uow import UnitOfWork

Reader = Callable[[], UnitOfWork]


def both_styles(moment: date | datetime) -> dict[str, Any]:
    """A moment's New Style date, with its Old Style date where Russia still kept it."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return {
        "new_style": day,
        "old_style": rule.old_style(day) if rule.is_revolutionary_era(day) else None,
    }


def _tree(reader: Reader) -> dict[str, Any] | None:
    councils = views.councils(reader())
    if not councils:
        return None
    with reader() as uow:
        units = len(uow.units.list())
    chief = next(c for c in councils if c["parent_id"] is None)
    return {"councils": len(councils), "units": units, "chief": chief}


def _council(reader: Reader) -> views.CouncilDetail | None:
    """The largest council right under the chief council (the Petrograd Soviet in the demo)."""
    councils = views.councils(reader())
    chief = next((c for c in councils if c["parent_id"] is None), None)
    below = [c for c in councils if chief and c["parent_id"] == chief["id"]] or councils
    if not below:
        return None
    largest = max(below, key=lambda c: (c["seats"], -c["id"]))
    return views.council(reader(), largest["id"])


def _recall(reader: Reader) -> dict[str, Any] | None:
    with reader() as uow:
        found = uow.recalls.first_recalled_with_by_election()
        if found is None:
            return None
        petition, recalled_id = found
        holder = uow.members.get(recalled_id)
    return {
        "petition_id": petition.id,
        "deputy": holder.display_name if holder else "",
        "opened": both_styles(petition.opened_at),
        "decided": both_styles(petition.decided_at) if petition.decided_at else None,
        "by_election_id": petition.by_election_id,
    }


def _breach(reader: Reader) -> dict[str, Any] | None:
    with reader() as uow:
        breach = uow.breaches.first()
        if breach is None:
            return None
        instruction = uow.instructions.get(breach.instruction_id)
        motion = uow.motions.get(instruction.motion_id) if instruction else None
        member = uow.members.get(breach.member_id)
        # the product's title, said in the reader's language (services/motion_titles.py)
        motion_as = motion_titles.title_as(uow, motion) if motion else None
    if instruction is None or motion is None:
        return None
    return {
        "breach_id": breach.id,
        "motion_id": motion.id,
        "motion": motion.title,
        "motion_as": motion_as,
        "deputy": member.display_name if member else "",
        "told": instruction.position,
        "cast": breach.position_cast,
        "on": both_styles(breach.recorded_at),
    }


def _register(reader: Reader) -> dict[str, Any] | None:
    with reader() as uow:
        rows = sorted(uow.register.directives(), key=lambda d: int(d["id"]))
        countermands = [
            s.directive_id
            for s in uow.register.stances()
            if s.kind == rule.COUNTERMAND and s.is_current
        ]
    if not rows:
        return None
    order = next((r for r in rows if r["title"].lower().startswith("order no. 1")), rows[0])
    # The directive most councils countermand (the Milyukov note in the demo).
    disputed = max(
        (r for r in rows if r["id"] in countermands),
        key=lambda r: countermands.count(r["id"]),
        default=None,
    )
    out: dict[str, Any] = {
        "order": reg.directive(reader(), order["id"]),
        "disputed": reg.directive(reader(), disputed["id"]) if disputed else None,
        "bound": None,
        "free": None,
    }
    if disputed is not None:
        out["bound"], out["free"] = _two_members(reader, disputed["id"])
    return out


def _two_members(reader: Reader, directive_id: int) -> tuple[Any, Any]:
    """A member the directive binds and one it does not (each the first of their council, a
    public person where the council has one: DESIGN.md 2.11 keeps the others' names private)."""
    with reader() as uow:
        first_of_unit: dict[int, int] = {}
        for unit in uow.units.list():
            members = sorted(uow.members.ids_of_unit(unit.id))
            public = sorted(visibility.public_people(uow, members))
            chosen = first_of_unit.get(unit.council_id)
            if public and (chosen is None or chosen not in visibility.public_people(uow, [chosen])):
                first_of_unit[unit.council_id] = public[0]
            elif members and chosen is None:
                first_of_unit[unit.council_id] = members[0]
    bound = free = None
    for member_id in first_of_unit.values():
        answer = reg.binding_for(reader(), directive_id, member_id)
        if (answer["binding"] and bound) or (not answer["binding"] and free):
            continue
        with reader() as uow:
            member = uow.members.get(member_id)
            council = uow.councils.get(answer["council_id"] or 0)
            name = visibility.masked_name(uow, member_id, member.display_name) if member else ""
        found = {
            "member": name,
            "council": council.name if council else "",
            "council_id": answer["council_id"],
            "because": [b | {"on_both": both_styles(b["on"])} for b in answer["because"]],
        }
        if answer["binding"]:
            bound = found
        else:
            free = found
        if bound and free:
            break
    return bound, free


def _alignment(reader: Reader, council: views.CouncilDetail | None) -> dict[str, Any] | None:
    if council is None:
        return None
    steps = alignment.history(reader(), council["id"]).get(council["id"], [])
    changes = [
        {"on": both_styles(s.at), "majority": s.majority, "composition": s.composition}
        for s in al.majority_changes(steps)
    ]
    return {"council": council, "changes": changes}


def _pay(reader: Reader) -> dict[str, Any] | None:
    listing = offices_views.pay_listing(reader())
    if not listing["stipends"]:
        return None
    at_cap = [s for s in listing["stipends"] if s["cap"] is not None and s["amount"] == s["cap"]]
    return {"cap": listing["cap"], "at_cap": at_cap, "stipends": len(listing["stipends"])}


def tour(reader: Reader) -> dict[str, Any]:
    """Every stop of the tour; `reader()` gives a fresh read-only unit of work."""
    council = _council(reader)
    return {
        "tree": _tree(reader),
        "council": council,
        "recall": _recall(reader),
        "breach": _breach(reader),
        "register": _register(reader),
        "alignment": _alignment(reader, council),
        "pay": _pay(reader),
    }
