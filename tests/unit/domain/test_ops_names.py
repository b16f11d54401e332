"""Names with control characters are refused at input (issue 23): a founding plan whose
federation, faction, council, unit or member is named with one is refused whole, with the
character named; the same plan with printable names is accepted."""

from __future__ import annotations

import dataclasses

import pytest

from dualpower.domain.errors import FoundingError
from dualpower.domain.founding import check_plan
from factories import small_plan


def _renamed(which: str, name: str):  # type: ignore[no-untyped-def]
    plan = small_plan()
    if which == "federation":
        return dataclasses.replace(plan, name=name)
    items = getattr(plan, which)
    first = dataclasses.replace(items[0], name=name)
    return dataclasses.replace(plan, **{which: (first, *items[1:])})


@pytest.mark.parametrize("which", ["federation", "factions", "units", "members"])
@pytest.mark.parametrize("bad", ["Soviet\x1b[31m", "Soviet\x00", "Soviet\u202e"])
def test_a_name_with_a_control_character_is_refused(which: str, bad: str) -> None:
    with pytest.raises(FoundingError, match=r"contains the character U\+"):
        check_plan(_renamed(which, bad))


def test_a_councils_name_is_checked_too_and_printable_names_pass() -> None:
    plan = small_plan()
    chief = plan.councils[0]
    renamed = tuple(
        dataclasses.replace(c, name="Chief\x07") if c is chief else c for c in plan.councils
    )
    with pytest.raises(FoundingError, match="council's name"):
        check_plan(dataclasses.replace(plan, councils=renamed))
    assert check_plan(_renamed("factions", "Workers' «Party» — Ёлки"))
