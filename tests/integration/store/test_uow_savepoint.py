"""A unique key taken is a domain error (issue 27): services catch `errors.Duplicate`, never the
driver's IntegrityError, and import nothing of SQLAlchemy for it.

`uow.savepoint()` undoes only what ran inside it and lets the act go on; `uow.constrained()` has
no savepoint (the act fails as a whole). Both raise `errors.Duplicate`, a Conflict (HTTP 409)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dualpower.bootstrap import System
from dualpower.domain import errors
from dualpower.store import tables as t
from factories import small_federation


def _faction(uow, federation_id: int, name: str) -> int:  # type: ignore[no-untyped-def]
    return uow.factions.add(
        federation_id=federation_id, name=name, short=name[:3], colour="#123456", platform=""
    )


def _names(system: System) -> list[str]:
    with system.engine.connect() as conn:
        return list(conn.execute(select(t.factions.c.name).order_by(t.factions.c.id)).scalars())


def test_a_taken_key_in_a_savepoint_is_a_duplicate_and_the_act_goes_on(system: System) -> None:
    small = small_federation(system, elect=False)
    before = _names(system)
    with system.uow() as uow:
        _faction(uow, small.federation_id, "Anarchists")
        with pytest.raises(errors.Duplicate) as caught:
            with uow.savepoint():
                _faction(uow, small.federation_id, "Anarchists")
        assert isinstance(caught.value, errors.Conflict)  # mapped to 409 if not caught
        _faction(uow, small.federation_id, "Syndicalists")  # the transaction is still usable
        uow.commit()
    assert _names(system) == [*before, "Anarchists", "Syndicalists"]


def test_a_savepoint_that_succeeds_keeps_its_writes(system: System) -> None:
    small = small_federation(system, elect=False)
    before = _names(system)
    with system.uow() as uow:
        with uow.savepoint():
            _faction(uow, small.federation_id, "Anarchists")
        uow.commit()
    assert _names(system) == [*before, "Anarchists"]


def test_constrained_raises_a_duplicate_and_nothing_is_written(system: System) -> None:
    small = small_federation(system, elect=False)
    before = _names(system)
    with pytest.raises(errors.Duplicate):
        with system.uow() as uow:
            _faction(uow, small.federation_id, "Anarchists")
            with uow.constrained():
                _faction(uow, small.federation_id, "Anarchists")
            uow.commit()  # never reached
    assert _names(system) == before


def test_other_errors_pass_through_a_savepoint(system: System) -> None:
    small = small_federation(system, elect=False)
    with system.uow() as uow:
        with pytest.raises(errors.NotAllowed):
            with uow.savepoint():
                _faction(uow, small.federation_id, "Anarchists")
                raise errors.NotAllowed("a rule refused it")
        assert uow.factions.list(t.factions.c.name == "Anarchists") == []  # undone alone


def test_unique_or_raises_the_acts_own_refusal_when_the_key_is_taken(system: System) -> None:
    small = small_federation(system, elect=False)
    before = _names(system)
    with system.uow() as uow:
        _faction(uow, small.federation_id, "Anarchists")
        with pytest.raises(errors.Conflict, match="there is a faction 'Anarchists' already"):
            with uow.unique_or(errors.Conflict("there is a faction 'Anarchists' already")):
                _faction(uow, small.federation_id, "Anarchists")
        with uow.unique_or(errors.Conflict("never raised")):
            _faction(uow, small.federation_id, "Syndicalists")
        uow.commit()
    assert _names(system) == [*before, "Anarchists", "Syndicalists"]
