"""domain/motions.py: a motion's majority is one of the three types (DESIGN.md 1 "motion")."""

from __future__ import annotations

import pytest

from dualpower.domain import errors
from dualpower.domain.motions import MAJORITIES, check_majority


@pytest.mark.parametrize("majority", MAJORITIES)
def test_each_of_the_three_majorities_is_taken(majority: str) -> None:
    check_majority(majority)


@pytest.mark.parametrize("majority", ["", "Simple", "unanimous", "two-thirds"])
def test_any_other_majority_is_refused_naming_the_three(majority: str) -> None:
    with pytest.raises(errors.InvalidRequest) as refused:
        check_majority(majority)
    assert str(refused.value) == "majority is one of simple, absolute, two_thirds"
