"""The log names members by number (DESIGN.md 2.11): `check` finds an entry that names one by
username, name or e-mail (services/invariants/privacy.py); a founded federation has none."""

from __future__ import annotations

import pytest

from dualpower.services.check import check
from factories import Small


def _record(fed: Small, payload: dict, actor: str | None = None) -> None:  # type: ignore[type-arg]
    with fed.system.uow() as uow:
        uow.record("test.act", payload, actor=actor)
        uow.commit()


def test_a_founded_federation_logs_no_name(federation: Small) -> None:
    assert check(federation.system.uow()) == []


@pytest.mark.parametrize(
    ("payload", "actor"),
    [
        ({"members": [["forge4", 1]]}, None),  # a username, as roll.import once logged
        ({"who": {"name": "Forge Member 4"}}, None),  # a name, deep in the payload
        ({"member": 4}, "forge4"),  # a username as the actor
        ({"to": "forge4@mail.example"}, None),  # an e-mail address
    ],
)
def test_an_entry_naming_a_member_is_found(
    federation: Small,
    payload: dict,
    actor: str | None,  # type: ignore[type-arg]
) -> None:
    with federation.system.uow() as uow:
        forge4 = federation.members["forge4"]
        uow.conn.execute(
            uow.members.table.update()
            .where(uow.members.table.c.id == forge4)
            .values(email="forge4@mail.example")
        )
        uow.commit()
    _record(federation, payload, actor)
    problems = check(federation.system.uow())
    assert len(problems) == 1 and f"member {forge4} by username" in problems[0], problems


def test_names_of_the_structure_are_not_members(federation: Small) -> None:
    _record(federation, {"unit": "Forge", "council": "North Council", "member": 4}, "operator")
    assert check(federation.system.uow()) == []
