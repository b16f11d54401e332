"""The one place where privileged acts are checked (DESIGN.md 2.4).

`require(uow, member_id, capability, council_id)` passes only when the member holds, now, an
office of that council carrying the capability, through a term whose mandate is still in force.
It reads the database inside the act's own transaction, so a recall committed before the act
began takes the power away at once.
"""

from __future__ import annotations

from dualpower.domain.capabilities import ALL
from dualpower.domain.errors import NotAllowed
from dualpower.store.uow import UnitOfWork


def capabilities_of(uow: UnitOfWork, member_id: int, council_id: int) -> set[str]:
    return uow.offices.capabilities_held(member_id, council_id)


def require(uow: UnitOfWork, member_id: int, capability: str, council_id: int) -> None:
    assert capability in ALL, capability
    if capability not in capabilities_of(uow, member_id, council_id):
        raise NotAllowed(
            f"this needs the capability {capability.replace('_', ' ')!r} of an office of "
            "this council, held now"
        )
