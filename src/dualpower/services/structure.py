"""Structure changes (DESIGN.md 2.10; the rules in domain/structure.py): a unit is added, split,
merged or moved to another council, a council is added, as an act of the council concerned by
adopted motion, or as a logged operator act while founding (before the chief council first sits).

- By motion: a deputy of the council concerned proposes the change (`propose_change`); it is
  checked again before the vote opens and applied in the adoption's own transaction (a
  `motions.KINDS` entry), so no adopted change is left unapplied and none is made without one.
  The council concerned: the council the new unit joins, or the council of the unit split or
  merged (a merge joins two units of the same council); for a move, the lowest council over
  both the unit's council and the one it joins; for a new council, its parent.
- By the operator (`apply_as_operator`, the `dualpower structure` commands): only while founding;
  once the chief council has sat, the operator is refused and says which council decides.
- Seats are re-apportioned at each electorate's next election; mandates stand until then (a
  deputy moved by a split or a merge keeps their seat: no cascade, no by-election). The
  council's electorates with no seat held (a new unit, an emptied one, all while founding) get
  their seats from the rolls at once, so their first election has seats to fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dualpower.domain import errors
from dualpower.domain import structure as rules
from dualpower.domain.apportionment import ApportionmentSettings
from dualpower.domain.apportionment_json import settings_from_json
from dualpower.domain.errors import ApportionmentError
from dualpower.domain.model import BaseUnit, Council
from dualpower.domain.motions import Motion, check_majority
from dualpower.services import limits, motions, office_terms
from dualpower.services.apportion import apportion_council
from dualpower.services.roll import _find_unit
from dualpower.store.uow import UnitOfWork

KIND = "structure"


def _unit(uow: UnitOfWork, ref: str | int) -> BaseUnit:
    federation = uow.federations.only()
    if federation is None:
        raise errors.NotFound("there is no federation yet: run `dualpower init` first")
    unit = uow.units.get(ref) if isinstance(ref, int) else _find_unit(uow, federation.id, ref)
    if unit is None:
        raise errors.NotFound(f"no base unit {ref!r}")
    return unit


def _council(uow: UnitOfWork, ref: str | int) -> Council:
    council: Council | None
    if isinstance(ref, int):
        council = uow.councils.get(ref)
    else:
        named: list[Council] = [c for c in uow.councils.list() if c.name == ref]
        council = named[0] if named else None
    if council is None:
        raise errors.NotFound(f"no council {ref!r}")
    return council


def council_concerned(uow: UnitOfWork, change: dict[str, Any]) -> Council:
    """The council whose act the change is; checks that the change can be made now."""
    if change["kind"] == "add_unit":
        council = _council(uow, change["council"])
        _name_free(uow, change["name"])
        return council
    if change["kind"] == "add_council":
        if any(c.name == change["name"] for c in uow.councils.list()):
            raise errors.Conflict(f"there is a council {change['name']!r} already")
        parent = _council(uow, change["parent"])
        _has_rule(parent, None)
        return parent
    unit = _unit(uow, change["unit"])
    council = _council(uow, unit.council_id)
    if change["kind"] == "split_unit":
        _name_free(uow, change["name"])
        return council
    if change["kind"] == "move_unit":
        return _move_concerns(uow, unit, _council(uow, change["council"]))
    into = _unit(uow, change["into"])
    if into.council_id != unit.council_id:
        raise errors.Conflict(
            f"{unit.name} and {into.name} are units of different councils: move one first"
        )
    return council


def _move_concerns(uow: UnitOfWork, unit: BaseUnit, to: Council) -> Council:
    """The lowest council over both the unit's council and `to`; refused when the unit is there
    already or its election is open (its candidates stood for the council it leaves)."""
    if to.id == unit.council_id:
        raise errors.Conflict(f"{unit.name} elects to {to.name} already")
    _has_rule(to, unit.kind)
    electorate = uow.electorates.for_unit(unit.id)
    table = uow.elections.table
    if electorate is not None and uow.elections.list(
        table.c.electorate_id == electorate.id, table.c.status == "open"
    ):
        raise errors.Conflict(f"{unit.name} has an open election: move it once that has closed")
    parent = {c.id: c.parent_id for c in uow.councils.list()}
    above_unit = _line_up(parent, unit.council_id)
    lowest = next(c for c in _line_up(parent, to.id) if c in above_unit)
    return _council(uow, lowest)


def _has_rule(council: Council, kind: str | None) -> None:
    """The council's apportionment gives seats to such an electorate (a unit of this kind, or a
    lower council: None); else the change waits for its apportionment to say how."""
    try:
        settings = settings_from_json(council.apportionment)
        if isinstance(settings, ApportionmentSettings):  # a fixed house shares among any kind
            settings.rule_for(kind)
    except ApportionmentError:
        what = f"units of kind {kind!r}" if kind is not None else "lower councils"
        raise errors.Conflict(
            f"the apportionment of {council.name} has no rule for {what}: add one first"
        ) from None


def _line_up(parent: dict[int, int | None], council_id: int) -> list[int]:
    """The council and every council above it, up to the chief."""
    line: list[int] = []
    at: int | None = council_id
    while at is not None:
        line.append(at)
        at = parent[at]
    return line


def _name_free(uow: UnitOfWork, name: str) -> None:
    federation = uow.federations.only()
    assert federation is not None
    if uow.units.by_name(federation.id, name) is not None:
        raise errors.Conflict(f"there is a unit {name!r} already")


def is_founding(uow: UnitOfWork) -> bool:
    """Whether the chief council has yet to sit (no deputy has ever held a seat in it)."""
    chief = next((c for c in uow.councils.list() if c.parent_id is None), None)
    if chief is None:
        return True
    table = uow.mandates.table
    return not uow.mandates.list(table.c.council_id == chief.id)


def apply_as_operator(uow: UnitOfWork, change: dict[str, Any], *, actor: str) -> dict[str, Any]:
    """The operator makes a structure change while founding; returns what it did."""
    checked = rules.check_change(change)
    with uow:
        council = council_concerned(uow, checked)
        if not is_founding(uow):
            raise errors.NotAllowed(
                "the chief council sits: a structure change is an act of the council concerned "
                f"({council.name}), by adopted motion"
            )
        done = _apply(uow, checked, actor=actor, is_operator=True, motion_id=None)
        uow.commit()
    return done


def propose_change(
    uow: UnitOfWork, member_id: int, change: dict[str, Any], majority: str = "simple"
) -> int:
    """A deputy of the council concerned proposes a structure change; returns the motion."""
    check_majority(majority)
    checked = rules.check_change(change)
    with uow:
        limits.hit(uow, limits.POSTS, member_id)
        council = council_concerned(uow, checked)
        if member_id not in office_terms.deputies(uow, council.id):
            raise errors.NotAllowed(
                f"only the deputies of {council.name} propose a change of its structure"
            )
        spec = {"key": "structure", "change": checked}
        motion = motions.draft_written_in(uow, member_id, council.id, spec, majority)
        uow.structure_motions.add(motion.id, checked)
        uow.record(
            "structure.propose",
            {"motion": motion.id, "council": council.id, "change": _by_number(uow, checked)},
            actor=str(member_id),
        )
        uow.commit()
    return motion.id


@dataclass(frozen=True)
class FormView:
    """What the structure page's forms offer: the council, its units, and every unit and
    council (for a merge, a move or a new unit's council), with whether the viewer may propose."""

    council: Council
    units: list[BaseUnit]
    all_units: list[BaseUnit]
    councils: list[Council]
    is_deputy: bool
    kinds: tuple[str, ...] = rules.KINDS


def form_view(uow: UnitOfWork, council_id: int, member_id: int) -> FormView:
    """The structure page of a council for a logged-in member (404 for no such council)."""
    with uow:
        council = _council(uow, council_id)
        all_units = uow.units.list(order_by=uow.units.table.c.name)
        return FormView(
            council=council,
            units=[u for u in all_units if u.council_id == council.id],
            all_units=all_units,
            councils=uow.councils.list(),
            is_deputy=member_id in office_terms.deputies(uow, council.id),
        )


def change_from_form(kind: str, fields: dict[str, str]) -> dict[str, Any]:
    """A page form's fields as the change the API takes: only the kind's own fields, a unit or
    council chosen by id, the members of a split as usernames separated by commas or spaces."""
    wanted = {
        "add_unit": ("name", "unit_kind", "section", "council"),
        "split_unit": ("unit", "name", "members"),
        "merge_units": ("unit", "into"),
        "move_unit": ("unit", "council"),
        "add_council": ("name", "parent"),
    }.get(kind)
    if wanted is None:
        raise errors.InvalidRequest(f"kind is one of {', '.join(rules.KINDS)}")
    change: dict[str, Any] = {"kind": kind}
    for key in wanted:
        value = fields.get(key, "").strip()
        if key == "members":
            change[key] = [m for m in value.replace(",", " ").split() if m]
        elif key in ("unit", "into", "council", "parent") and value.isdigit():
            change[key] = int(value)
        else:
            change[key] = value
    return change


def _by_number(uow: UnitOfWork, change: dict[str, Any]) -> dict[str, Any]:
    """The change as the log shows it: members by number, never by username (DESIGN.md 2.11)."""
    if "members" not in change:
        return change
    ids = []
    for username in change["members"]:
        member = uow.members.by_username(username)
        if member is None:
            raise errors.NotFound(f"no member {username!r}")
        ids.append(member.id)
    return change | {"members": ids}


def check_before_vote(uow: UnitOfWork, motion: Motion) -> None:
    """The change can still be made (a name taken meanwhile, a unit gone): refused before the
    vote rather than at the adoption."""
    change = uow.structure_motions.of_motion(motion.id)
    if change is not None:
        council_concerned(uow, change)


def on_adopted(uow: UnitOfWork, motion: Motion) -> None:
    """Apply the change the adopted motion names, in the adoption's transaction."""
    change = motions.to_apply(uow, uow.structure_motions, motion, "structure")
    if change is None:
        return
    council = council_concerned(uow, change)
    if council.id != motion.council_id:  # the unit moved to another council meanwhile
        raise errors.Conflict(f"this change is now for {council.name} to decide")
    _apply(uow, change, actor=None, is_operator=False, motion_id=motion.id)


def _apply(
    uow: UnitOfWork,
    change: dict[str, Any],
    *,
    actor: str | None,
    is_operator: bool,
    motion_id: int | None,
) -> dict[str, Any]:
    now = uow.now()
    by = {"motion": motion_id} if motion_id is not None else {}
    done: dict[str, Any]
    if change["kind"] == "add_council":
        parent = _council(uow, change["parent"])
        done = {"council": _add_council(uow, parent, change["name"]), "parent": parent.id}
        uow.record("structure.add_council", done | by, actor=actor, is_operator=is_operator)
        return done
    if change["kind"] == "add_unit":
        council = _council(uow, change["council"])
        unit_id = _add_unit(uow, council, change["name"], change["unit_kind"], change["section"])
        done = {"unit": unit_id, "council": council.id}
        _reapportion_unseated(uow, council.id)
        uow.record("structure.add_unit", done | by, actor=actor, is_operator=is_operator)
        return done
    unit = _unit(uow, change["unit"])
    if change["kind"] == "split_unit":
        wanted = []
        for username in change["members"]:
            member = uow.members.by_username(username)
            if member is None or uow.members.current_unit_id(member.id) != unit.id:
                raise errors.Conflict(f"{username} is not on the roll of {unit.name}")
            wanted.append(member.id)
        council = _council(uow, unit.council_id)
        new_id = _add_unit(uow, council, change["name"], unit.kind, unit.section)
        moved = uow.structure_motions.move_members(wanted, unit.id, new_id, now, "split")
        done = {"unit": unit.id, "new_unit": new_id, "members": moved}
        _reapportion_unseated(uow, council.id)
        uow.record("structure.split_unit", done | by, actor=actor, is_operator=is_operator)
        return done
    if change["kind"] == "move_unit":
        to = _council(uow, change["council"])
        done = {"unit": unit.id, "from": unit.council_id, "council": to.id}
        _move_unit(uow, unit, to)
        uow.record("structure.move_unit", done | by, actor=actor, is_operator=is_operator)
        return done
    into = _unit(uow, change["into"])
    moved = uow.structure_motions.move_members(None, unit.id, into.id, now, "merged")
    done = {"unit": unit.id, "into": into.id, "members": moved}
    _reapportion_unseated(uow, unit.council_id)
    uow.record("structure.merge_units", done | by, actor=actor, is_operator=is_operator)
    return done


def _reapportion_unseated(uow: UnitOfWork, council_id: int) -> None:
    """The council's electorates that no deputy holds a seat of (a new unit, an emptied one,
    every one while founding) get their seats from the rolls now, so their first election has
    seats to fill; an electorate with mandates keeps its seats until its next election."""
    council = uow.councils.get(council_id)
    assert council is not None
    now = apportion_council(uow, council)
    table = uow.mandates.table
    for electorate in uow.electorates.of_council(council_id):
        if uow.mandates.active(table.c.electorate_id == electorate.id):
            continue
        seats = now.get((electorate.kind, electorate.source_id), 0)
        if seats != electorate.seats:
            uow.electorates.set(electorate.id, seats=seats)


def _move_unit(uow: UnitOfWork, unit: BaseUnit, to: Council) -> None:
    """The unit and its electorate join `to`; its seats and mandates stand until its next
    election. The councils whose territory changed (both, and every council above them) give
    seats from the rolls at once to their electorates that no deputy holds a seat of."""
    electorate = uow.electorates.for_unit(unit.id)
    assert electorate is not None
    uow.units.set(unit.id, council_id=to.id)
    uow.electorates.set(electorate.id, council_id=to.id)
    parent = {c.id: c.parent_id for c in uow.councils.list()}
    for council_id in dict.fromkeys(_line_up(parent, unit.council_id) + _line_up(parent, to.id)):
        _reapportion_unseated(uow, council_id)


def _add_council(uow: UnitOfWork, parent: Council, name: str) -> int:
    """A council under `parent` with its parent's rules and standing orders, no unit yet, and an
    electorate in the parent with no seat until it has members."""
    try:
        with uow.savepoint():  # a concurrent act adding the same name: one of them wins
            council_id = uow.councils.add(
                federation_id=parent.federation_id,
                name=name,
                parent_id=parent.id,
                recall_rule=parent.recall_rule,
                recall_trigger_bp=parent.recall_trigger_bp,
                seat_method=parent.seat_method,
                apportionment=parent.apportionment,
                pay_cap_scope=parent.pay_cap_scope,
                verified_only=parent.verified_only,
            )
    except errors.Duplicate:
        raise errors.Conflict(f"there is a council {name!r} already") from None
    uow.standing_orders.put(council_id=council_id, **uow.standing_orders.of(council_id=parent.id))
    uow.electorates.add(
        council_id=parent.id, kind="council", unit_id=None, source_council_id=council_id, seats=0
    )
    return council_id


def _add_unit(uow: UnitOfWork, council: Council, name: str, kind: str, section: str) -> int:
    """A base unit with an empty roll and its electorate in the council, with no seat until its
    next election apportions them."""
    try:
        with uow.savepoint():  # a concurrent act adding the same name: one of them wins
            unit_id = uow.units.add(
                federation_id=council.federation_id,
                council_id=council.id,
                name=name,
                kind=kind,
                section=section,
            )
    except errors.Duplicate:
        raise errors.Conflict(f"there is a unit {name!r} already") from None
    uow.electorates.add(
        council_id=council.id, kind="unit", unit_id=unit_id, source_council_id=None, seats=0
    )
    return unit_id


motions.KINDS[KIND] = motions.MotionKind(check_before_vote, on_adopted)
