"""Plurality, block and approval: hand-counted cases, withdrawn candidates and ties by lot."""

from __future__ import annotations

import numpy as np
import pytest

from dualpower.counting import count
from dualpower.counting.model import CountError, Profile


def profile(
    names: str, rows: list[list[int]], weights: list[int], withdrawn: frozenset[int] = frozenset()
) -> Profile:
    width = max((len(r) for r in rows), default=0)
    ranks = np.full((len(rows), width), -1, dtype=np.int32)
    for i, r in enumerate(rows):
        ranks[i, : len(r)] = r
    return Profile(tuple(names), ranks, np.asarray(weights, dtype=np.int64), withdrawn=withdrawn)


# A B C D:  60 A>B, 20 A>C, 25 B, 30 C, 15 D>B
P = profile("ABCD", [[0, 1], [0, 2], [1], [2], [3, 1]], [60, 20, 25, 30, 15])


def test_plurality_first_choices() -> None:
    result = count(P, "plurality")
    assert result.winners == ("A",)
    assert result.rounds[0].totals == {"A": 80, "B": 25, "C": 30, "D": 15}
    assert result.ballots == 150
    assert result.ties == ()


def test_plurality_several_seats_is_sntv() -> None:
    assert count(P, "plurality", 2).winners == ("A", "C")


def test_block_counts_the_first_seats_choices() -> None:
    result = count(P, "block", 2)
    assert result.rounds[0].totals == {"A": 80, "B": 100, "C": 50, "D": 15}
    assert result.winners == ("B", "A")


def test_block_one_seat_is_plurality() -> None:
    assert count(P, "block", 1).rounds[0].totals == count(P, "plurality").rounds[0].totals


def test_approval_counts_every_mark_once() -> None:
    p = profile("ABC", [[0, 1, 2], [2, 0], [1, 1], [2]], [3, 4, 5, 1])
    result = count(p, "approval")
    assert result.rounds[0].totals == {"A": 7, "B": 8, "C": 8}
    assert result.winners in (("B",), ("C",))
    assert result.ties and "lot" in result.ties[0]
    assert count(p, "approval", 2).winners == ("B", "C")


def test_withdrawn_candidate_passes_plurality_votes_on() -> None:
    p = profile("ABC", [[0, 1], [1], [2]], [5, 3, 4], withdrawn=frozenset({0}))
    result = count(p, "plurality")
    assert result.rounds[0].totals == {"B": 8, "C": 4}
    assert result.winners == ("B",)


def test_tie_by_lot_is_reproducible_and_seeded() -> None:
    p = profile("ABCD", [[0], [1], [2], [3]], [5, 5, 5, 5])
    draws = {count(p, "plurality", seed=s).winners for s in range(20)}
    assert len(draws) > 1
    assert count(p, "plurality", seed=7).winners == count(p, "plurality", seed=7).winners
    result = count(p, "plurality", seed=7)
    assert result.seed == 7 and "seed 7" in result.ties[0]


def test_exhausted_ballots_are_shown() -> None:
    p = profile("AB", [[0], []], [4, 3])
    assert count(p, "plurality").rounds[0].non_transferable == 3


def test_errors() -> None:
    with pytest.raises(CountError):
        count(P, "block", 5)
    with pytest.raises(CountError):
        count(P, "block")  # no seats in the profile
    with pytest.raises(CountError):
        count(profile("AB", [], []), "plurality")
    with pytest.raises(CountError):
        count(P, "plurality", 1, threshold=0.1)
