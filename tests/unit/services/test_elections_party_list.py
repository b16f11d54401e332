"""Deputies elected by open party lists (D'Hondt, Sainte-Laguë, Hare): seats to the factions by
their candidates' votes, within a faction to its candidates with the most votes."""

from __future__ import annotations

import pytest

from dualpower.domain import errors
from dualpower.services.elections import OpenElection, nominate
from factories import username
from fixtures_services import cast_many, close_election, open_election


def test_party_list_election_shares_seats_by_faction(federation):  # type: ignore[no-untyped-def]
    fed = federation
    uow = fed.system.uow
    with uow() as w:
        electorate = w.electorates.for_unit(fed.units["Forge"])
    election = open_election(uow(), OpenElection(electorate.id, "dhondt"))
    forge = [fed.members[username("Forge", i)] for i in range(1, 13)]
    red_a = nominate(uow(), election, forge[0], fed.factions["R"], None)
    red_b = nominate(uow(), election, forge[1], fed.factions["R"], None)
    green_a = nominate(uow(), election, forge[2], fed.factions["G"], None)
    green_b = nominate(uow(), election, forge[3], fed.factions["G"], None)
    # Reds 7 votes (red_b personally ahead), Greens 5: D'Hondt gives 1 seat each of 2.
    picks = [red_b] * 4 + [red_a] * 3 + [green_a] * 2 + [green_b] * 3
    cast_many(uow(), election, [(v, [c]) for v, c in zip(forge, picks, strict=True)])
    with pytest.raises(errors.InvalidRequest):
        cast_many(uow(), election, [(forge[0], [red_a, red_b])])
    mandates = close_election(uow(), election)
    assert sorted(m.holder_id for m in mandates) == sorted([forge[1], forge[3]])
    with uow() as w:
        result = w.elections.result(election)
    assert result["allocation"] == {
        f"faction {fed.factions['R']}": 1,
        f"faction {fed.factions['G']}": 1,
    }
