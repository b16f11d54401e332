"""Issue 21's "a building splits in two and the next general election apportions seats to both",
end to end on SQLite and PostgreSQL, after the founding: the chief council has sat, so the split
is the council concerned's act. A North deputy proposes it over HTTP, the North Council adopts
the motion in session, the sitting mandates stand, and the general elections its electoral
commission then opens (`POST /api/v1/councils/{id}/elections`) give both halves seats by the
council's apportionment (a factory: one seat per 6 members, at least 1); once counted, each half
has its deputy, the old mandates are replaced, and `check` holds."""

from __future__ import annotations

import warnings

from dualpower.services import due, motions, sessions
from dualpower.services import elections as elections_service
from dualpower.services.check import check
from factories import PASSWORD, Small, close_nominations, username
from fixtures_services import cast_many, close_election, show_of_hands
from offices_support import setup_offices, sit

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app


def _login(client: TestClient, fed: Small, member_id: int) -> dict[str, str]:
    name = next(u for u, i in fed.members.items() if i == member_id)
    r = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_building_split_by_motion_gets_seats_for_both_halves_at_the_next_election(
    federation: Small,
) -> None:
    fed = federation
    north, forge = fed.councils["North Council"], fed.units["Forge"]
    with fed.system.uow() as uow:
        assert uow.mandates.active_in_council(fed.councils["Chief Council"])  # it has sat
        forge_seats = uow.electorates.for_unit(forge)
        held = uow.mandates.active(uow.mandates.table.c.electorate_id == forge_seats.id)
    sitting = {md.id for md in held}
    assert forge_seats.seats == 2 and len(sitting) == 2  # 12 members
    o = setup_offices(fed, stipend=0)
    movers = [username("Forge", i) for i in range(7, 13)]  # six of the twelve
    with TestClient(create_app(fed.system)) as client:
        proposer = _login(client, fed, o.deputies[0])
        r = client.post(
            "/api/v1/structure-motions",
            json={
                "change": {
                    "kind": "split_unit",
                    "unit": "Forge",
                    "name": "Forge East",
                    "members": movers,
                }
            },
            headers=proposer,
        )
        assert r.status_code == 201, r.text
        motion = r.json()["id"]
        session = sit(o)
        sessions.add_to_agenda(fed.system.uow(), o.holder["chair"], session, motion)
        motions.open_vote(fed.system.uow(), motion, o.holder["chair"])
        show_of_hands(fed.system.uow(), motion, [(d, "yes") for d in o.deputies])
        decided = motions.close_vote(fed.system.uow(), motion, o.holder["chair"])
        assert decided.status == "adopted"
        with fed.system.uow() as uow:
            east = uow.units.by_name(fed.federation_id, "Forge East")
            assert east is not None
            assert uow.members.ids_of_unit(east.id) == {fed.members[m] for m in movers}
            assert len(uow.members.ids_of_unit(forge)) == 6
            assert all(uow.mandates.get(md).is_active for md in sitting)  # until the election
        assert check(fed.system.uow()) == []
        commission = _login(client, fed, o.holder["electoral commission"])
        seats, elections = {}, {}
        for unit in (forge, east.id):
            r = client.post(
                f"/api/v1/councils/{north}/elections",
                json={"electorate": {"kind": "unit", "id": unit}},
                headers=commission,
            )
            assert r.status_code == 201, r.text
            shown = client.get(f"/api/v1/elections/{r.json()['id']}").json()
            assert (shown["kind"], shown["council_id"], shown["unit_id"]) == (
                "general",
                north,
                unit,
            )
            seats[unit] = shown["seats"]
            elections[unit] = r.json()["id"]
    # Six members each: one seat each, where Forge's twelve had two.
    assert seats == {forge: 1, east.id: 1}
    # While the elections are open the sitting deputies hold Forge's two seats in force.
    with fed.system.uow() as uow:
        assert uow.electorates.for_unit(forge).seats == 2
    assert check(fed.system.uow()) == []
    # Each half elects its deputy; the two sitting mandates give way to them.
    standing = {forge: username("Forge", 1), east.id: movers[0]}
    for unit, election in elections.items():
        candidate = elections_service.nominate(
            fed.system.uow(), election, fed.members[standing[unit]], fed.factions["R"], None
        )
        close_nominations(fed.system, election)
        with fed.system.uow() as uow:
            voters = sorted(uow.members.ids_of_unit(unit))
        cast_many(fed.system.uow(), election, [(v, [candidate]) for v in voters])
        close_election(fed.system.uow(), election)
    with fed.system.uow() as uow:
        for unit in (forge, east.id):
            electorate = uow.electorates.for_unit(unit)
            held = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
            assert electorate.seats == 1
            assert [md.holder_id for md in held] == [fed.members[standing[unit]]]
        assert not any(uow.mandates.get(md).is_active for md in sitting)
    assert check(fed.system.uow()) == []


def test_a_void_general_election_leaves_the_sitting_deputies_their_seats(
    federation: Small,
) -> None:
    """Where the general election that would lower the seats seats nobody (the clock voids it),
    the sitting deputies keep their seats and the seats in force stay theirs: `check` holds."""
    fed = federation
    north, forge = fed.councils["North Council"], fed.units["Forge"]
    o = setup_offices(fed, stipend=0)
    movers = [username("Forge", i) for i in range(7, 13)]
    with TestClient(create_app(fed.system)) as client:
        r = client.post(
            "/api/v1/structure-motions",
            json={
                "change": {
                    "kind": "split_unit",
                    "unit": "Forge",
                    "name": "Forge East",
                    "members": movers,
                }
            },
            headers=_login(client, fed, o.deputies[0]),
        )
        assert r.status_code == 201, r.text
        motion = r.json()["id"]
        session = sit(o)
        sessions.add_to_agenda(fed.system.uow(), o.holder["chair"], session, motion)
        motions.open_vote(fed.system.uow(), motion, o.holder["chair"])
        show_of_hands(fed.system.uow(), motion, [(d, "yes") for d in o.deputies])
        assert motions.close_vote(fed.system.uow(), motion, o.holder["chair"]).status == "adopted"
        r = client.post(
            f"/api/v1/councils/{north}/elections",
            json={"electorate": {"kind": "unit", "id": forge}},
            headers=_login(client, fed, o.holder["electoral commission"]),
        )
        assert r.status_code == 201, r.text
        election = r.json()["id"]
    with fed.system.uow() as uow:
        due.void_in(uow, uow.elections.get(election), "no candidates")
        uow.commit()
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(forge)
        held = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
        assert (electorate.seats, len(held)) == (2, 2)
    assert check(fed.system.uow()) == []
