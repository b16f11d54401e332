"""Read views of a session's order: its speakers' list with the time used and left, its
stewards and their elections, and what the viewer may do there (for the page's forms; every
act checks again in its service)."""

from __future__ import annotations

from typing import Any

from dualpower.domain import speakers as rules
from dualpower.domain.capabilities import CONVENE_SESSION
from dualpower.domain.speakers import Speech
from dualpower.services import authority, sessions, visibility
from dualpower.services.speakers import is_decided
from dualpower.store.uow import UnitOfWork


def _names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    table = uow.members.table
    found = uow.members.list(table.c.id.in_(list(ids)))
    return {m.id: m.display_name for m in visibility.masked_members(uow, found)}  # 2.11


def _speech(speech: Speech, names: dict[int, str], uow: UnitOfWork) -> dict[str, Any]:
    now = uow.now()
    is_live = speech.status == rules.SPEAKING
    return {
        "id": speech.id,
        "motion_id": speech.motion_id,
        "member": {"id": speech.member_id, "name": names.get(speech.member_id, "?")},
        "status": speech.status,
        "requested_at": speech.requested_at.isoformat(),
        "floor_at": speech.floor_at.isoformat() if speech.floor_at else None,
        "ended_at": speech.ended_at.isoformat() if speech.ended_at else None,
        "limit_seconds": speech.limit_seconds,
        "used_seconds": speech.used_seconds(now),
        "remaining_seconds": speech.remaining_seconds(now),
        "is_overrun": speech.is_overrun or (is_live and speech.overruns(now)),
    }


def _stewards(uow: UnitOfWork, session_id: int) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    for office_id in uow.steward_posts.offices_of(session_id):
        office = uow.offices.get(office_id)
        assert office is not None
        term = uow.office_terms.active_of_office(office_id)
        table = uow.elections.table
        held = uow.elections.list(table.c.office_id == office_id, order_by=table.c.id.desc())
        posts.append(
            {
                "office_id": office_id,
                "name": office.name,
                "capabilities": list(office.capabilities),
                "term_id": term.id if term else None,
                "holder_id": term.holder_id if term else None,
                "election": (
                    {"id": held[0].id, "status": held[0].status, "kind": held[0].kind}
                    if held
                    else None
                ),
            }
        )
    names = _names(uow, {p["holder_id"] for p in posts if p["holder_id"]})
    for post in posts:
        post["holder_name"] = names.get(post["holder_id"]) if post["holder_id"] else None
    return posts


def _viewer(uow: UnitOfWork, session: Any, viewer: int, mine: list[Speech]) -> dict[str, Any]:
    present = viewer in uow.sessions.present(session.id)
    return {
        "is_deputy": uow.mandates.holds_seat_in(viewer, session.council_id),
        "is_present": present,
        "waiting": [s.motion_id for s in mine if s.status == rules.WAITING],
        "is_speaking": any(s.status == rules.SPEAKING for s in mine),
        "keeps_order": authority.keeps_order(uow, viewer, session.id),
        "is_chair": CONVENE_SESSION in authority.capabilities_of(uow, viewer, session.council_id),
    }


def order(uow: UnitOfWork, session_id: int, viewer: int | None = None) -> dict[str, Any]:
    """The session's speakers' list and stewards (and, for a viewer, their part)."""
    with uow:
        session = sessions.get(uow, session_id)
        speeches = uow.speeches.of_session(session.id)
        names = _names(uow, {s.member_id for s in speeches})
        agenda = uow.sessions.agenda(session.id)
        decided = [(m, is_decided(uow, m)) for m in agenda]
        stewards = _stewards(uow, session.id)
        out: dict[str, Any] = {
            "session_id": session.id,
            "status": session.status,
            "limit_seconds": uow.speeches.limit(session.id),
            "current_item": rules.current_item(decided),
            "speaking": next(
                (_speech(s, names, uow) for s in speeches if s.status == rules.SPEAKING), None
            ),
            "waiting": [_speech(s, names, uow) for s in speeches if s.status == rules.WAITING],
            "done": [
                _speech(s, names, uow)
                for s in speeches
                if s.status not in (rules.WAITING, rules.SPEAKING)
            ],
            "stewards": stewards,
            "kept_by": "stewards" if any(p["holder_id"] for p in stewards) else "chair",
        }
        if viewer is not None and session.status != "closed":
            mine = [s for s in speeches if s.member_id == viewer and s.ended_at is None]
            out["viewer"] = _viewer(uow, session, viewer, mine)
        return out


def is_chair(uow: UnitOfWork, viewer: int | None, council_id: int) -> bool:
    """Whether the viewer holds `convene_session` of the council now (to show the chair's
    forms; the acts check it themselves)."""
    if viewer is None:
        return False
    with uow:
        return CONVENE_SESSION in authority.capabilities_of(uow, viewer, council_id)
