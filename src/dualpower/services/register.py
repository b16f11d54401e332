"""The dual power register (DESIGN.md 2.6): record authorities and directives, take stances,
and answer for a member which directives bind them (the Order No. 1 rule, domain/register.py).

Recording is a privileged act: it needs the capability `record_directive` of an office of the
council concerned (its secretary), checked by `services.authority.require`. The server operator
may record from the command line (`is_operator=True`): such acts are logged as operator acts.
A council's stance is its own decision (DESIGN.md 2.9): taken by its vote (a stance motion,
services/stance_motions.py, calls `stance_by_vote_in` in the adoption's transaction), or
directly by an office holding `record_stance`, which no usual office carries: only one the
council gave it to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dualpower.domain import errors
from dualpower.domain import register as rule
from dualpower.domain.capabilities import RECORD_DIRECTIVE, RECORD_STANCE
from dualpower.services.authority import OPERATOR, Caller, require_of
from dualpower.services.durable import durably
from dualpower.store.uow import UnitOfWork


@dataclass(frozen=True)
class Actor(Caller):
    """Who records: a member acting for a council (through its office), or the operator. The
    register's acts name a member `member:<id>` in the log."""

    @property
    def name(self) -> str:
        return OPERATOR if self.is_operator else f"member:{self.member_id}"


@dataclass(frozen=True)
class RecordAuthority:
    name: str
    council_id: int  # the council whose secretary records it
    description: str = ""
    formed_on: date | None = None
    is_old_style: bool = False
    own_council_id: int | None = None  # set when the authority is one of our councils


@dataclass(frozen=True)
class RecordDirective:
    authority_id: int
    council_id: int  # the council whose secretary records it
    title: str
    issued_on: date
    text: str = ""
    source: str = ""
    is_old_style: bool = False


@dataclass(frozen=True)
class TakeStance:
    directive_id: int
    council_id: int
    kind: str
    conditions: str = ""
    counter_order: str = ""


def _allow(
    uow: UnitOfWork, actor: Actor, council_id: int, capability: str = RECORD_DIRECTIVE
) -> None:
    if uow.councils.get(council_id) is None:
        raise errors.NotFound(f"there is no council {council_id}")
    require_of(uow, actor, capability, council_id)


def record_authority(uow: UnitOfWork, cmd: RecordAuthority, actor: Actor) -> int:
    if not cmd.name.strip():
        raise errors.InvalidRequest("an authority needs a name")
    with uow:
        _allow(uow, actor, cmd.council_id)
        fed = uow.federations.only()
        if fed is None:
            raise errors.Conflict("no federation has been founded yet")
        if any(a["name"] == cmd.name for a in uow.register.authorities()):
            raise errors.Conflict(f"the authority {cmd.name!r} is recorded already")
        if cmd.own_council_id is not None and uow.councils.get(cmd.own_council_id) is None:
            raise errors.NotFound(f"there is no council {cmd.own_council_id}")
        authority_id = uow.register.add_authority(
            federation_id=fed.id,
            name=cmd.name.strip(),
            description=cmd.description,
            formed_on=cmd.formed_on,
            is_old_style=cmd.is_old_style,
            council_id=cmd.own_council_id,
            recorded_at=uow.now(),
        )
        uow.record(
            "authority.record",
            {"authority": authority_id, "name": cmd.name, "council": cmd.council_id},
            actor=actor.name,
            is_operator=actor.is_operator,
        )
        uow.commit()
    return authority_id


def record_directive(uow: UnitOfWork, cmd: RecordDirective, actor: Actor) -> int:
    if not cmd.title.strip():
        raise errors.InvalidRequest("a directive needs a title")
    with uow:
        _allow(uow, actor, cmd.council_id)
        if uow.register.authority(cmd.authority_id) is None:
            raise errors.NotFound(f"there is no authority {cmd.authority_id}")
        directive_id = uow.register.add_directive(
            authority_id=cmd.authority_id,
            title=cmd.title.strip(),
            text=cmd.text,
            source=cmd.source,
            issued_on=cmd.issued_on,
            is_old_style=cmd.is_old_style,
            recorded_by_council_id=cmd.council_id,
            recorded_at=uow.now(),
        )
        uow.record(
            "directive.record",
            {
                "directive": directive_id,
                "authority": cmd.authority_id,
                "title": cmd.title,
                "issued_on": cmd.issued_on.isoformat(),
                "is_old_style": cmd.is_old_style,
                "council": cmd.council_id,
            },
            actor=actor.name,
            is_operator=actor.is_operator,
        )
        uow.commit()
    return directive_id


def take_stance_in(uow: UnitOfWork, cmd: TakeStance, actor: Actor) -> int:
    """Within an open unit of work: supersede the council's stance with a new one, for an
    office holding `record_stance` (or the operator)."""
    rule.check_stance(cmd.kind, cmd.conditions, cmd.counter_order)
    _allow(uow, actor, cmd.council_id, RECORD_STANCE)
    return _write_stance(uow, cmd, actor.member_id, actor.name, actor.is_operator)


def stance_by_vote_in(uow: UnitOfWork, cmd: TakeStance, motion_id: int) -> int:
    """The council's own stance, adopted by its vote on a stance motion (in the adoption's
    transaction): no office needed; the log names the motion."""
    rule.check_stance(cmd.kind, cmd.conditions, cmd.counter_order)
    if uow.councils.get(cmd.council_id) is None:
        raise errors.NotFound(f"there is no council {cmd.council_id}")
    return _write_stance(uow, cmd, None, None, False, motion_id=motion_id)


def _write_stance(
    uow: UnitOfWork,
    cmd: TakeStance,
    decided_by: int | None,
    actor: str | None,
    is_operator: bool,
    *,
    motion_id: int | None = None,
) -> int:
    if not uow.register.lock_directive(cmd.directive_id):
        raise errors.NotFound(f"there is no directive {cmd.directive_id}")
    previous = uow.register.current_stance(cmd.directive_id, cmd.council_id)
    conflict = errors.Conflict(
        "another stance of this council on this directive was recorded at the same time; "
        "reload and decide again"
    )
    try:
        with uow.savepoint():
            stance_id = uow.register.add_stance(
                previous,
                directive_id=cmd.directive_id,
                council_id=cmd.council_id,
                version=uow.register.next_version(cmd.directive_id, cmd.council_id),
                kind=cmd.kind,
                conditions=cmd.conditions.strip(),
                counter_order=cmd.counter_order.strip(),
                decided_at=uow.now(),
                decided_by=decided_by,
                is_operator=is_operator,
            )
    except errors.Duplicate:
        raise conflict from None
    if not stance_id:
        raise conflict
    by_vote = {} if motion_id is None else {"motion": motion_id}
    uow.record(
        "stance.take",
        {
            "stance": stance_id,
            "directive": cmd.directive_id,
            "council": cmd.council_id,
            "kind": cmd.kind,
            "supersedes": previous.id if previous else None,
            **by_vote,
        },
        actor=actor,
        is_operator=is_operator,
    )
    return stance_id


def take_stance(uow: UnitOfWork, cmd: TakeStance, actor: Actor) -> int:
    return durably(uow, take_stance_in, cmd, actor)


# Reading: one read-only unit of work each.


def _date(day: date, is_old_style: bool) -> dict[str, Any]:
    """A date as stored, with its New Style (and Old Style) forms."""
    if is_old_style:
        return {"old_style": day, "new_style": rule.new_style(day)}
    return {"old_style": None, "new_style": day}


def _moment(at: Any) -> dict[str, Any]:
    out = {"at": at, "new_style": at.date(), "old_style": None}
    if rule.is_revolutionary_era(at):
        out["old_style"] = rule.old_style(at)
    return out


def directives(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return [_directive_row(d) for d in uow.register.directives()]


def _directive_row(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": d["id"],
        "authority_id": d["authority_id"],
        "authority": d["authority"],
        "title": d["title"],
        "text": d["text"],
        "source": d["source"],
        "issued_on": d["issued_on"],
        "is_old_style": d["is_old_style"],
        "issued": _date(d["issued_on"], d["is_old_style"]),
        "issued_on_new_style": _date(d["issued_on"], d["is_old_style"])["new_style"],
    }


def directive(uow: UnitOfWork, directive_id: int) -> dict[str, Any]:
    """A directive, each council's current stance and the history of every stance."""
    with uow:
        found = uow.register.directive(directive_id)
        if found is None:
            raise errors.NotFound(f"there is no directive {directive_id}")
        names = {c.id: c.name for c in uow.councils.list()}
        history = uow.register.stances(directive_id)
    by_council: dict[int, list[dict[str, Any]]] = {}
    for stance in history:
        by_council.setdefault(stance.council_id, []).append(_stance(stance, names))
    councils = [
        {
            "council_id": council_id,
            "council": names[council_id],
            "current": next(s for s in rows if s["is_current"]),
            "history": rows,
        }
        for council_id, rows in sorted(by_council.items(), key=lambda kv: names[kv[0]])
    ]
    return _directive_row(found) | {"stances": councils}


def _stance(stance: rule.Stance, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": stance.id,
        "council_id": stance.council_id,
        "council": names[stance.council_id],
        "kind": stance.kind,
        "conditions": stance.conditions,
        "counter_order": stance.counter_order,
        "decided_at": stance.decided_at,
        "decided": _moment(stance.decided_at),
        "is_current": stance.is_current,
        "superseded_by": stance.superseded_by,
    }


def binding_for(uow: UnitOfWork, directive_id: int, member_id: int) -> dict[str, Any]:
    """Does the directive bind this member? With the councils that countermanded it if not.

    A member off every roll belongs to no council: nothing the register holds binds them
    through the councils, so the answer is binding (the authority's order stands) with
    `council_id` None.
    """
    with uow:
        if uow.register.directive(directive_id) is None:
            raise errors.NotFound(f"there is no directive {directive_id}")
        councils = {c.id: c for c in uow.councils.list()}
        unit_id = uow.members.current_unit_id(member_id)
        unit = uow.units.get(unit_id) if unit_id is not None else None
        current = rule.current_stances(uow.register.stances(directive_id))
    if unit is None:
        return {"binding": True, "because": [], "council_id": None}
    parent_of = {c.id: c.parent_id for c in councils.values()}
    answer = rule.binding(directive_id, unit.council_id, parent_of, current)
    return {
        "binding": answer.binding,
        "council_id": unit.council_id,
        "because": [
            {
                "council_id": b.council_id,
                "council": councils[b.council_id].name,
                "stance": rule.COUNTERMAND,
                "stance_id": b.stance_id,
                "on": b.decided_at.date(),
                "on_old_style": rule.old_style(b.decided_at)
                if rule.is_revolutionary_era(b.decided_at)
                else None,
            }
            for b in answer.because
        ],
    }


def authorities(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return uow.register.authorities()


def recording_councils(uow: UnitOfWork, member_id: int) -> list[dict[str, Any]]:
    """The councils for which this member may take stances now, directly (through an office
    holding `record_stance`)."""
    with uow:
        return [
            {"id": c.id, "name": c.name}
            for c in uow.councils.list()
            if RECORD_STANCE in uow.offices.capabilities_held(member_id, c.id)
        ]
