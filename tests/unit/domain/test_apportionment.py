"""Seat apportionment (domain/apportionment.py; DESIGN.md section 1, the Petrograd scenario)."""

from __future__ import annotations

import pytest

from dualpower.domain.apportionment import (
    ApportionmentSettings,
    FixedHouse,
    FixedSeats,
    RatioRule,
    apportion,
)
from dualpower.domain.errors import ApportionmentError, DomainError

# 1917: one deputy per 1,000 workers, a factory under 1,000 sends one; each army company one.
NORM_1917 = ApportionmentSettings(by_kind={"factory": RatioRule(1000), "company": FixedSeats(1)})

# 1918 constitution: a city soviet, one per 1,000 inhabitants, at least 50, at most 1,000.
CITY_SOVIET_1918 = ApportionmentSettings(
    default=RatioRule(1000), house_minimum=50, house_maximum=1000
)

# 1918 constitution: the All-Russian Congress, one per 25,000 city voters, one per 125,000
# inhabitants of the provinces.
CONGRESS_1918 = ApportionmentSettings(
    by_kind={"city": RatioRule(25_000), "province": RatioRule(125_000)}
)


def test_1917_norm_workers_by_the_thousand_soldiers_by_the_company() -> None:
    seats = apportion(
        [
            ("putilov", "factory", 30_000),
            ("obukhov", "factory", 10_500),
            ("erikson", "factory", 1_999),  # rounded down: one
            ("small press", "factory", 400),  # under 1,000: still one
            ("volynsky 1st company", "company", 250),
            ("volynsky 2nd company", "company", 180),
            ("pavlovsky 4th company", "company", 240),
        ],
        NORM_1917,
    )
    assert seats == {
        "putilov": 30,
        "obukhov": 10,
        "erikson": 1,
        "small press": 1,
        "volynsky 1st company": 1,
        "volynsky 2nd company": 1,
        "pavlovsky 4th company": 1,
    }


def test_1917_norm_gives_soldiers_more_deputies_than_workers() -> None:
    # ~150,000 soldiers in ~2,000 companies outweigh ~400,000 workers in big factories
    factories = [(f"f{i}", "factory", 5_000) for i in range(80)]
    companies = [(f"c{i}", "company", 75) for i in range(2_000)]
    seats = apportion(factories + companies, NORM_1917)
    workers = sum(s for k, s in seats.items() if k.startswith("f"))
    soldiers = sum(s for k, s in seats.items() if k.startswith("c"))
    assert (workers, soldiers) == (400, 2_000)


def test_an_empty_unit_gets_no_seat() -> None:
    assert apportion(
        [("closed works", "factory", 0), ("empty company", "company", 0)], NORM_1917
    ) == {
        "closed works": 0,
        "empty company": 0,
    }


def test_1918_city_soviet_scaled_up_to_the_house_minimum() -> None:
    # 20,000 inhabitants give 20 seats by the ratio; the house needs 50: shared by size.
    # Quotas 50 * size / 20,000 are whole: 20, 15, 10, 5.
    sizes = {"centre": 8_000, "docks": 6_000, "mills": 4_000, "suburb": 2_000}
    assert apportion(sizes, CITY_SOVIET_1918) == {
        "centre": 20,
        "docks": 15,
        "mills": 10,
        "suburb": 5,
    }


def test_1918_city_soviet_scale_up_with_remainders() -> None:
    # ratio: 7 + 5 + 2 = 14 < 50. Quotas 50 * size / 15,000 = 24.33, 17.33, 8.33: floors 49,
    # the three remainders are equal, so the one seat left goes to the biggest district.
    sizes = {"a": 7_300, "b": 5_200, "c": 2_500}
    assert apportion(sizes, CITY_SOVIET_1918) == {"a": 25, "b": 17, "c": 8}


def test_1918_city_soviet_between_the_limits_is_the_plain_ratio() -> None:
    sizes = {"a": 300_400, "b": 99_999, "c": 600}
    assert apportion(sizes, CITY_SOVIET_1918) == {"a": 300, "b": 99, "c": 1}


def test_1918_city_soviet_scaled_down_to_the_house_maximum() -> None:
    # Petrograd-sized: ratio 1200 + 800 + 399 + 1 = 2400 > 1000.
    # Hare on 1000 seats by size (2,400,400 people): quotas 500.125, 333.40, 166.31, 0.17;
    # floors 999, the seat left to the largest remainder (0.40): 500, 334, 166, 0.
    # "tiny" is below its minimum of one: it is fixed at 1 and 999 seats are shared by the
    # other three (2,400,000 people): quotas 499.71, 333.12, 166.17; floors 998, the seat left
    # to the largest remainder (0.71): 500, 333, 166.
    sizes = {"vyborg": 1_200_500, "petersburg side": 800_300, "narva": 399_200, "tiny": 400}
    seats = apportion(sizes, CITY_SOVIET_1918)
    assert seats == {"vyborg": 500, "petersburg side": 333, "narva": 166, "tiny": 1}
    assert sum(seats.values()) == 1000


def test_1918_congress_cities_and_provinces() -> None:
    seats = apportion(
        [
            ("petrograd", "city", 1_000_000),  # 40
            ("moscow", "city", 810_000),  # 32.4 -> 32
            ("tver province", "province", 2_600_000),  # 20.8 -> 20
            ("small town", "city", 10_000),  # under 25,000: the minimum of one
        ],
        CONGRESS_1918,
    )
    assert seats == {"petrograd": 40, "moscow": 32, "tver province": 20, "small town": 1}


def test_a_norm_with_no_seat_below_the_ratio() -> None:
    settings = ApportionmentSettings(default=RatioRule(25_000, minimum_per_electorate=0))
    assert apportion({"small town": 10_000, "city": 60_000}, settings) == {
        "small town": 0,
        "city": 2,
    }


def test_minimum_size_keeps_tiny_units_out() -> None:
    rule = RatioRule(1000, minimum_size=100)
    assert apportion({"workshop": 99, "works": 100}, rule) == {"workshop": 0, "works": 1}


@pytest.mark.parametrize(
    "rounding, expected",
    [("floor", [0, 1, 1, 1, 2]), ("half_up", [0, 1, 1, 2, 2]), ("ceiling", [1, 1, 2, 2, 2])],
)
def test_rounding(rounding: str, expected: list[int]) -> None:
    rule = RatioRule(1000, minimum_per_electorate=0, rounding=rounding)
    sizes = {"a": 499, "b": 1000, "c": 1001, "d": 1500, "e": 2000}
    assert list(apportion(sizes, rule).values()) == expected


def test_maximum_per_electorate_caps_a_big_unit() -> None:
    rule = RatioRule(1000, maximum_per_electorate=10)
    assert apportion({"putilov": 30_000, "small": 50}, rule) == {"putilov": 10, "small": 1}


def test_scale_down_keeps_fixed_seats_fixed() -> None:
    settings = ApportionmentSettings(
        by_kind={"factory": RatioRule(1000), "company": FixedSeats(1)}, house_maximum=10
    )
    seats = apportion(
        [("a", "factory", 9_000), ("b", "factory", 3_000), ("c1", "company", 200),
         ("c2", "company", 150)],
        settings,
    )  # fmt: skip
    # 8 seats left for the factories, shared 9:3 -> 6 and 2
    assert seats == {"a": 6, "b": 2, "c1": 1, "c2": 1}


def test_a_house_minimum_that_the_maximums_cannot_reach_is_refused() -> None:
    settings = ApportionmentSettings(
        default=RatioRule(1000, maximum_per_electorate=3), house_minimum=50
    )
    with pytest.raises(ApportionmentError, match="house minimum of 50 seats cannot be reached"):
        apportion({"a": 1000, "b": 2000}, settings)


def test_a_house_maximum_below_the_minimums_is_refused() -> None:
    settings = ApportionmentSettings(default=RatioRule(1000), house_maximum=2)
    with pytest.raises(ApportionmentError, match="house maximum of 2 seats cannot be kept"):
        apportion({"a": 5000, "b": 5000, "c": 5000}, settings)


def test_no_one_anywhere_means_no_seats_even_with_a_house_minimum() -> None:
    assert apportion({"a": 0, "b": 0}, CITY_SOVIET_1918) == {"a": 0, "b": 0}


# fixed house


def test_fixed_house_by_largest_remainder() -> None:
    # 20 seats, 10,000 members: quotas 9.4, 6.3, 4.3 -> floors 19, one left to the 0.4
    sizes = {"vyborg": 4_700, "narva": 3_150, "kolomna": 2_150}
    assert apportion(sizes, FixedHouse(20, "hare")) == {"vyborg": 10, "narva": 6, "kolomna": 4}


def test_fixed_house_by_dhondt() -> None:
    # quotients 4700/1..: 4700, 3150, 2350, 2150, 1575, 1566.7, 1175, 1075, 1050, 940...
    sizes = {"vyborg": 4_700, "narva": 3_150, "kolomna": 2_150}
    assert apportion(sizes, FixedHouse(9, "dhondt")) == {"vyborg": 4, "narva": 3, "kolomna": 2}
    assert apportion(sizes, FixedHouse(10, "dhondt")) == {"vyborg": 5, "narva": 3, "kolomna": 2}


def test_fixed_house_hare_and_dhondt_differ_for_small_electorates() -> None:
    sizes = {"big": 100, "mid": 50, "small": 1}
    assert apportion(sizes, FixedHouse(10, "hare")) == {"big": 7, "mid": 3, "small": 0}
    assert apportion(sizes, FixedHouse(10, "dhondt")) == {"big": 7, "mid": 3, "small": 0}
    assert apportion(sizes, FixedHouse(10, "sainte-lague")) == {"big": 7, "mid": 3, "small": 0}
    with_minimum = FixedHouse(10, "hare", minimum_per_electorate=1)
    assert apportion(sizes, with_minimum) == {"big": 6, "mid": 3, "small": 1}


def test_fixed_house_with_a_maximum_per_electorate() -> None:
    sizes = {"big": 900, "mid": 60, "small": 40}
    house = FixedHouse(10, "dhondt", maximum_per_electorate=5)
    assert apportion(sizes, house) == {"big": 5, "mid": 3, "small": 2}


def test_fixed_house_gives_empty_electorates_nothing() -> None:
    assert apportion({"a": 10, "b": 0, "c": 30}, FixedHouse(4, minimum_per_electorate=1)) == {
        "a": 1,
        "b": 0,
        "c": 3,
    }


def test_fixed_house_ignores_kinds() -> None:
    seats = apportion([("a", "factory", 30), ("b", "company", 10)], FixedHouse(4))
    assert seats == {"a": 3, "b": 1}


# refused settings


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RatioRule(0), "per must be at least 1"),
        (lambda: RatioRule(1000, minimum_per_electorate=-1), "minimum_per_electorate"),
        (lambda: RatioRule(1000, minimum_per_electorate=3, maximum_per_electorate=2), "is above"),
        (lambda: RatioRule(1000, maximum_per_electorate=0), "maximum_per_electorate"),
        (lambda: RatioRule(1000, rounding="banker"), "rounding must be one of"),
        (lambda: RatioRule(1000, minimum_size=0), "minimum_size"),
        (lambda: RatioRule(1.5), "per must be a whole number"),  # type: ignore[arg-type]
        (lambda: RatioRule(True), "per must be a whole number"),
        (lambda: FixedSeats(0), "seats must be at least 1"),
        (lambda: ApportionmentSettings(), "need a default rule or a rule per kind"),
        (lambda: ApportionmentSettings(default=RatioRule(10), house_minimum=0), "house_minimum"),
        (
            lambda: ApportionmentSettings(
                default=RatioRule(10), house_minimum=60, house_maximum=50
            ),
            "house_minimum \\(60\\) is above house_maximum \\(50\\)",
        ),
        (lambda: ApportionmentSettings(default=1000), "must be a RatioRule or FixedSeats"),  # type: ignore[arg-type]
        (lambda: FixedHouse(0), "seats must be at least 1"),
        (lambda: FixedHouse(10, "borda"), "method must be one of"),
        (lambda: FixedHouse(10, minimum_per_electorate=4, maximum_per_electorate=3), "is above"),
    ],
)
def test_refused_settings(make: object, message: str) -> None:
    with pytest.raises(ApportionmentError, match=message):
        make()  # type: ignore[operator]


def test_errors_are_domain_errors_with_a_clear_message() -> None:
    with pytest.raises(DomainError) as caught:
        RatioRule(0)
    assert str(caught.value) == "per must be at least 1, not 0"
    assert caught.value.message == "per must be at least 1, not 0"


def test_a_kind_without_a_rule_is_refused() -> None:
    with pytest.raises(
        ApportionmentError, match="no apportionment rule for electorates of kind 'village'"
    ):
        apportion([("dno", "village", 300)], NORM_1917)


def test_lower_councils_need_a_default_rule() -> None:
    with pytest.raises(ApportionmentError, match="without a kind \\(lower councils\\)"):
        apportion([("vyborg district soviet", None, 60_000)], NORM_1917)


def test_a_default_rule_covers_other_kinds() -> None:
    settings = ApportionmentSettings(default=RatioRule(500), by_kind={"company": FixedSeats(1)})
    assert apportion([("dno", "village", 1_600), ("c", "company", 90)], settings) == {
        "dno": 3,
        "c": 1,
    }


@pytest.mark.parametrize(
    "electorates, message",
    [
        ([("a", None, 10), ("a", None, 20)], "electorate 'a' is listed twice"),
        ({"a": -1}, "size of electorate 'a' must be at least 0"),
        ({"a": 2.5}, "size of electorate 'a' must be a whole number"),
    ],
)
def test_refused_electorates(electorates: object, message: str) -> None:
    with pytest.raises(ApportionmentError, match=message):
        apportion(electorates, RatioRule(10))  # type: ignore[arg-type]


def test_fixed_house_refusals() -> None:
    with pytest.raises(ApportionmentError, match="no electorate has anyone in it"):
        apportion({"a": 0}, FixedHouse(5))
    with pytest.raises(ApportionmentError, match="cannot give 3 electorates at least 2 each"):
        apportion({"a": 1, "b": 1, "c": 1}, FixedHouse(5, minimum_per_electorate=2))
    with pytest.raises(ApportionmentError, match="cannot be filled by 2 electorates of at most 2"):
        apportion({"a": 1, "b": 1}, FixedHouse(5, maximum_per_electorate=2))
