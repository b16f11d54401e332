"""Properties of the majority rules (domain/motions.py), against exact fractions."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from dualpower.domain.motions import Tally, is_adopted


@st.composite
def votes(draw):  # type: ignore[no-untyped-def]
    seats = draw(st.integers(min_value=1, max_value=500))
    yes = draw(st.integers(min_value=0, max_value=seats))
    no = draw(st.integers(min_value=0, max_value=seats - yes))
    abstain = draw(st.integers(min_value=0, max_value=seats - yes - no))
    return Tally(yes, no, abstain), seats


@given(votes())
def test_each_rule_is_its_definition(case) -> None:  # type: ignore[no-untyped-def]
    tally, seats = case
    assert is_adopted("simple", tally, seats) == (tally.yes > tally.no)
    assert is_adopted("absolute", tally, seats) == (Fraction(tally.yes, seats) > Fraction(1, 2))
    cast = tally.yes + tally.no
    expected = cast > 0 and tally.yes > 0 and Fraction(tally.yes, cast) >= Fraction(2, 3)
    assert is_adopted("two_thirds", tally, seats) == expected


@given(votes())
def test_stricter_rules_imply_the_simple_majority(case) -> None:  # type: ignore[no-untyped-def]
    tally, seats = case
    if is_adopted("absolute", tally, seats) or is_adopted("two_thirds", tally, seats):
        assert is_adopted("simple", tally, seats)


@given(votes(), st.sampled_from(["simple", "absolute", "two_thirds"]))
def test_one_more_yes_never_loses_and_abstentions_never_change_it(case, rule) -> None:  # type: ignore[no-untyped-def]
    tally, seats = case
    adopted = is_adopted(rule, tally, seats)
    more = Tally(tally.yes + 1, tally.no, tally.abstain)
    assert not adopted or is_adopted(rule, more, seats + 1 if more.recorded > seats else seats)
    abstaining = Tally(tally.yes, tally.no, tally.abstain + 1)
    if rule != "absolute":
        assert is_adopted(rule, abstaining, seats + 1) == adopted
