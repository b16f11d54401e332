"""A unit moved to another council, a council added (DESIGN.md 2.10, issue 21), on both databases:
logged operator acts while founding, refused to the operator once the chief council sits and
then made by the adopted motion of the council concerned (for a move, the lowest council over
both); seats are re-apportioned at the next election and mandates stand until then (a deputy
re-elected in the new council leaves their old council's seat and what rested on it); `check`
holds throughout; refusals change nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dualpower.domain import errors
from dualpower.services import elections, motions, sessions, structure
from dualpower.services.apportion import seats_now
from dualpower.services.check import check
from dualpower.store import tables as t
from factories import Small, small_federation, username
from fixtures_services import OpenElection, cast_many, close_election, open_election, show_of_hands
from offices_support import setup_offices, sit

OP = "operator"
MOVE_FORGE_SOUTH = {"kind": "move_unit", "unit": "Forge", "council": "South Council"}


@pytest.fixture
def founding(system) -> Small:  # type: ignore[no-untyped-def]
    return small_federation(system, elect=False)


def _acts(fed: Small, act: str) -> list[tuple[bool, dict[str, object]]]:
    with fed.system.engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_log.c.is_operator, t.audit_log.c.payload).where(t.audit_log.c.act == act)
        )
        return [(bool(op), json.loads(p)) for op, p in rows]


def _seats_in_chief(fed: Small) -> dict[str, int]:
    with fed.system.uow() as uow:
        chief = fed.councils["Chief Council"]
        names = {c.id: c.name for c in uow.councils.list()}
        return {names[e.source_id]: e.seats for e in uow.electorates.of_council(chief)}


def test_the_operator_adds_a_council_and_moves_a_unit_into_it_while_founding(
    founding: Small,
) -> None:
    fed = founding
    before = _seats_in_chief(fed)
    added = structure.apply_as_operator(
        fed.system.uow(),
        {"kind": "add_council", "name": "East Council", "parent": "Chief Council"},
        actor=OP,
    )
    east = added["council"]
    with fed.system.uow() as uow:
        council, chief = uow.councils.get(east), uow.councils.get(fed.councils["Chief Council"])
        assert council.parent_id == chief.id and council.seat_method == chief.seat_method
        assert council.apportionment == chief.apportionment
        assert uow.standing_orders.of(council_id=east) == uow.standing_orders.of(
            council_id=chief.id
        )
        electorate = uow.electorates.for_source_council(east)
        assert (electorate.council_id, electorate.seats) == (chief.id, 0)  # no members yet
    assert _acts(fed, "structure.add_council") == [(True, {"council": east, "parent": chief.id})]
    moved = structure.apply_as_operator(
        fed.system.uow(),
        {"kind": "move_unit", "unit": "Forge", "council": "East Council"},
        actor=OP,
    )
    assert moved == {
        "unit": fed.units["Forge"],
        "from": fed.councils["North Council"],
        "council": east,
    }
    with fed.system.uow() as uow:
        assert uow.units.get(fed.units["Forge"]).council_id == east
        assert uow.electorates.for_unit(fed.units["Forge"]).council_id == east
        assert len(uow.members.ids_of_unit(fed.units["Forge"])) == 12  # the roll moves with it
    after = _seats_in_chief(fed)
    # while founding no seat is held: the chief's electorates take their seats from the rolls
    assert after["East Council"] >= 1 and set(before) == {"North Council", "South Council"}
    assert after["North Council"] <= before["North Council"]
    assert _acts(fed, "structure.move_unit")[0][0] is True
    assert check(fed.system.uow()) == []


def _move(unit: str, council: str) -> dict[str, object]:
    return {"kind": "move_unit", "unit": unit, "council": council}


def _council(name: str, parent: str | int) -> dict[str, object]:
    return {"kind": "add_council", "name": name, "parent": parent}


@pytest.mark.parametrize(
    ("change", "error", "says"),
    [
        (_move("Forge", "North Council"), errors.Conflict, "already"),
        (_move("Forge", "Nowhere"), errors.NotFound, "no council"),
        (_move("Nowhere", "South Council"), errors.NotFound, "no base unit"),
        ({"kind": "move_unit", "unit": "Forge"}, errors.InvalidRequest, "council is a non-empty"),
        (_council("South Council", "Chief Council"), errors.Conflict, "already"),
        (_council("X", "Nowhere"), errors.NotFound, "no council"),
        (_council("X", "North Council"), errors.Conflict, "no rule for lower councils"),
        (_council("X\x00", "Chief Council"), errors.InvalidRequest, r"U\+0000"),
        (_council("X" * 201, "Chief Council"), errors.InvalidRequest, "at most 200"),
        (_council("X", 1) | {"seats": 3}, errors.InvalidRequest, "has no seats"),
    ],
)
def test_bad_moves_and_councils_are_refused_and_change_nothing(  # type: ignore[no-untyped-def]
    founding: Small, change, error, says
) -> None:
    with pytest.raises(error, match=says):
        structure.apply_as_operator(founding.system.uow(), change, actor=OP)
    with founding.system.uow() as uow:
        assert len(uow.councils.list()) == 3 and len(uow.electorates.list()) == 6
        assert (
            uow.units.get(founding.units["Forge"]).council_id == founding.councils["North Council"]
        )
    assert _acts(founding, "structure.move_unit") == _acts(founding, "structure.add_council") == []


def test_a_unit_with_an_open_election_does_not_move(founding: Small) -> None:
    fed = founding
    with fed.system.uow() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"]).id
    open_election(fed.system.uow(), OpenElection(forge, kind="founding"))
    with pytest.raises(errors.Conflict, match="open election"):
        structure.apply_as_operator(fed.system.uow(), MOVE_FORGE_SOUTH, actor=OP)


def _adopt(fed: Small, o, change: dict[str, object]) -> int:  # type: ignore[no-untyped-def]
    motion = structure.propose_change(fed.system.uow(), o.deputies[0], change)
    session = sit(o)
    sessions.add_to_agenda(fed.system.uow(), o.holder["chair"], session, motion)
    motions.open_vote(fed.system.uow(), motion, o.holder["chair"])
    show_of_hands(fed.system.uow(), motion, [(d, "yes") for d in o.deputies])
    assert motions.close_vote(fed.system.uow(), motion, o.holder["chair"]).status == "adopted"
    return motion


def test_once_the_chief_sits_the_council_concerned_moves_by_motion_and_mandates_stand(
    federation: Small,
) -> None:
    fed = federation
    with fed.system.uow() as uow:  # as a plan may give it: its units' rules and a default
        north = fed.councils["North Council"]
        rules = uow.councils.get(north).apportionment
        uow.councils.set(north, apportionment=rules | {"default": {"rule": "fixed", "seats": 1}})
        uow.commit()
    with pytest.raises(errors.NotAllowed, match=r"council concerned \(Chief Council\)"):
        structure.apply_as_operator(fed.system.uow(), MOVE_FORGE_SOUTH, actor=OP)
    add = {"kind": "add_council", "name": "Forge District", "parent": "North Council"}
    with pytest.raises(errors.NotAllowed, match=r"council concerned \(North Council\)"):
        structure.apply_as_operator(fed.system.uow(), add, actor=OP)
    o = setup_offices(fed, stipend=0)
    with pytest.raises(errors.NotAllowed, match="only the deputies of North Council"):
        structure.propose_change(fed.system.uow(), fed.members["mill1"], add)
    _adopt(fed, o, add)
    with fed.system.uow() as uow:
        district = next(c for c in uow.councils.list() if c.name == "Forge District")
        forge = uow.electorates.for_unit(fed.units["Forge"])
        seated = uow.mandates.active(uow.mandates.table.c.electorate_id == forge.id)
    motion = _adopt(fed, o, {"kind": "move_unit", "unit": "Forge", "council": "Forge District"})
    ((is_operator, payload),) = _acts(fed, "structure.move_unit")
    assert is_operator is False and payload["motion"] == motion
    with fed.system.uow() as uow:
        assert uow.electorates.for_unit(fed.units["Forge"]).council_id == district.id
        for mandate in seated:  # mandates stand until the unit's next election
            now = uow.mandates.get(mandate.id)
            assert now.is_active and now.council_id == fed.councils["North Council"]
        assert uow.electorates.get(forge.id).seats == forge.seats  # seats too
    assert check(fed.system.uow()) == []
    # the next election, in the new council: its seats from the rolls, the old seats replaced
    with fed.system.uow() as uow:
        seats = seats_now(uow, uow.electorates.get(forge.id))
    election_id = open_election(fed.system.uow(), OpenElection(forge.id))
    again = seated[0].holder_id
    newcomer = fed.members[username("Forge", 12)]
    candidates = [
        elections.nominate(fed.system.uow(), election_id, member, None, None)
        for member in (again, newcomer)
    ]
    voters = sorted(fed.members[username("Forge", i)] for i in range(1, 13))
    cast_many(fed.system.uow(), election_id, [(v, candidates[:seats]) for v in voters])
    won = close_election(fed.system.uow(), election_id)
    assert {md.council_id for md in won} == {district.id}
    with fed.system.uow() as uow:
        for mandate in seated:
            assert uow.mandates.get(mandate.id).end_reason == "replaced"
        # the re-elected deputy's seat in the North Council did not follow them
        north = fed.councils["North Council"]
        assert again not in {md.holder_id for md in uow.mandates.active_in_council(north)}
    assert check(fed.system.uow()) == []
