"""check_plan (domain/founding.py): a founding plan is checked before anything is written."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dualpower.domain.errors import FoundingError
from dualpower.domain.founding import (
    CouncilPlan,
    FactionPlan,
    FoundingPlan,
    MemberPlan,
    UnitPlan,
    check_plan,
)


def plan(**changes) -> FoundingPlan:  # type: ignore[no-untyped-def]
    base = FoundingPlan(
        name="Test",
        factions=(FactionPlan("Reds", "R", "#c00"), FactionPlan("Greens", "G", "#0a0")),
        councils=(
            CouncilPlan("City", None),
            CouncilPlan("North", "City"),
            CouncilPlan("South", "City", recall_rule="vote"),
            CouncilPlan("Harbour", "South"),
        ),
        units=(
            UnitPlan("Forge", "factory", "workers", "North"),
            UnitPlan("Dock", "factory", "workers", "Harbour"),
        ),
        members=(MemberPlan("anna", "Anna", "Forge"), MemberPlan("ivan", "Ivan", "Dock")),
    )
    return replace(base, **changes)


def refusal(p: FoundingPlan) -> str:
    with pytest.raises(FoundingError) as info:
        check_plan(p)
    return str(info.value)


def test_a_good_plan_comes_back_top_down() -> None:
    ordered = check_plan(plan())
    names = [c.name for c in ordered]
    assert names[0] == "City"
    assert set(names) == {"City", "North", "South", "Harbour"} and len(names) == 4
    for council in ordered:  # every parent comes before its children
        if council.parent is not None:
            assert names.index(council.parent) < names.index(council.name)


def test_no_chief_council() -> None:
    councils = (CouncilPlan("A", "B"), CouncilPlan("B", "A"))
    assert "exactly one chief council, not 0" in refusal(plan(councils=councils, units=()))


def test_two_chief_councils() -> None:
    councils = (*plan().councils, CouncilPlan("Rival", None))
    assert "exactly one chief council, not 2" in refusal(plan(councils=councils))


def test_unknown_parent() -> None:
    councils = (*plan().councils, CouncilPlan("East", "Nowhere"))
    message = refusal(plan(councils=councils))
    assert "'East'" in message and "'Nowhere'" in message


def test_a_cycle_beside_the_tree() -> None:
    councils = (*plan().councils, CouncilPlan("A", "B"), CouncilPlan("B", "A"))
    assert "one tree" in refusal(plan(councils=councils))


def test_a_council_its_own_parent() -> None:
    councils = (*plan().councils, CouncilPlan("Loop", "Loop"))
    assert "one tree" in refusal(plan(councils=councils))


def test_unknown_council_of_a_unit() -> None:
    units = (*plan().units, UnitPlan("Farm", "village", "peasants", "Nowhere"))
    message = refusal(plan(units=units))
    assert "'Farm'" in message and "'Nowhere'" in message


def test_unknown_section() -> None:
    units = (*plan().units, UnitPlan("Ship", "company", "sailors", "North"))
    assert "no section 'sailors'" in refusal(plan(units=units))
    assert check_plan(plan(units=units, sections=("workers", "sailors")))


def test_unknown_unit_of_a_member() -> None:
    members = (*plan().members, MemberPlan("olga", "Olga", "Nowhere"))
    message = refusal(plan(members=members))
    assert "'olga'" in message and "'Nowhere'" in message


def test_bad_recall_rule() -> None:
    councils = (*plan().councils, CouncilPlan("East", "City", recall_rule="never"))
    assert "recall rule" in refusal(plan(councils=councils))


@pytest.mark.parametrize(
    ("field", "extra", "what"),
    [
        ("councils", CouncilPlan("North", "City"), "councils"),
        ("units", UnitPlan("Forge", "factory", "workers", "South"), "base units"),
        ("factions", FactionPlan("Reds", "R2", "#f00"), "factions"),
        ("members", MemberPlan("anna", "Anna Two", "Dock"), "members"),
    ],
)
def test_duplicates(field: str, extra: object, what: str) -> None:
    p = plan()
    message = refusal(replace(p, **{field: (*getattr(p, field), extra)}))
    assert f"two {what} are named" in message
