"""Read-only views of motions, sessions (with their minutes), initiatives and breaches: plain
dicts for the pages and the API, one read transaction each.

The minutes are generated from the record alone: who convened and when, who was present, the
quorum, and for each agenda item its amendments and itself, with the roll-call, the majority
rule applied and the outcome, and the instruction breaches.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from dualpower.domain import errors
from dualpower.domain import initiatives as irules
from dualpower.domain import motions as rules
from dualpower.domain.motions import Motion
from dualpower.domain.sessions import has_quorum, holders_at, quorum_needed, session_moment
from dualpower.services import motion_titles, visibility
from dualpower.services.elections import electors
from dualpower.services.initiatives import Territory
from dualpower.services.motions import DraftMotion, allows_secret, vote_closes_at, voters
from dualpower.services.motions import _check_place as check_place
from dualpower.store.uow import UnitOfWork


@overload
def moment_text(at: datetime) -> str: ...
@overload
def moment_text(at: None) -> None: ...
def moment_text(at: datetime | None) -> str | None:
    """A moment as the API writes every datetime: RFC 3339 in UTC, ending in Z (as Pydantic
    writes the typed answers), so that one format serves every operation."""
    if at is None:
        return None
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _concerned(motion: Motion) -> visibility.Concerned:
    """Who took part in a vote and how, by name: to the unit or council concerned (2.11)."""
    if motion.unit_id is not None:
        return visibility.of_unit(motion.unit_id)
    return visibility.of_council(motion.council_id or 0)


def _place(uow: UnitOfWork, motion: Motion) -> dict[str, Any]:
    if motion.unit_id is not None:
        unit = uow.units.get(motion.unit_id)
        return {"kind": "unit", "id": motion.unit_id, "name": unit.name if unit else ""}
    council = uow.councils.get(motion.council_id or 0)
    return {"kind": "council", "id": motion.council_id, "name": council.name if council else ""}


def _factions(uow: UnitOfWork, motion: Motion) -> dict[int, str | None]:
    """Each voter's faction in the council (none for a base assembly)."""
    if motion.council_id is None:
        return {}
    names = {f.id: f.name for f in uow.factions.list()}
    return {
        md.holder_id: names.get(md.faction_id) if md.faction_id else None
        for md in uow.mandates.list(uow.mandates.table.c.council_id == motion.council_id)
    }


def _roll_call(uow: UnitOfWork, motion: Motion) -> list[dict[str, Any]]:
    if motion.is_secret:
        return []
    votes = uow.motions.votes(motion.id)
    people = visibility.member_names(uow, set(votes), _concerned(motion))
    factions = _factions(uow, motion)
    rows = [
        people[member] | {"position": position, "faction": factions.get(member)}
        for member, position in votes.items()
        if member in people
    ]
    return sorted(rows, key=lambda r: (r["name"], r["id"]))


def _breaches(uow: UnitOfWork, motion_id: int) -> list[dict[str, Any]]:
    found = uow.breaches.on_motion(motion_id)
    people = visibility.member_names(uow, {b.member_id for b in found})
    required = {i.id: i.position for i in uow.instructions.on_motion(motion_id)}
    return [
        {
            "id": b.id,
            "member": people.get(b.member_id),
            "mandate_id": b.mandate_id,
            "required": required.get(b.instruction_id),
            "cast": b.position_cast,
            "recorded_at": moment_text(b.recorded_at),
        }
        for b in found
    ]


def _instructions(uow: UnitOfWork, motion_id: int) -> list[dict[str, Any]]:
    out = []
    for i in uow.instructions.on_motion(motion_id):
        electorate = uow.electorates.get(i.electorate_id)
        assert electorate is not None
        if electorate.kind == "unit":
            unit = uow.units.get(electorate.source_id)
            name = unit.name if unit else ""
        else:
            council = uow.councils.get(electorate.source_id)
            name = council.name if council else ""
        out.append(
            {
                "id": i.id,
                "electorate": {"kind": electorate.kind, "id": electorate.source_id, "name": name},
                "position": i.position,
                "adopted_by_motion_id": i.adopted_by_motion_id,
            }
        )
    return out


def motion_summary(uow: UnitOfWork, motion: Motion) -> dict[str, Any]:
    """A motion's heading; a secret vote shows no running tally (DESIGN.md 2.11): `tally` is
    None until the close (a draft's too, so its page never reads as a count in progress)."""
    tally = None
    if not motion.is_secret or motion.is_decided:
        counted = uow.motions.tally(motion)
        tally = {"yes": counted.yes, "no": counted.no, "abstain": counted.abstain}
    return {
        "id": motion.id,
        "title": motion.title,
        # the product's title as a kind and parameters, for a page in the reader's language
        # (services/motion_titles.py); None for a title a member typed
        "title_as": motion_titles.title_as(uow, motion),
        "status": motion.status,
        "majority": motion.majority,
        "is_secret": motion.is_secret,
        "parent_id": motion.parent_id,
        "tally": tally,
        "seats": motion.seats,
    }


def _motion(uow: UnitOfWork, motion: Motion, viewer: int | None) -> dict[str, Any]:
    author = (
        visibility.member_names(uow, {motion.author_id}).get(motion.author_id)
        if motion.author_id
        else None
    )
    out = motion_summary(uow, motion) | {
        "unit_id": motion.unit_id,
        "council_id": motion.council_id,
        "place": _place(uow, motion),
        "author": author,
        "text": motion.text,
        "initiative_id": motion.initiative_id,
        "instructs": (
            {"motion_id": motion.instructs_motion_id, "position": motion.instructs_position}
            if motion.instructs_motion_id
            else None
        ),
        "session_id": motion.session_id,
        "created_at": moment_text(motion.created_at),
        "decided_at": moment_text(motion.decided_at),
        # while its vote runs: when it closes, or earlier only when every voter has voted (2.9)
        "vote_closes_at": moment_text(
            vote_closes_at(uow, motion) if motion.status == "voting" else None
        ),
        "rule": rules.rule_text(motion.majority, motion.seats or 0),
        "amendments": [motion_summary(uow, a) for a in uow.motions.amendments(motion.id)],
        "roll_call": _roll_call(uow, motion),
        "instructions": _instructions(uow, motion.id),
        "breaches": _breaches(uow, motion.id),
        "sessions": uow.sessions.sessions_of_motion(motion.parent_id or motion.id),
    }
    if motion.is_secret and motion.is_decided:
        out["ballots"] = uow.motions.secret_ballots(motion.id)
    if viewer is not None:
        out["viewer"] = {
            "is_voter": viewer in voters(uow, motion),
            "has_voted": viewer in uow.motions.votes(motion.id)
            or viewer in uow.motions.participants(motion.id),
            "vote_called_by_me": motion.vote_called_by == viewer,
        }
    return out


def motion(uow: UnitOfWork, motion_id: int, viewer: int | None = None) -> dict[str, Any]:
    with uow:
        found = uow.motions.get(motion_id)
        if found is None:
            raise errors.NotFound(f"no motion {motion_id}")
        return _motion(uow, found, viewer)


def motions_of(
    uow: UnitOfWork, *, unit_id: int | None = None, council_id: int | None = None
) -> list[dict[str, Any]]:
    with uow:
        table = uow.motions.table
        where = (
            table.c.unit_id == unit_id if unit_id is not None else table.c.council_id == council_id
        )
        return [motion_summary(uow, m) for m in uow.motions.list(where, order_by=table.c.id.desc())]


# -- sessions and minutes ----------------------------------------------------------------------


def _session(uow: UnitOfWork, session_id: int) -> dict[str, Any]:
    session = uow.sessions.get(session_id)
    if session is None:
        raise errors.NotFound(f"no session {session_id}")
    council = uow.councils.get(session.council_id)
    assert council is not None
    deputies = {md.holder_id for md in uow.mandates.active_in_council(council.id)}
    held = holders_at(
        uow.mandates.list(uow.mandates.table.c.council_id == council.id),
        session_moment(session, uow.now()),
    )
    present = uow.sessions.present(session.id)
    people = visibility.member_names(uow, set(present) | {session.convened_by})
    agenda = []
    for motion_id in uow.sessions.agenda(session.id):
        item = uow.motions.get(motion_id)
        assert item is not None
        amendments = [_motion(uow, a, None) for a in uow.motions.amendments(item.id)]
        agenda.append(_motion(uow, item, None) | {"amendments_full": amendments})
    filled = len(held)
    counted = sum(1 for p in present if p in held)
    return {
        "id": session.id,
        "title": session.title,
        "status": session.status,
        "council": {"id": council.id, "name": council.name},
        "convened_by": people.get(session.convened_by),
        "convened_at": moment_text(session.convened_at),
        "opened_at": moment_text(session.opened_at),
        "closed_at": moment_text(session.closed_at),
        "filled_seats": filled,
        "quorum": quorum_needed(filled),
        "present": [people[p] for p in present if p in people],
        "present_count": counted,
        "has_quorum": has_quorum(counted, filled),
        "agenda": agenda,
        "deputy_ids": sorted(deputies),
    }


def session(uow: UnitOfWork, session_id: int) -> dict[str, Any]:
    with uow:
        out = _session(uow, session_id)
    out["minutes"] = minutes_text(out)
    return out


def council_name(uow: UnitOfWork, council_id: int) -> str | None:
    """The council's name, for the crumbs of its sessions' page; None for no such council."""
    with uow:
        council = uow.councils.get(council_id)
        return council.name if council is not None else None


def sessions_of(uow: UnitOfWork, council_id: int) -> list[dict[str, Any]]:
    with uow:
        return [
            {
                "id": s.id,
                "title": s.title,
                "status": s.status,
                "convened_at": moment_text(s.convened_at),
            }
            for s in uow.sessions.of_council(council_id)
        ]


def _outcome_lines(item: dict[str, Any], indent: str) -> list[str]:
    t = item["tally"]
    lines = [f"{indent}Motion {item['id']}: {item['title']} ({item['majority'].replace('_', ' ')})"]
    if item["status"] in ("adopted", "rejected"):
        lines.append(
            f"{indent}  {item['status'].upper()}: yes {t['yes']}, no {t['no']}, abstain "
            f"{t['abstain']}; {item['rule']}"
        )
        for vote in item["roll_call"]:
            lines.append(
                f"{indent}    {vote['name']} ({vote['faction'] or 'no faction'}): "
                f"{vote['position']}"
            )
        if item["is_secret"]:
            lines.append(
                f"{indent}    (secret vote: {len(item.get('ballots', []))} ballots, "
                "published with their receipts)"
            )
        for breach in item["breaches"]:
            who = breach["member"]["name"] if breach["member"] else "?"
            lines.append(
                f"{indent}    BREACH: {who} voted {breach['cast']} against the instruction "
                f"to vote {breach['required']}"
            )
    else:
        lines.append(f"{indent}  not decided ({item['status']})")
    return lines


def minutes_text(view: dict[str, Any]) -> str:
    """The minutes as plain text, from the session's view."""
    lines = [
        f"Minutes of {view['council']['name']}: {view['title']}",
        f"Convened {view['convened_at'][:10]} by "
        f"{(view['convened_by'] or {}).get('name', '?')}; status {view['status']}.",
        f"Present: {view['present_count']} of {view['filled_seats']} filled seats "
        f"(quorum {view['quorum']}): " + ", ".join(p["name"] for p in view["present"]) + ".",
    ]
    for number, item in enumerate(view["agenda"], start=1):
        lines.append(f"{number}. {item['title']}")
        for amendment in item["amendments_full"]:
            lines += _outcome_lines(amendment, "   Amendment: ")
        lines += _outcome_lines(item, "   ")
    return "\n".join(lines)


# -- initiatives and breaches --------------------------------------------------------------------


def initiative(uow: UnitOfWork, initiative_id: int) -> dict[str, Any]:
    """The initiative's path: each level from its unit's base council up to the chief, with the
    support there, the threshold and, once reached, the council's motion and its fate."""
    with uow:
        found = uow.initiatives.get(initiative_id)
        if found is None:
            raise errors.NotFound(f"no initiative {initiative_id}")
        land = Territory(uow)
        supports = uow.initiatives.supports(found.id)
        steps = {s.council_id: s for s in uow.initiatives.steps(found.id)}
        origin = land.units[found.origin_unit_id]
        levels, current = [], land.councils.get(origin.council_id)
        while current is not None:
            support, who = land.support(current.id, supports)
            members = land.members_under(current.id)
            share = uow.standing_orders.of(council_id=current.id)["initiative_threshold_bp"]
            step = steps.get(current.id)
            motion = uow.motions.get(step.motion_id) if step else None
            levels.append(
                {
                    "council": {"id": current.id, "name": current.name},
                    "members": members,
                    "support": step.support if step else support,
                    "support_now": support,
                    "threshold_bp": share,
                    "needed": irules.needed(members, share),
                    "supporters": who,
                    "reached_at": moment_text(step.reached_at) if step else None,
                    "motion": {"id": motion.id, "status": motion.status} if motion else None,
                }
            )
            current = land.councils.get(current.parent_id) if current.parent_id else None
        carried = uow.initiatives.motions_of(found.id)
        return {
            "id": found.id,
            "title": found.title,
            "text": found.text,
            "origin_unit": {"id": origin.id, "name": origin.name},
            "started_at": moment_text(found.started_at),
            "levels": levels,
            "motions": [{"id": m.id, "status": m.status, "place": _place(uow, m)} for m in carried],
        }


def initiatives(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return [
            {
                "id": i.id,
                "title": i.title,
                "origin_unit_id": i.origin_unit_id,
                "reached": len(uow.initiatives.steps(i.id)),
            }
            for i in uow.initiatives.list(order_by=uow.initiatives.table.c.id.desc())
        ]


def breach(uow: UnitOfWork, breach_id: int, viewer: int | None = None) -> dict[str, Any]:
    with uow:
        found = uow.breaches.get(breach_id)
        if found is None:
            raise errors.NotFound(f"no breach {breach_id}")
        instruction = uow.instructions.get(found.instruction_id)
        assert instruction is not None
        target = uow.motions.get(instruction.motion_id)
        mandate = uow.mandates.get(found.mandate_id)
        assert target is not None and mandate is not None
        electorate = uow.electorates.get(instruction.electorate_id)
        assert electorate is not None
        eligible = electors(uow, electorate)
        petition = uow.recalls.undecided_for(mandate.id)
        return {
            "id": found.id,
            "member": visibility.member_names(uow, {found.member_id}).get(found.member_id),
            "mandate": {"id": mandate.id, "is_active": mandate.is_active},
            "motion": {
                "id": target.id,
                "title": target.title,
                "title_as": motion_titles.title_as(uow, target),
            },
            "required": instruction.position,
            "cast": found.position_cast,
            "instruction": {
                "id": instruction.id,
                "adopted_by_motion_id": instruction.adopted_by_motion_id,
            },
            "electorate": {"kind": electorate.kind, "id": electorate.source_id},
            "recorded_at": moment_text(found.recorded_at),
            "open_petition_id": petition.id if petition else None,
            "viewer_is_elector": viewer in eligible if viewer is not None else False,
        }


def draft_form(
    uow: UnitOfWork,
    viewer: int | None,
    *,
    unit_id: int | None = None,
    council_id: int | None = None,
) -> dict[str, Any] | None:
    """The motion form of a unit's assembly or a council, for the viewer: None when they may not
    put a motion there (the rule of services/motions.py: a member in their own unit, a deputy in
    their council); else where it goes and whether its standing orders allow a secret vote."""
    if viewer is None:
        return None
    with uow:
        place = DraftMotion(unit_id, council_id, "form", "form")
        try:
            check_place(uow, viewer, place)
        except (errors.NotAllowed, errors.NotFound):
            return None
        return {
            "unit_id": unit_id,
            "council_id": council_id,
            "allows_secret": allows_secret(uow, unit_id, council_id),
        }
