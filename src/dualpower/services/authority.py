"""The one place where privileged acts are checked (DESIGN.md 2.4).

`require(uow, member_id, capability, council_id)` passes only when the member holds, now, an
office of that council carrying the capability, through a term whose mandate is still in force.
It reads the database inside the act's own transaction, so a recall committed before the act
began takes the power away at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dualpower.domain.capabilities import ALL, CONVENE_SESSION, KEEP_ORDER
from dualpower.domain.errors import NotAllowed, NotFound
from dualpower.store.uow import UnitOfWork

OPERATOR: Final = "operator"


@dataclass(frozen=True)
class Caller:
    """Who asks: a member (checked for a capability) or the operator at the command line."""

    member_id: int | None = None
    is_operator: bool = False

    @property
    def actor(self) -> str:
        return OPERATOR if self.is_operator else str(self.member_id)


def capabilities_of(uow: UnitOfWork, member_id: int, council_id: int) -> set[str]:
    return uow.offices.capabilities_held(member_id, council_id)


def keeps_order(uow: UnitOfWork, member_id: int, session_id: int) -> bool:
    """Whether the member keeps this session's order now (DESIGN.md 2.4a): a steward of this
    session, holding `keep_order` through its post; while the session has no steward in
    office, a holder of `convene_session` of its council (the chair). Nobody once it closed."""
    session = uow.sessions.get(session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    if session.status == "closed":
        return False
    stewards = uow.steward_posts.keepers(session.id)
    if stewards:
        return member_id in stewards
    return CONVENE_SESSION in capabilities_of(uow, member_id, session.council_id)


def require(
    uow: UnitOfWork,
    member_id: int,
    capability: str,
    council_id: int,
    *,
    session_id: int | None = None,
) -> None:
    """`keep_order` is held for one session: name it (`session_id`)."""
    assert capability in ALL, capability
    if capability == KEEP_ORDER:
        assert session_id is not None, "keep_order is checked for one session"
        if not keeps_order(uow, member_id, session_id):
            raise NotAllowed(
                "this needs the capability 'keep order' of this session, held now: its "
                "stewards (or, until the council elects them, its chair)"
            )
        return
    if capability not in capabilities_of(uow, member_id, council_id):
        raise NotAllowed(
            f"this needs the capability {capability.replace('_', ' ')!r} of an office of "
            "this council, held now"
        )


def require_of(uow: UnitOfWork, caller: Caller, capability: str, council_id: int) -> None:
    """`require` for a caller: the operator passes; a member must hold the capability."""
    if caller.is_operator:
        return
    if caller.member_id is None:
        raise NotAllowed("log in first")
    require(uow, caller.member_id, capability, council_id)
