"""The log names members by number (DESIGN.md 2.11): `check` finds an entry that names one by
username, name or e-mail (services/invariants/privacy.py); a founded federation has none."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dualpower.services.check import check
from dualpower.services.roll import import_roll
from dualpower.store import tables as t
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


def test_a_roll_import_logs_numbers_not_names(federation: Small) -> None:
    csv = "username,name,email\nanna.p,Anna Petrova,anna@mail.example\n"
    import_roll(federation.system.uow(), csv, "Forge", actor="operator", is_operator=True)
    with federation.system.reader() as uow:
        anna = uow.members.by_username("anna.p")
        payload = uow.conn.execute(
            select(t.audit_log.c.payload).where(t.audit_log.c.act == "roll.import")
        ).scalar_one()
    assert anna is not None and json.loads(payload) == {
        "members": [[anna.id, federation.units["Forge"]]]
    }
    assert check(federation.system.uow()) == []
