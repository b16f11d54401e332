"""Meek STV: cases worked by hand, and the invariants of the method on random profiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualpower.counting import count
from dualpower.counting.model import CountError, Profile
from dualpower.counting.stv_meek import TOL, MeekCount


def profile(names: str, rows: list[list[int]], weights: list[int]) -> Profile:
    width = max((len(r) for r in rows), default=0)
    ranks = np.full((len(rows), width), -1, dtype=np.int32)
    for i, r in enumerate(rows):
        ranks[i, : len(r)] = r
    return Profile(tuple(names), ranks, np.asarray(weights, dtype=np.int64))


# 60 A>B, 20 A>C, 25 B, 30 C, 15 D>B  (150 ballots, 2 seats, first quota 50)
P = profile("ABCD", [[0, 1], [0, 2], [1], [2], [3, 1]], [60, 20, 25, 30, 15])


def test_worked_by_hand() -> None:
    result = count(P, "stv-meek", 2)
    r1, r2, r3 = result.rounds[:3]
    assert r1.totals == {"A": 80, "B": 25, "C": 30, "D": 15}
    assert r1.elected == ("A",)
    # A keeps 50/80 = 0.625 of each ballot; 0.375 passes on: B 25 + 22.5, C 30 + 7.5.
    assert r2.totals == pytest.approx({"A": 50, "B": 47.5, "C": 37.5, "D": 15})
    assert "A 0.625000000" in r2.note
    assert r2.excluded == ("D",)
    # D's 15 go to B: 62.5 > 50.
    assert r3.totals == pytest.approx({"A": 50, "B": 62.5, "C": 37.5})
    assert r3.elected == ("B",)
    assert result.winners == ("A", "B")


def test_final_totals_sit_at_the_quota() -> None:
    # Both elected reduce to the final quota; what B passes on from A>B ballots exhausts.
    result = count(P, "stv-meek", 2)
    final = result.rounds[-1]
    q = result.quota
    assert final.totals["A"] == pytest.approx(q, rel=1e-8)
    assert final.totals["B"] == pytest.approx(q, rel=1e-8)
    # Votes are conserved: totals + excess = ballots.
    assert sum(final.totals.values()) + final.non_transferable == pytest.approx(150)
    # Quota = (150 - excess) / (seats + 1).
    assert q == pytest.approx((150 - final.non_transferable) / 3, rel=1e-8)


def test_one_seat_is_instant_runoff() -> None:
    p = profile("ABCD", [[0], [1], [2, 1], [2], [3, 2]], [8, 5, 4, 2, 3])
    assert count(p, "stv-meek", 1).winners == count(p, "irv").winners == ("C",)


def test_as_many_hopefuls_as_seats_are_all_elected() -> None:
    p = profile("ABC", [[0], [1], [2]], [10, 3, 2])
    result = count(p, "stv-meek", 3)
    assert set(result.winners) == {"A", "B", "C"}
    assert result.winners[0] == "A"


def test_surplus_reaches_later_preferences_meek_style() -> None:
    # Meek passes surplus through elected candidates: C>A>B ballots reach B via A's surplus.
    p = profile("ABCD", [[0], [2, 0, 1], [1], [2], [3]], [40, 20, 10, 15, 14])
    result = count(p, "stv-meek", 2)
    assert result.winners[0] == "A"
    assert result.precision and "1e-09" in result.precision


def test_tie_broken_by_lot_is_recorded() -> None:
    p = profile("ABC", [[0], [1], [2]], [5, 3, 3])
    result = count(p, "stv-meek", 1, seed=4)
    assert result.ties and "seed 4" in result.ties[0]
    assert result == count(p, "stv-meek", 1, seed=4)


def test_errors() -> None:
    with pytest.raises(CountError):
        count(P, "stv-meek", 5)
    with pytest.raises(CountError):
        count(P, "stv-meek")


rows = st.lists(
    st.tuples(st.permutations(range(6)).map(list), st.integers(1, 6), st.integers(1, 50)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(rows, st.integers(1, 4))
def test_invariants(data: list[tuple[list[int], int, int]], seats: int) -> None:
    p = profile("ABCDEF", [r[:k] for r, k, _ in data], [w for _, _, w in data])
    result = count(p, "stv-meek", seats)
    assert len(result.winners) == seats == len(set(result.winners))
    final = result.rounds[-1]
    assert sum(final.totals.values()) + final.non_transferable == pytest.approx(p.ballots, abs=1e-5)
    meek = MeekCount(p, seats)
    # Rebuild the keep values from the count: each elected candidate ends at the quota
    # (within the precision), or below it with a keep value of 1 (elected as the last hopefuls).
    idx = [p.candidates.index(w) for w in result.winners]
    excluded = [p.candidates.index(n) for r in result.rounds for n in r.excluded]
    meek.keep[excluded] = 0.0
    hopeful = [c for c in range(6) if c not in idx and c not in excluded]
    meek.keep[hopeful] = 1.0
    votes, _, quota = meek.converge(idx)
    keep = meek.keep[idx]
    assert ((keep > 0) & (keep <= 1)).all()
    at_quota = np.abs(votes[idx] - quota) <= 2 * TOL * quota
    below_with_all_kept = (votes[idx] < quota) & (keep == 1)
    others = np.delete(votes, idx).sum()
    # The one case without a fixed point: the surplus can reach no one and only exhausts.
    if others > 1e-9 * p.ballots:
        assert (at_quota | below_with_all_kept).all()
        assert quota == pytest.approx(result.quota, rel=1e-6)


def test_surplus_that_can_only_exhaust_stops_the_iteration() -> None:
    result = count(profile("ABC", [[0]], [10]), "stv-meek", 1)
    assert result.winners == ("A",)
    final = result.rounds[-1]
    # A cannot be brought down to a quota that falls with it: A keeps all its ballots.
    assert final.totals["A"] == 10 and final.non_transferable == 0
    assert result.quota == 5


def test_grouped_paths_distribute_like_the_full_ballots() -> None:
    rng = np.random.default_rng(5)
    rows = [list(rng.permutation(6)[: rng.integers(1, 7)]) for _ in range(300)]
    p = profile("ABCDEF", rows, list(rng.integers(1, 9, 300)))
    meek = MeekCount(p, 3)
    meek.keep[:6] = [0.4, 1.0, 0.0, 0.7, 1.0, 1.0]
    full = meek.distribute()  # before any reduction: every distinct ranking
    meek.reduce([0, 3])
    assert len(meek.paths) < 300
    grouped = meek.distribute()
    np.testing.assert_allclose(grouped[0], full[0], rtol=1e-12)
    assert grouped[1] == pytest.approx(full[1], rel=1e-12)
