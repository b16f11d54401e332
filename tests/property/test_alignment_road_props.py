"""The road to majority equals brute force on small random federations (hypothesis)."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualpower.domain.road import INF, RoadCouncil, evaluate, road

RULES = st.sampled_from(["block", "dhondt", "sainte-lague", "hare"])


@st.composite
def federations(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 5))
    councils = []
    budget = 12  # base seats in all: brute force tries 2**12 assignments at most
    for c in range(1, n + 1):
        parent = None if c == 1 else draw(st.integers(1, c - 1))
        seats = draw(st.integers(0 if c == 1 and n > 1 else min(1, budget), min(4, budget)))
        budget -= seats
        held = draw(st.integers(0, seats))
        sent = 0 if parent is None else draw(st.integers(1, 3))
        councils.append(RoadCouncil(c, parent, seats, held, sent, draw(RULES)))
    return councils


def brute_force(councils: list[RoadCouncil]) -> float:
    """Try every assignment of every base seat (F or not); the cheapest with a majority."""
    slots = [(c.id, i < c.held) for c in councils for i in range(c.base_seats)]
    total_seats = evaluate_total(councils)
    best = INF
    for assignment in product((False, True), repeat=len(slots)):
        held = {c.id: 0 for c in councils}
        cost = 0
        for (cid, was_f), is_f in zip(slots, assignment, strict=True):
            held[cid] += is_f
            cost += was_f != is_f
        if cost < best and 2 * evaluate(councils, held)[1] > total_seats:
            best = cost
    return best


def evaluate_total(councils: list[RoadCouncil]) -> int:
    return councils[0].base_seats + sum(c.delegates for c in councils if c.parent_id == 1)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(federations())
def test_road_equals_brute_force(councils: list[RoadCouncil]) -> None:
    found = road(councils)
    assert found.cost == brute_force(councils)
    if found.exists:
        # Following the road's changes gives the majority it promised.
        held = {c.id: c.held + found.changes.get(c.id, 0) for c in councils}
        assert sum(abs(v) for v in found.changes.values()) == found.cost
        reached = evaluate(councils, held)[1]
        assert 2 * reached > found.seats
        assert reached == found.target
