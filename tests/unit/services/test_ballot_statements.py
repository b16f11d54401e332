"""A ballot cast online (`elections.cast_ballot`: the election page's path, and the demo's
8,621 founding ballots) in a fixed, small number of statements (issue 27): the election read
once, its electorate and council once each, whether the voter is on the roll as a one-row
question, the candidates, the rate limit's hits, the participation and the ballot, the log's
entry. A second ballot of the same voter is still refused by the participation roll's key,
with nothing of it stored."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import event

from dualpower.domain import errors
from dualpower.services.elections import OpenElection, cast_ballot, nominate
from factories import Small
from fixtures_services import open_election

BUDGET = 11  # statements of one ballot, BEGIN and the rate limit's included (were 14)


def _open(federation: Small) -> tuple[int, int]:
    uow, m = federation.system.uow, federation.members
    with uow() as u:
        electorate = u.electorates.for_unit(federation.units["Forge"])
    assert electorate is not None
    election = open_election(uow(), OpenElection(electorate.id, "plurality"))
    return election, nominate(uow(), election, m["forge10"], None, actor=None)


def _statements(federation: Small) -> Counter[str]:
    seen: Counter[str] = Counter()

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen[statement.split()[0].upper()] += 1

    event.listen(federation.system.engine, "before_cursor_execute", count)
    return seen


def test_a_ballot_cast_online_in_few_statements(federation: Small) -> None:
    election, candidate = _open(federation)
    seen = _statements(federation)
    cast_ballot(federation.system.uow(), election, federation.members["forge1"], [candidate])
    assert sum(seen.values()) <= BUDGET, seen
    assert "SAVEPOINT" not in seen  # the act fails whole on a second ballot: none needed


def test_a_second_ballot_is_refused_and_stores_nothing(federation: Small) -> None:
    election, candidate = _open(federation)
    voter = federation.members["forge1"]
    cast_ballot(federation.system.uow(), election, voter, [candidate])
    with pytest.raises(errors.AlreadyVoted):
        cast_ballot(federation.system.uow(), election, voter, [candidate])
    with federation.system.reader() as uow:
        assert len(uow.elections.ballot_choices(election)) == 1
