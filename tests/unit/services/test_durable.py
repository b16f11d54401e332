"""services/durable.py: an act's `*_in` part run in a transaction of its own, on both databases:
committed when it returns, nothing kept when it raises."""

from __future__ import annotations

import pytest

from dualpower.domain import errors
from dualpower.services.durable import durably
from dualpower.store.uow import UnitOfWork


def _rename(uow: UnitOfWork, member_id: int, name: str, *, refuse: bool = False) -> str:
    uow.members.set(member_id, display_name=name)
    if refuse:
        raise errors.Conflict("refused after the write")
    return name


def _name(fed, member_id: int) -> str:  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        return str(uow.members.get(member_id).display_name)


def test_the_act_is_committed_and_its_answer_returned(federation) -> None:  # type: ignore[no-untyped-def]
    member = federation.members["forge1"]
    assert durably(federation.system.uow(), _rename, member, "Alexandra") == "Alexandra"
    assert _name(federation, member) == "Alexandra"


def test_an_act_that_raises_keeps_nothing(federation) -> None:  # type: ignore[no-untyped-def]
    member = federation.members["forge1"]
    before = _name(federation, member)
    with pytest.raises(errors.Conflict, match="refused after the write"):
        durably(federation.system.uow(), _rename, member, "Alexandra", refuse=True)
    assert _name(federation, member) == before
