"""A council's name is its own in the federation, held by the database (issue 21), on both
databases: the check before a council is added runs before the insert, so two concurrent acts
adding one name could both pass it; the unique index (`uq_councils_name`, migration 0030_h21b)
lets only one commit, and the other is answered 409 with nothing changed."""

from __future__ import annotations

import pytest

from dualpower.domain import errors
from dualpower.services import structure
from factories import Small, small_federation


@pytest.fixture
def founding(system) -> Small:  # type: ignore[no-untyped-def]
    return small_federation(system, elect=False)


def _councils(fed: Small) -> list[str]:
    with fed.system.uow() as uow:
        return sorted(c.name for c in uow.councils.list())


def test_the_database_refuses_a_second_council_of_one_name(founding: Small) -> None:
    before = _councils(founding)
    with founding.system.uow() as uow:
        south = uow.councils.get(founding.councils["South Council"])
        assert south is not None
        with pytest.raises(errors.Duplicate), uow.savepoint():
            uow.councils.add(
                federation_id=south.federation_id,
                name="South Council",
                parent_id=south.parent_id,
                apportionment=south.apportionment,
            )
    assert _councils(founding) == before


def test_the_loser_of_a_race_is_answered_409_and_nothing_changes(founding: Small) -> None:
    """The act that lost the race passed the name check before the winner committed: its insert
    is what refuses it (the check is skipped here as the race would let it through)."""
    fed = founding
    structure.apply_as_operator(
        fed.system.uow(),
        {"kind": "add_council", "name": "East Council", "parent": "Chief Council"},
        actor="operator",
    )
    before = _councils(fed)
    with fed.system.uow() as uow:
        chief = uow.councils.get(fed.councils["Chief Council"])
        assert chief is not None
        electorates = len(uow.electorates.list())
        with pytest.raises(errors.Conflict, match="there is a council 'East Council' already"):
            structure._add_council(uow, chief, "East Council")
        assert len(uow.electorates.list()) == electorates
    assert _councils(fed) == before
