"""Helpers for the councils-at-work tests: an office with `convene_session` given directly
through the store (until office elections exist), and a session opened with a quorum."""

from __future__ import annotations

from sqlalchemy import insert

from dualpower.services import sessions
from dualpower.store import tables as t
from factories import Small, username


def deputies(fed: Small, council: str) -> list[int]:
    with fed.system.uow() as uow:
        return sorted(m.holder_id for m in uow.mandates.active_in_council(fed.councils[council]))


def give_chair(fed: Small, council: str, holder_id: int) -> None:
    """An office carrying convene_session, held by `holder_id` on their mandate there."""
    with fed.system.uow() as uow:
        council_id = fed.councils[council]
        mandate = next(
            m for m in uow.mandates.active_in_council(council_id) if m.holder_id == holder_id
        )
        office_id = uow.offices.add(
            council_id=council_id,
            name=f"chair {holder_id}",
            capabilities=["convene_session"],
            stipend=0,
        )
        uow.conn.execute(
            insert(t.office_terms).values(
                office_id=office_id,
                holder_id=holder_id,
                mandate_id=mandate.id,
                election_id=mandate.election_id,
                start_at=uow.now(),
            )
        )
        uow.commit()


def adopt_orders(fed: Small, council: str, **changes: object) -> None:
    """The council's standing orders as an adopted standing-orders motion leaves them (that
    route is tested whole in tests/unit/services/test_standing_orders.py), written through the
    motion kind's own adoption hook inside one unit of work."""
    from dualpower.domain import standing_orders as rules
    from dualpower.services.standing_orders import apply_changes

    with fed.system.uow() as uow:
        apply_changes(uow, fed.councils[council], rules.check_changes(changes))
        uow.commit()


def open_session(
    fed: Small, council: str, agenda: list[int], present: list[int]
) -> tuple[int, int]:
    """A chair, a session with `agenda`, opened, with `present` registered; (session, chair)."""
    chair = deputies(fed, council)[0]
    give_chair(fed, council, chair)
    session_id = sessions.convene_session(
        fed.system.uow(), chair, fed.councils[council], "Session", agenda
    )
    sessions.open_session(fed.system.uow(), chair, session_id)
    for member in present:
        sessions.register_attendance(fed.system.uow(), session_id, member)
    return session_id, chair


def member(fed: Small, unit: str, i: int) -> int:
    return fed.members[username(unit, i)]
