"""Properties of seat apportionment (domain/apportionment.py; DESIGN.md section 1)."""

from __future__ import annotations

from itertools import combinations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from dualpower.domain.apportionment import (
    ROUNDINGS,
    ApportionmentSettings,
    FixedHouse,
    FixedSeats,
    RatioRule,
    Rule,
    apportion,
)
from dualpower.domain.errors import ApportionmentError

KINDS = ("factory", "company", "village")


@st.composite
def ratio_rules(draw: st.DrawFn) -> RatioRule:
    minimum = draw(st.integers(0, 3))
    maximum = draw(st.none() | st.integers(max(1, minimum), max(1, minimum) + 40))
    return RatioRule(
        per=draw(st.integers(1, 5_000) | st.integers(100, 1_000)),
        minimum_per_electorate=minimum,
        maximum_per_electorate=maximum,
        minimum_size=draw(st.integers(1, 300)),
        rounding=draw(st.sampled_from(ROUNDINGS)),
    )


rules = ratio_rules() | st.builds(FixedSeats, st.integers(1, 3), st.integers(1, 100))


@st.composite
def ratio_settings(draw: st.DrawFn) -> ApportionmentSettings:
    by_kind = draw(st.dictionaries(st.sampled_from(KINDS), rules, min_size=1))
    default = draw(st.none() | rules) if len(by_kind) < len(KINDS) else None
    if default is None:
        by_kind = {k: by_kind.get(k) or next(iter(by_kind.values())) for k in KINDS}
    low = draw(st.none() | st.integers(1, 120))
    high = draw(st.none() | st.integers(low or 1, 150))
    return ApportionmentSettings(default, by_kind, house_minimum=low, house_maximum=high)


electorates = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 60_000) | st.integers(0, 400)),
    max_size=25,
).map(lambda items: [(n, kind, size) for n, (kind, size) in enumerate(items)])


def is_eligible(rule: Rule, size: int) -> bool:
    return size > 0 and size >= rule.minimum_size


def bounds(rule: Rule) -> tuple[int, int | None]:
    if isinstance(rule, FixedSeats):
        return rule.seats, rule.seats
    return rule.minimum_per_electorate, rule.maximum_per_electorate


@settings(max_examples=300, deadline=None)
@given(electorates, ratio_settings())
def test_ratio_rule_properties(
    items: list[tuple[int, str, int]], rules_: ApportionmentSettings
) -> None:
    check_ratio(items, rules_)


@settings(max_examples=300, deadline=None)
@given(
    electorates,
    st.builds(RatioRule, st.integers(1, 1_000), st.integers(0, 2), st.none()),
    st.booleans(),
    st.integers(1, 100),
)
def test_house_maximum_scales_down(
    items: list[tuple[int, str, int]], rule: RatioRule, has_companies: bool, house_maximum: int
) -> None:
    by_kind: dict[str, Rule] = {"company": FixedSeats(1)} if has_companies else {}
    check_ratio(items, ApportionmentSettings(rule, by_kind, house_maximum=house_maximum))


@settings(max_examples=300, deadline=None)
@given(
    electorates,
    st.builds(RatioRule, st.integers(1_000, 20_000), st.integers(0, 2), st.none()),
    st.builds(RatioRule, st.integers(1_000, 20_000), st.integers(0, 2), st.integers(2, 30)),
    st.integers(1, 200),
)
def test_house_minimum_scales_up(
    items: list[tuple[int, str, int]], rule: RatioRule, village: RatioRule, house_minimum: int
) -> None:
    by_kind: dict[str, Rule] = {"village": village}
    check_ratio(items, ApportionmentSettings(rule, by_kind, house_minimum=house_minimum))


def check_ratio(items: list[tuple[int, str, int]], rules_: ApportionmentSettings) -> None:
    own = {key: rules_.rule_for(kind) for key, kind, _ in items}
    eligible = [key for key, _, size in items if is_eligible(own[key], size)]
    plain = {key: own[key].seats_for(size) for key, _, size in items}
    try:
        seats = apportion(items, rules_)
    except ApportionmentError:
        # refused only when the house limits cannot be met within each electorate's bounds
        mins = sum(bounds(own[k])[0] for k in eligible)
        maxes = [bounds(own[k])[1] for k in eligible]
        over = rules_.house_maximum is not None and mins > rules_.house_maximum
        under = (
            rules_.house_minimum is not None
            and None not in maxes
            and sum(m or 0 for m in maxes) < rules_.house_minimum
        )
        assert over or under
        event("refused")
        return
    assert list(seats) == [key for key, _, _ in items]
    # electorates with no one (or too few) in them get nothing; the others stay in bounds
    for key, _, _ in items:
        low, high = bounds(own[key])
        if key not in eligible:
            assert seats[key] == 0
        else:
            assert seats[key] >= low
            assert high is None or seats[key] <= high
    # the house limits hold, and bind only when the plain ratio breaks them
    total, plain_total = sum(seats.values()), sum(plain.values())
    hmin, hmax = rules_.house_minimum, rules_.house_maximum
    if hmax is not None and plain_total > hmax:
        event("house maximum binds")
        assert total == hmax
        assert all(seats[k] <= plain[k] for k in seats)  # nobody gains when the house shrinks
    elif hmin is not None and plain_total < hmin and eligible:
        event("house minimum binds")
        assert total == hmin
        assert all(seats[k] >= plain[k] for k in seats)  # nobody loses when it grows
    else:
        assert seats == plain
    # a bigger electorate never gets fewer seats than a smaller one of the same kind
    for (ka, kind_a, size_a), (kb, kind_b, size_b) in combinations(items, 2):
        if kind_a == kind_b and size_a < size_b:
            assert seats[ka] <= seats[kb]
        if kind_a == kind_b and size_a > size_b:
            assert seats[ka] >= seats[kb]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 50_000) | st.integers(0, 50), min_size=1, max_size=25),
    st.integers(1, 300),
    st.sampled_from(["hare", "dhondt", "sainte-lague"]),
    st.integers(0, 3),
    st.none() | st.integers(3, 40),
)
def test_fixed_house_properties(
    sizes: list[int], house: int, method: str, low: int, high: int | None
) -> None:
    fixed = FixedHouse(house, method, minimum_per_electorate=low, maximum_per_electorate=high)
    with_members = sum(1 for s in sizes if s > 0)
    feasible = (
        with_members > 0
        and low * with_members <= house
        and (high is None or high * with_members >= house)
    )
    try:
        seats = apportion(dict(enumerate(sizes)), fixed)
    except ApportionmentError:
        assert not feasible
        return
    assert feasible
    assert sum(seats.values()) == house  # the seats add up to the house
    for key, size in enumerate(sizes):
        if size == 0:
            assert seats[key] == 0
        else:
            assert low <= seats[key] and (high is None or seats[key] <= high)
    for a, b in combinations(range(len(sizes)), 2):
        if sizes[a] < sizes[b]:
            assert seats[a] <= seats[b]
        elif sizes[a] > sizes[b]:
            assert seats[a] >= seats[b]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 100_000), min_size=1, max_size=20), st.integers(1, 500))
def test_fixed_house_without_bounds_is_the_party_list_allocation(
    sizes: list[int], house: int
) -> None:
    from dualpower.counting.party_list import allocate

    for method in ("hare", "dhondt", "sainte-lague"):
        seats = apportion(dict(enumerate(sizes)), FixedHouse(house, method))
        assert list(seats.values()) == allocate(sizes, house, method)
