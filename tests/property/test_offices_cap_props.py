"""Properties of the cap of ordinary pay (domain/offices.py)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from dualpower.domain.offices import lowered, median

WAGES = st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=60)


@given(WAGES)
def test_the_median_is_the_exact_median_rounded_down(wages: list[int]) -> None:
    cap = median(wages)
    assert cap is not None
    ordered = sorted(wages)
    n = len(ordered)
    exact = (
        Fraction(ordered[n // 2]) if n % 2 else Fraction(ordered[n // 2 - 1] + ordered[n // 2], 2)
    )
    assert cap <= exact < cap + 1
    # At least half the workers earn no less than the cap, and at least half no more than it
    # (up to the rounding of an even count).
    assert 2 * sum(1 for w in wages if w >= cap) >= n
    assert 2 * sum(1 for w in wages if w <= exact) >= n


@given(WAGES, st.randoms(use_true_random=False))
def test_the_median_ignores_order(wages: list[int], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(wages)
    rnd.shuffle(shuffled)
    assert median(shuffled) == median(wages)


@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=8), st.integers(0, 10**7))
def test_lowered_stipends_fit_the_cap_and_cut_no_more_than_needed(
    amounts: list[int], limit: int
) -> None:
    out = lowered(amounts, limit)
    assert len(out) == len(amounts)
    assert all(0 <= new <= old for new, old in zip(out, amounts, strict=True))
    assert sum(out) == min(sum(amounts), limit)
