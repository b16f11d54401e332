"""The roll changes (DESIGN.md 2.10): members join one by one, leave, and move between units with
their history kept; a roll file is synced, after a dry run that shows what would change.

- A membership is never edited: leaving ends it (`end_reason` "left"), a move ends it
  ("transferred") and starts the next in the other unit, so the history stays.
- A deputy who leaves or moves loses the mandates resting on the old unit: their seat of the
  old unit's electorate ends (reason "left" or "transferred"), and with it, by the cascade
  (services/mandates.py), whatever rested on it; a by-election opens for each seat ended
  (services/elections.open_by_elections), as after a recall.
- Who may: the operator at the command line (logged as an operator act), or the holder of
  `verify_members` of the council of the unit concerned (its credentials committee): of the new
  unit to add a member, of the old unit to end a membership or move a member away.
- A sync of one unit's roll file applies every change or none, in one transaction; a dry run
  computes the same changes and rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dualpower.domain import capabilities as caps
from dualpower.domain.errors import Conflict, NotFound, RollError
from dualpower.domain.model import BaseUnit, Member
from dualpower.domain.roll import RollEntry, check_member_fields, parse_roll
from dualpower.services.authority import Caller, require_of
from dualpower.services.elections import open_by_elections
from dualpower.services.mandates import end_mandate
from dualpower.services.roll import _find_unit
from dualpower.store.uow import UnitOfWork


@dataclass
class SyncPlan:
    """What a sync changes (usernames), and the by-elections it opened when applied."""

    unit: str
    joins: list[str] = field(default_factory=list)
    moves_in: list[str] = field(default_factory=list)  # on another unit's roll before
    leaves: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    new_email: list[str] = field(default_factory=list)
    mandates_ended: int = 0
    by_elections: list[int] = field(default_factory=list)
    is_applied: bool = False

    @property
    def is_empty(self) -> bool:
        changes = (self.joins, self.moves_in, self.leaves, self.renamed, self.new_email)
        return not any(changes)


def _unit(uow: UnitOfWork, ref: str | int) -> BaseUnit:
    federation = uow.federations.only()
    if federation is None:
        raise RollError("there is no federation yet: run `dualpower init` first")
    unit = uow.units.get(ref) if isinstance(ref, int) else _find_unit(uow, federation.id, ref)
    if unit is None:
        raise NotFound(f"no base unit {ref!r}")
    return unit


def _member(uow: UnitOfWork, who: str | int) -> Member:
    member = uow.members.get(who) if isinstance(who, int) else uow.members.by_username(who)
    if member is None:
        raise NotFound(f"no member {who!r}")
    return member


def _active_membership(uow: UnitOfWork, member_id: int) -> int | None:
    """The id of the member's membership in force, or None."""
    for stretch in uow.memberships.history(member_id):
        if stretch.end_at is None:
            return stretch.id
    return None


def _end_stretch(
    uow: UnitOfWork, member: Member, unit_id: int, reason: str, now: datetime, actor: str
) -> tuple[int, list[int]]:
    """End the member's membership of `unit_id` and the mandates resting on that unit's
    electorate; returns (mandates ended, by-elections opened)."""
    membership_id = _active_membership(uow, member.id)
    if membership_id is None:
        raise Conflict(f"{member.username} is on no unit's roll")
    uow.memberships.set(membership_id, end_at=now, end_reason=reason)
    electorate = uow.electorates.for_unit(unit_id)
    ended = []
    if electorate is not None:
        mandates = uow.mandates.active(
            uow.mandates.table.c.holder_id == member.id,
            uow.mandates.table.c.electorate_id == electorate.id,
        )
        for mandate in mandates:
            ended.extend(end_mandate(uow, mandate, reason, now, actor=actor))
    return len(ended), open_by_elections(uow, ended)


def add_member(
    uow: UnitOfWork,
    username: str,
    name: str,
    unit_ref: str | int,
    caller: Caller,
    *,
    email: str | None = None,
) -> int:
    """A member joins a unit's roll (without a password: an invitation follows)."""
    username, name, email = username.strip(), name.strip(), (email or "").strip() or None
    check_member_fields(username, name, email)
    with uow:
        unit = _unit(uow, unit_ref)
        require_of(uow, caller, caps.VERIFY_MEMBERS, unit.council_id)
        if uow.members.by_username(username) is not None:
            raise Conflict(f"username {username!r} is taken")
        now = uow.now()
        member_id = uow.members.add(
            federation_id=unit.federation_id,
            username=username,
            display_name=name,
            password_hash=None,
            email=email,
            is_verified=False,
            joined_at=now,
        )
        uow.memberships.add(member_id=member_id, unit_id=unit.id, start_at=now)
        uow.record(
            "roll.add",
            {"member": member_id, "unit": unit.id},
            actor=caller.actor,
            is_operator=caller.is_operator,
        )
        uow.commit()
    return member_id


def end_membership(uow: UnitOfWork, who: str | int, caller: Caller) -> list[int]:
    """A member leaves the roll; returns the by-elections opened for the seats they lost."""
    with uow:
        member = _member(uow, who)
        unit_id = uow.members.current_unit_id(member.id)
        if unit_id is None:
            raise Conflict(f"{member.username} is on no unit's roll")
        unit = _unit(uow, unit_id)
        require_of(uow, caller, caps.VERIFY_MEMBERS, unit.council_id)
        ended, by_elections = _end_stretch(uow, member, unit.id, "left", uow.now(), caller.actor)
        uow.record(
            "roll.leave",
            {"member": member.id, "unit": unit.id, "mandates_ended": ended},
            actor=caller.actor,
            is_operator=caller.is_operator,
        )
        uow.commit()
    return by_elections


def transfer(uow: UnitOfWork, who: str | int, to_unit: str | int, caller: Caller) -> list[int]:
    """A member moves to another unit, the old membership kept as history ("transferred");
    returns the by-elections opened for the seats they lost."""
    with uow:
        member = _member(uow, who)
        old_id = uow.members.current_unit_id(member.id)
        if old_id is None:
            raise Conflict(f"{member.username} is on no unit's roll")
        old, new = _unit(uow, old_id), _unit(uow, to_unit)
        if old.id == new.id:
            raise Conflict(f"{member.username} is on the roll of {new.name} already")
        require_of(uow, caller, caps.VERIFY_MEMBERS, old.council_id)
        now = uow.now()
        ended, by_elections = _end_stretch(uow, member, old.id, "transferred", now, caller.actor)
        uow.memberships.add(member_id=member.id, unit_id=new.id, start_at=now)
        uow.record(
            "roll.transfer",
            {"member": member.id, "from": old.id, "to": new.id, "mandates_ended": ended},
            actor=caller.actor,
            is_operator=caller.is_operator,
        )
        uow.commit()
    return by_elections


def sync(uow: UnitOfWork, text: str, unit_ref: str, caller: Caller, *, dry_run: bool) -> SyncPlan:
    """Make a unit's roll what the file says: joins, moves in, leaves, new names and e-mail
    addresses, all or nothing. With `dry_run`, only say what would change."""
    entries = parse_roll(text)
    with uow:
        unit = _unit(uow, unit_ref)
        for entry in entries:
            if entry.unit and entry.unit not in (unit.name, str(unit.id)):
                raise RollError(
                    f"the row is for unit {entry.unit!r}, not {unit.name!r}", entry.line
                )
        require_of(uow, caller, caps.VERIFY_MEMBERS, unit.council_id)
        plan = SyncPlan(unit.name)
        _apply(uow, unit, entries, plan, caller)
        if dry_run:
            uow.rollback()
            return plan
        uow.record(
            "roll.sync",
            {
                "unit": unit.id,
                "joins": len(plan.joins),
                "moves_in": len(plan.moves_in),
                "leaves": len(plan.leaves),
                "changed": len(plan.renamed) + len(plan.new_email),
            },
            actor=caller.actor,
            is_operator=caller.is_operator,
        )
        uow.commit()
        plan.is_applied = True
    return plan


def _apply(
    uow: UnitOfWork, unit: BaseUnit, entries: list[RollEntry], plan: SyncPlan, caller: Caller
) -> None:
    now, actor = uow.now(), caller.actor
    on_roll = {m.username: m for m in uow.members.of_unit(unit.id)}
    listed = {e.username for e in entries}
    for username in sorted(set(on_roll) - listed):
        ended, by = _end_stretch(uow, on_roll[username], unit.id, "left", now, actor)
        plan.leaves.append(username)
        plan.mandates_ended += ended
        plan.by_elections.extend(by)
    emails = uow.notifications.emails([m.id for m in on_roll.values()])
    for entry in entries:
        member = on_roll.get(entry.username) or uow.members.by_username(entry.username)
        if member is None:
            member_id = uow.members.add(
                federation_id=unit.federation_id,
                username=entry.username,
                display_name=entry.name,
                password_hash=None,
                email=entry.email,
                language=entry.language,
                is_verified=False,
                joined_at=now,
            )
            uow.memberships.add(member_id=member_id, unit_id=unit.id, start_at=now)
            plan.joins.append(entry.username)
            continue
        if entry.username not in on_roll:
            old_id = uow.members.current_unit_id(member.id)
            if old_id is not None:
                require_of(uow, caller, caps.VERIFY_MEMBERS, _unit(uow, old_id).council_id)
                ended, by = _end_stretch(uow, member, old_id, "transferred", now, actor)
                plan.mandates_ended += ended
                plan.by_elections.extend(by)
            uow.memberships.add(member_id=member.id, unit_id=unit.id, start_at=now)
            (plan.moves_in if old_id is not None else plan.joins).append(entry.username)
            emails.update(uow.notifications.emails([member.id]))
        if member.display_name != entry.name:
            uow.members.set(member.id, display_name=entry.name)
            plan.renamed.append(entry.username)
        if entry.email is not None and emails.get(member.id) != entry.email:
            uow.members.set(member.id, email=entry.email)
            plan.new_email.append(entry.username)


@dataclass(frozen=True)
class RollView:
    """A unit's roll as its credentials committee sees it, to change it."""

    unit: BaseUnit
    members: list[Member]
    units: list[BaseUnit]  # where a member may move


def roll_view(uow: UnitOfWork, unit_id: int, caller: Caller) -> RollView:
    """The roll of a unit, for the holder of `verify_members` of its council (or the operator)."""
    with uow:
        unit = _unit(uow, unit_id)
        require_of(uow, caller, caps.VERIFY_MEMBERS, unit.council_id)
        members = uow.members.of_unit(unit.id)
        units = sorted(uow.units.list(), key=lambda u: u.name)
    return RollView(unit, members, [u for u in units if u.id != unit.id])
