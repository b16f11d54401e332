"""A session's speakers' list (DESIGN.md 2.4a; the rules in domain/speakers.py).

Asking for the floor and withdrawing are the deputy's own acts. Giving the floor, ending a
speech and setting the time limit need `keep_order` of the session (services/authority.py:
its stewards, or its chair until the council elects them). Every act is logged as
`speakers.<verb>`. The session's row is locked by the keeper's acts, so two "next" at once give
the floor once; a deputy's second request for the same item meets the unique index (409).
"""

from __future__ import annotations

from dualpower.domain import errors
from dualpower.domain import speakers as rules
from dualpower.domain.capabilities import KEEP_ORDER
from dualpower.domain.motions import Motion
from dualpower.domain.sessions import Session
from dualpower.domain.speakers import Speech
from dualpower.services import authority, sessions
from dualpower.store.uow import UnitOfWork


def _must_be_open(session: Session) -> Session:
    if session.status != "open":
        raise errors.Conflict(f"the session is {session.status}, not open")
    return session


def _keeper(uow: UnitOfWork, session_id: int, keeper_id: int) -> Session:
    """Lock the session and check the keeper first: once the session closed, or the steward
    was recalled, the answer is a refusal (403), whatever else the request asks."""
    session = sessions.get(uow, session_id, lock=True)
    authority.require(uow, keeper_id, KEEP_ORDER, session.council_id, session_id=session.id)
    return session


def is_decided(uow: UnitOfWork, motion_id: int) -> bool:
    """Whether a motion on an agenda is decided (an agenda names motions that exist)."""
    motion: Motion | None = uow.motions.get(motion_id)
    assert motion is not None
    return motion.is_decided


def item_of(uow: UnitOfWork, session: Session, motion_id: int | None) -> int:
    """The agenda item named, or the current one; it must be on the agenda, undecided."""
    agenda = uow.sessions.agenda(session.id)
    decided = {m: is_decided(uow, m) for m in agenda}
    if motion_id is None:
        current = rules.current_item([(m, decided[m]) for m in agenda])
        if current is None:
            raise errors.Conflict("every item on this session's agenda is decided")
        return current
    if motion_id not in decided:
        raise errors.InvalidRequest(f"motion {motion_id} is not on this session's agenda")
    if decided[motion_id]:
        raise errors.Conflict(f"motion {motion_id} is decided already")
    return motion_id


def request_floor(
    uow: UnitOfWork, session_id: int, member_id: int, motion_id: int | None = None
) -> int:
    """A deputy present at the open session asks for the floor on an item (once at a time)."""
    with uow:
        session = _must_be_open(sessions.get(uow, session_id))
        if not uow.mandates.holds_seat_in(member_id, session.council_id):
            raise errors.NotAllowed("only the council's deputies ask for the floor here")
        if member_id not in uow.sessions.present(session.id):
            raise errors.NotAllowed("register your attendance at the session first")
        item = item_of(uow, session, motion_id)
        try:
            with uow.savepoint():
                speech_id = uow.speeches.add(
                    session_id=session.id,
                    motion_id=item,
                    member_id=member_id,
                    requested_at=uow.now(),
                    status=rules.WAITING,
                    is_overrun=False,
                )
        except errors.Duplicate:
            raise errors.Conflict("you are on the speakers' list for this item already") from None
        uow.record(
            "speakers.request",
            {"session": session.id, "motion": item, "speech": speech_id},
            actor=str(member_id),
        )
        uow.commit()
    return int(speech_id)


def withdraw(
    uow: UnitOfWork, session_id: int, member_id: int, motion_id: int | None = None
) -> None:
    """A deputy takes their own request off the list (while still waiting)."""
    with uow:
        sessions.get(uow, session_id)
        mine = [
            s
            for s in uow.speeches.open_of(session_id, member_id)
            if motion_id is None or s.motion_id == motion_id
        ]
        waiting = [s for s in mine if s.status == rules.WAITING]
        if not waiting:
            raise errors.Conflict(
                "you hold the floor: the keeper of order ends the speech"
                if mine
                else "you are not waiting on this session's speakers' list"
            )
        speech = waiting[0]
        if not uow.speeches.finish(speech.id, rules.WITHDRAWN, uow.now()):
            raise errors.Conflict("this request has ended already")
        uow.record(
            "speakers.withdraw",
            {"session": session_id, "motion": speech.motion_id, "speech": speech.id},
            actor=str(member_id),
        )
        uow.commit()


def _end(uow: UnitOfWork, speech: Speech, keeper_id: int) -> None:
    now = uow.now()
    overrun = speech.overruns(now)
    if not uow.speeches.finish(speech.id, rules.SPOKEN, now, is_overrun=overrun):
        raise errors.Conflict("this speech has ended already")
    uow.record(
        "speakers.end",
        {
            "session": speech.session_id,
            "motion": speech.motion_id,
            "speech": speech.id,
            "member": speech.member_id,
            "seconds": speech.used_seconds(now),
            "limit": speech.limit_seconds,
            "is_overrun": overrun,
        },
        actor=str(keeper_id),
    )


def give_floor(
    uow: UnitOfWork, session_id: int, keeper_id: int, motion_id: int | None = None
) -> int | None:
    """The keeper of order ends the current speech (if any) and gives the floor to the first on
    the list of the item (the current one by default). Returns the new speech, or None."""
    with uow:
        session = _keeper(uow, session_id, keeper_id)
        _must_be_open(session)
        current = uow.speeches.speaking(session.id)
        item = item_of(uow, session, motion_id)
        queue = uow.speeches.waiting(session.id, item)
        if current is None and not queue:
            raise errors.Conflict("nobody is waiting for the floor on this item")
        if current is not None:
            _end(uow, current, keeper_id)
        given = None
        if queue:
            given = queue[0]
            limit = uow.speeches.limit(session.id)
            uow.speeches.set(
                given.id, status=rules.SPEAKING, floor_at=uow.now(), limit_seconds=limit
            )
            uow.record(
                "speakers.give_floor",
                {
                    "session": session.id,
                    "motion": item,
                    "speech": given.id,
                    "member": given.member_id,
                    "limit": limit,
                },
                actor=str(keeper_id),
            )
        uow.commit()
    return given.id if given else None


def end_speech(uow: UnitOfWork, session_id: int, keeper_id: int) -> int:
    """The keeper of order ends the speech in progress (an overrun is marked)."""
    with uow:
        session = _keeper(uow, session_id, keeper_id)
        _must_be_open(session)
        current = uow.speeches.speaking(session.id)
        if current is None:
            raise errors.Conflict("nobody holds the floor")
        _end(uow, current, keeper_id)
        uow.commit()
    return int(current.id)


def set_limit(uow: UnitOfWork, session_id: int, keeper_id: int, seconds: int | None) -> None:
    """The keeper of order sets the time limit per speech for the session (0 or None: none).
    It applies from the next floor given."""
    limit = rules.check_limit(seconds)
    with uow:
        session = _keeper(uow, session_id, keeper_id)
        if session.status == "closed":
            raise errors.Conflict("the session is closed")
        uow.speeches.set_limit(session.id, limit)
        uow.record(
            "speakers.set_limit",
            {"session": session.id, "limit": limit},
            actor=str(keeper_id),
        )
        uow.commit()
