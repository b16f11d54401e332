"""Founding a federation (services/founding.py): the one bootstrap act, logged as such."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from dualpower.bootstrap import System
from dualpower.domain.errors import FoundingError, NotAllowed
from dualpower.domain.founding import CouncilPlan
from dualpower.services.audit import verify_log
from dualpower.services.check import check
from dualpower.services.founding import found_federation
from dualpower.store import tables as t
from dualpower.store.sequencer import settle
from factories import Small, small_federation, small_plan
from fixtures_services import FoundingVote, founding_election


def log(system: System) -> list[tuple[str, str | None, dict]]:  # type: ignore[type-arg]
    settle(system.engine)  # PostgreSQL seals in the background just after commit
    with system.engine.connect() as conn:
        rows = conn.execute(select(t.audit_log).order_by(t.audit_log.c.seq)).all()
    return [(r.act, r.actor, json.loads(r.payload)) for r in rows]


def count(system: System, table) -> int:  # type: ignore[no-untyped-def]
    with system.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_found_federation_writes_the_structure_and_logs_it(system: System) -> None:
    fed_id = found_federation(system.uow(), small_plan())
    with system.uow() as uow:
        fed = uow.federations.only()
        chief = uow.councils.chief(fed_id)
        assert fed is not None and fed.id == fed_id and fed.name == "Test Federation"
        assert chief is not None and chief.name == "Chief Council"
        assert len(uow.councils.list()) == 3 and len(uow.units.list()) == 4
        assert len(uow.members.list()) == 40
        assert all(m.is_verified for m in uow.members.list())
        assert len(uow.electorates.list()) == 6  # four units and two lower councils
        assert uow.mandates.list() == []  # the deputies come from founding elections
    ((act, actor, payload),) = log(system)
    assert (act, actor) == ("federation.found", "founding")
    assert payload["name"] == "Test Federation"
    with system.uow() as uow:
        forge1 = uow.members.by_username("forge1")
    assert forge1 is not None and [forge1.id, "Forge"] in payload["roll"]
    assert "forge1" not in json.dumps(payload)  # the log names members by number (2.11)
    assert payload["councils"][0] == ["Chief Council", None]


def test_a_second_federation_is_refused(system: System) -> None:
    found_federation(system.uow(), small_plan())
    with pytest.raises(FoundingError, match="already holds a federation"):
        found_federation(system.uow(), replace(small_plan(), name="Another"))
    assert count(system, t.federations) == 1
    assert len(log(system)) == 1


def test_a_bad_plan_writes_nothing(system: System) -> None:
    bad = replace(small_plan(), councils=(*small_plan().councils, CouncilPlan("X", "Nowhere")))
    with pytest.raises(FoundingError):
        found_federation(system.uow(), bad)
    assert count(system, t.federations) == 0 and count(system, t.audit_log) == 0


def test_founding_elections_elect_the_first_deputies(federation: Small) -> None:
    system = federation.system
    with system.uow() as uow:
        by_council = {
            name: len(uow.mandates.active_in_council(cid))
            for name, cid in federation.councils.items()
        }
        elections = uow.elections.list()
    assert by_council == {"Chief Council": 4, "North Council": 3, "South Council": 3}
    assert {e.kind for e in elections} == {"founding"}
    assert all(e.status == "closed" for e in elections)
    acts = [act for act, _, _ in log(system)]
    assert acts.count("election.open") == 6 and acts.count("election.close") == 6
    assert acts.count("mandate.start") == 10
    assert check(system.uow()) == []
    assert verify_log(system.engine).ok


def test_founding_election_only_once_per_electorate(federation: Small) -> None:
    system = federation.system
    with system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Forge"])
    assert electorate is not None
    before = count(system, t.elections)
    forge1 = federation.members["forge1"]
    with pytest.raises(NotAllowed):
        founding_election(system.uow(), FoundingVote(electorate.id, [(forge1, None)], []))
    assert count(system, t.elections) == before


def test_reds_win_forge_and_greens_win_mill(federation: Small) -> None:
    reds, greens = federation.factions["R"], federation.factions["G"]
    with federation.system.uow() as uow:
        forge = uow.electorates.for_unit(federation.units["Forge"])
        mill = uow.electorates.for_unit(federation.units["Mill"])
        assert forge is not None and mill is not None
        in_forge = uow.mandates.active(t.mandates.c.electorate_id == forge.id)
        in_mill = uow.mandates.active(t.mandates.c.electorate_id == mill.id)
    assert [md.faction_id for md in in_forge] == [reds, reds]
    assert [md.faction_id for md in in_mill] == [greens, greens]
    assert sorted(md.seat_no for md in in_forge) == [1, 2]


def test_unelected_federation_has_no_mandates(system: System) -> None:
    small = small_federation(system, elect=False)
    with system.uow() as uow:
        assert uow.mandates.list() == []
        assert len(uow.members.list()) == len(small.members) == 40
