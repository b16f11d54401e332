"""The invariant checker (services/check.py, DESIGN.md 2.1-2.4): silent on a founded
federation, and it finds power that does not come from below."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from dualpower.services.check import check
from dualpower.services.elections import OpenElection
from dualpower.store import tables as t
from factories import Small
from fixtures_services import open_election

AT = datetime(2030, 1, 1, tzinfo=UTC)


def plant_mandate(federation: Small, **values: object) -> int:
    with federation.system.uow() as uow:
        mandate_id = uow.mandates.add(start_at=AT, faction_id=None, depends_on_id=None, **values)
        uow.commit()
    return mandate_id


def electorate_of(federation: Small, unit: str):  # type: ignore[no-untyped-def]
    with federation.system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units[unit])
    assert electorate is not None
    return electorate


def test_a_founded_federation_passes(federation: Small) -> None:
    assert check(federation.system.uow()) == []


def test_an_empty_database_passes(system) -> None:  # type: ignore[no-untyped-def]
    assert check(system.uow()) == []


def test_a_mandate_without_an_election_is_found(federation: Small) -> None:
    farm = electorate_of(federation, "Farm")
    pending = open_election(federation.system.uow(), OpenElection(farm.id))
    planted = plant_mandate(
        federation,
        council_id=farm.council_id,
        electorate_id=farm.id,
        seat_no=2,
        holder_id=federation.members["farm5"],
        election_id=pending,
    )
    problems = check(federation.system.uow())
    assert any(f"mandate {planted} " in p and "no closed election" in p for p in problems)
    assert any(f"electorate {farm.id} has 2 deputies for 1 seats" in p for p in problems)


def test_a_mandate_of_someone_who_did_not_win_is_found(federation: Small) -> None:
    forge = electorate_of(federation, "Forge")
    with federation.system.uow() as uow:
        held = uow.mandates.active(t.mandates.c.electorate_id == forge.id)
        holders = {md.holder_id for md in held}
    loser = next(
        mid
        for name, mid in federation.members.items()
        if name.startswith("forge") and mid not in holders
    )
    with federation.system.uow() as uow:  # the holder's seat, taken over behind the log's back
        uow.mandates.end(held[0].id, AT, "resigned")
        uow.commit()
    planted = plant_mandate(
        federation,
        council_id=forge.council_id,
        electorate_id=forge.id,
        seat_no=held[0].seat_no,
        holder_id=loser,
        election_id=held[0].election_id,
    )
    problems = check(federation.system.uow())
    assert any(f"mandate {planted} " in p and "did not win" in p for p in problems), problems


def test_a_mandate_from_another_electorate_election_is_found(federation: Small) -> None:
    forge, mill = electorate_of(federation, "Forge"), electorate_of(federation, "Mill")
    with federation.system.uow() as uow:
        forge_mandate = uow.mandates.active(t.mandates.c.electorate_id == forge.id)[0]
        uow.mandates.end(
            uow.mandates.active(t.mandates.c.electorate_id == mill.id)[0].id, AT, "resigned"
        )
        uow.commit()
    planted = plant_mandate(
        federation,
        council_id=mill.council_id,
        electorate_id=mill.id,
        seat_no=1,
        holder_id=forge_mandate.holder_id,
        election_id=forge_mandate.election_id,
    )
    problems = check(federation.system.uow())
    assert any(f"mandate {planted} " in p and "not of its electorate" in p for p in problems)


def test_a_delegate_whose_lower_mandate_ended_is_found(federation: Small) -> None:
    with federation.system.uow() as uow:
        delegate = uow.mandates.active_in_council(federation.councils["Chief Council"])[0]
        assert delegate.depends_on_id is not None
        uow.mandates.end(delegate.depends_on_id, AT, "resigned")  # without its cascade
        uow.commit()
    problems = check(federation.system.uow())
    assert [p for p in problems if f"mandate {delegate.id} " in p] == [
        f"mandate {delegate.id} (holder {delegate.holder_id}, council {delegate.council_id}): "
        "it rests on no active mandate in the council below"
    ]


def test_an_office_on_an_ended_mandate_is_found(federation: Small) -> None:
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        mandate = uow.mandates.active_in_council(north)[0]
        office = uow.offices.add(council_id=north, name="chair", capabilities=[], stipend=0)
        term = uow.conn.execute(
            insert(t.office_terms).values(
                office_id=office,
                holder_id=mandate.holder_id,
                mandate_id=mandate.id,
                election_id=mandate.election_id,
                start_at=AT,
            )
        ).inserted_primary_key[0]
        uow.commit()
    ended = f"office term {term} rests on ended mandate {mandate.id}"
    assert ended not in check(federation.system.uow())
    with federation.system.uow() as uow:
        uow.mandates.end(mandate.id, AT, "resigned")
        uow.commit()
    problems = check(federation.system.uow())
    assert ended in problems


def test_seats_in_force_must_match_the_latest_election(federation: Small) -> None:
    forge = electorate_of(federation, "Forge")
    with federation.system.uow() as uow:
        uow.electorates.set(forge.id, seats=5)
        uow.commit()
    problems = check(federation.system.uow())
    assert any(f"electorate {forge.id} has 5 seats in force" in p for p in problems)
