"""The rules of pay as a worker (domain/offices.py): the median, the cap, refusals."""

from __future__ import annotations

import pytest

from dualpower.domain import errors
from dualpower.domain.offices import (
    StipendAboveCap,
    check_office,
    check_stipend,
    check_together,
    lowered,
    median,
    person_cap,
    territory_councils,
)


def test_median_odd_even_and_empty() -> None:
    assert median([300, 100, 200]) == 200
    assert median([100, 200, 300, 401]) == 250  # (200 + 300) / 2
    assert median([100, 201]) == 150  # 150.5 rounds down: the cap never exceeds the median
    assert median([]) is None
    assert median([7]) == 7


def test_a_stipend_at_the_cap_passes_above_it_is_refused() -> None:
    check_stipend(500, 500, "chair")
    with pytest.raises(StipendAboveCap, match="above the cap of 500"):
        check_stipend(501, 500, "chair")
    with pytest.raises(StipendAboveCap, match="no wages"):
        check_stipend(1, None, "chair")
    check_stipend(0, None, "chair")
    with pytest.raises(errors.InvalidRequest):
        check_stipend(-1, 500, "chair")
    assert issubclass(StipendAboveCap, errors.InvalidRequest)


def test_stipends_together_are_held_to_the_lowest_cap() -> None:
    assert person_cap([500, 300]) == 300
    assert person_cap([500, None]) == 0
    check_together([200, 100], [500, 300], "X")
    with pytest.raises(StipendAboveCap, match="together"):
        check_together([200, 101], [500, 300], "X")


def test_lowered_cuts_the_first_stipends_first() -> None:
    assert lowered([300, 300], 400) == [100, 300]
    assert lowered([300, 300], 700) == [300, 300]
    assert lowered([300, 300], 0) == [0, 0]


def test_office_names_and_capabilities_are_checked() -> None:
    assert check_office("  credentials   committee ", ["verify_members", "verify_members"]) == (
        "credentials committee",
        ("verify_members",),
    )
    with pytest.raises(errors.InvalidRequest, match="unknown capability"):
        check_office("chair", ["rule_everything"])
    with pytest.raises(errors.InvalidRequest):
        check_office("   ", [])


def test_territory_is_the_council_and_all_below() -> None:
    parents = {1: None, 2: 1, 3: 1, 4: 2, 5: 4}
    assert territory_councils(parents, 2) == {2, 4, 5}
    assert territory_councils(parents, 1) == {1, 2, 3, 4, 5}
    assert territory_councils(parents, 3) == {3}
