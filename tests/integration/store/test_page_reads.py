"""The store's reads behind the pages (services/views.py, elections_views.py, panels.py,
invitations.py speak no SQL; issue 27), on SQLite and PostgreSQL, over the small federation."""

from __future__ import annotations

import pytest

from dualpower.store import repositories
from factories import Small, username


def test_by_ids_reads_the_rows_that_exist_a_chunk_at_a_time(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repositories, "IDS_AT_ONCE", 2)
    units = federation.units
    with federation.system.uow() as uow:
        found = uow.units.by_ids([*units.values(), 10_000, units["Forge"]])
        assert uow.units.by_ids([]) == []
        offices = uow.offices.by_ids([10_000])
    assert [u.id for u in found] == sorted(units.values())
    assert [u.name for u in found] == [u.name for u in sorted(found, key=lambda u: u.id)]
    assert offices == []


def test_seats_children_and_mandates_of_councils(federation: Small) -> None:
    c = federation.councils
    north, south, chief = c["North Council"], c["South Council"], c["Chief Council"]
    with federation.system.uow() as uow:
        every = uow.electorates.seats_by_council()
        some = uow.electorates.seats_by_council([north, 10_000])
        children = uow.councils.children_counts([chief, north, south])
        mandates = uow.mandates.active_in_councils([north, south])
        forge = uow.electorates.for_unit(federation.units["Forge"])
        assert forge is not None
        of_forge = uow.mandates.active_of_electorate(forge.id)
        units = uow.units.of_council(north)
    assert every == {north: 3, south: 3, chief: 4}
    assert some == {north: 3, 10_000: 0}
    assert children == {chief: 2}
    assert len(mandates) == 6 and {md.council_id for md in mandates} == {north, south}
    assert len(of_forge) == 2 and {md.electorate_id for md in of_forge} == {forge.id}
    assert [u.name for u in units] == ["Forge", "Barracks"]


def test_rolls_identities_and_invitees(federation: Small) -> None:
    forge, members = federation.units["Forge"], federation.members
    with federation.system.uow() as uow:
        on_roll = uow.memberships.members_of_units([forge])
        who = uow.members.identity_of(username=username("Forge", 3))
        nobody = uow.members.identity_of(email="nobody@example.org")
        everyone = uow.invitations.invitees(None, all_=True)
        forge_all = uow.invitations.invitees(forge, all_=True)
        forge_new = uow.invitations.invitees(forge, all_=False)  # every one has a password
    assert on_roll == {members[username("Forge", i)] for i in range(1, 13)}
    assert who == (members["forge3"], "forge3", "Forge Member 3", None)
    assert nobody is None
    assert len(everyone) == 40 and forge_new == []
    assert [i.unit_name for i in everyone[:8]] == ["Barracks"] * 8  # by unit name, then name
    assert [i.username for i in forge_all] == sorted(
        (username("Forge", i) for i in range(1, 13)), key=lambda n: f"Forge Member {n[5:]}"
    )


def test_elections_of_a_council_and_a_unit_newest_first(federation: Small) -> None:
    c, u = federation.councils, federation.units
    with federation.system.uow() as uow:
        north = uow.elections.of_council(c["North Council"])
        forge = uow.elections.of_unit(u["Forge"])
        every = uow.elections.newest_first()
        open_ = uow.elections.newest_first(status="open")
        maybe = uow.elections.open_maybe_for(federation.members["forge1"])
        petitions = uow.recalls.open_maybe_for(federation.members["forge1"])
        electorates = {e.id: e for e in uow.electorates.list()}
    assert [e.id for e in every] == sorted((e.id for e in every), reverse=True)
    assert len(every) == 6 and open_ == [] and maybe == [] and petitions == []
    assert {electorates[e.electorate_id or 0].source_id for e in forge} == {u["Forge"]}
    assert len(forge) == 1
    assert len(north) == 2
    assert {electorates[e.electorate_id or 0].council_id for e in north} == {c["North Council"]}
