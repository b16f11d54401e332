"""A council's sessions: convene with an agenda, open, register attendance, close (issue 5;
the rules in domain/sessions.py).

Convening, opening, closing and adding to the agenda need the capability `convene_session` of
an office of the council. Convening puts on the agenda, besides the motions named, every
initiative that reached the council and is on no agenda yet. A session does not close while a
vote is open in it, nor while an initiative on its agenda is undecided: the council must vote
on it (DESIGN.md 2.5). Each deputy registers their own attendance, once (its key). Closing
ends the session's stewards' terms and its speakers' list (services/stewards.py).
"""

from __future__ import annotations

from dualpower.domain import errors
from dualpower.domain.capabilities import CONVENE_SESSION
from dualpower.domain.sessions import Session
from dualpower.services import authority, motions, stewards
from dualpower.store.uow import UnitOfWork


def get(uow: UnitOfWork, session_id: int, *, lock: bool = False) -> Session:
    session: Session | None = (
        uow.sessions.get_for_update(session_id) if lock else uow.sessions.get(session_id)
    )
    if session is None:
        raise errors.NotFound(f"no session {session_id}")
    return session


def _agenda_motion(uow: UnitOfWork, council_id: int, motion_id: int) -> int:
    motion = motions.get(uow, motion_id)
    if motion.council_id != council_id:
        raise errors.InvalidRequest(f"motion {motion_id} is not put to this council")
    if motion.is_amendment:
        raise errors.InvalidRequest("amendments come with their motion, not as agenda items")
    if motion.is_decided:
        raise errors.Conflict(f"motion {motion_id} is decided already")
    return motion.id


def convene_session(
    uow: UnitOfWork, member_id: int, council_id: int, title: str, agenda: list[int]
) -> int:
    with uow:
        if uow.councils.get(council_id) is None:
            raise errors.NotFound(f"no council {council_id}")
        authority.require(uow, member_id, CONVENE_SESSION, council_id)
        title = title.strip()
        if not title or len(title) > 300:
            raise errors.InvalidRequest("a session needs a title of at most 300 characters")
        items = [_agenda_motion(uow, council_id, m) for m in dict.fromkeys(agenda)]
        items += [m.id for m in uow.motions.waiting_for_agenda(council_id) if m.id not in items]
        session_id = uow.sessions.add(
            council_id=council_id,
            title=title,
            convened_by=member_id,
            convened_at=uow.now(),
            status="convened",
        )
        for motion_id in items:
            uow.sessions.add_item(session_id, motion_id)
        uow.record(
            "session.convene",
            {"session": session_id, "council": council_id, "title": title, "agenda": items},
            actor=str(member_id),
        )
        uow.commit()
    return int(session_id)


def _chaired(uow: UnitOfWork, member_id: int, session_id: int) -> Session:
    """The session, locked, once the member is found to hold its council's convening right."""
    session = get(uow, session_id, lock=True)
    authority.require(uow, member_id, CONVENE_SESSION, session.council_id)
    return session


# How the chair moves a session on: to a status, from the one it must have (else the refusal),
# stamping the moment in a column, logged as an act.
_MOVES = {
    "open": ("convened", "the session is {}", "opened_at", "session.open"),
    "closed": ("open", "the session is {}, not open", "closed_at", "session.close"),
}


def _check_move(session: Session, status: str) -> None:
    before, refusal, _, _ = _MOVES[status]
    if session.status != before:
        raise errors.Conflict(refusal.format(session.status))


def _set_status(uow: UnitOfWork, session: Session, member_id: int, status: str) -> None:
    _, _, at, act = _MOVES[status]
    uow.sessions.set(session.id, **{"status": status, at: uow.now()})
    uow.record(act, {"session": session.id}, actor=str(member_id))


def add_to_agenda(uow: UnitOfWork, member_id: int, session_id: int, motion_id: int) -> None:
    with uow:
        session = _chaired(uow, member_id, session_id)
        if session.status == "closed":
            raise errors.Conflict("the session is closed")
        _agenda_motion(uow, session.council_id, motion_id)
        try:
            with uow.savepoint():
                uow.sessions.add_item(session.id, motion_id)
        except errors.Duplicate:
            raise errors.Conflict("the motion is on this agenda already") from None
        uow.record(
            "session.agenda", {"session": session.id, "motion": motion_id}, actor=str(member_id)
        )
        uow.commit()


def open_session(uow: UnitOfWork, member_id: int, session_id: int) -> None:
    with uow:
        session = _chaired(uow, member_id, session_id)
        _check_move(session, "open")
        _set_status(uow, session, member_id, "open")
        uow.commit()


def close_session(uow: UnitOfWork, member_id: int, session_id: int) -> None:
    with uow:
        session = _chaired(uow, member_id, session_id)
        _check_move(session, "closed")
        for motion_id in uow.sessions.agenda(session.id):
            motion = motions.get(uow, motion_id)
            if motion.status == "voting" or any(
                a.status == "voting" for a in uow.motions.amendments(motion.id)
            ):
                raise errors.Conflict(f"the vote on motion {motion.id} is still open")
            if motion.initiative_id is not None and not motion.is_decided:
                raise errors.Conflict(
                    f"the council must vote on the initiative on its agenda (motion {motion.id})"
                )
        _set_status(uow, session, member_id, "closed")
        stewards.close_in_session(uow, session)
        uow.commit()


def register_attendance(uow: UnitOfWork, session_id: int, member_id: int) -> None:
    """A deputy registers their own presence; once per session."""
    with uow:
        session = get(uow, session_id)
        if session.status == "closed":
            raise errors.Conflict("the session is closed")
        deputies = {md.holder_id for md in uow.mandates.active_in_council(session.council_id)}
        if member_id not in deputies:
            raise errors.NotAllowed("only the council's deputies register at its sessions")
        try:
            with uow.savepoint():
                uow.sessions.attend(session.id, member_id, uow.now())
        except errors.Duplicate:
            raise errors.Conflict("your attendance is registered already") from None
        uow.record("session.attend", {"session": session.id, "member": member_id})
        uow.commit()
