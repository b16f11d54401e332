"""The titles the product writes (services/motion_titles.py; issue 25, defect 7): rendered in
English they are word for word the titles the services wrote before they were built from a spec,
so the stored titles and the API do not change; a reader's words replace each part."""

from __future__ import annotations

from dualpower.domain import standing_orders, structure
from dualpower.services.motion_titles import Words, money_text, render


def test_the_english_titles_are_the_ones_written_before() -> None:
    office, capability, council = "chair", "report_wages", "North Council"
    directive = "Don't strike"
    assert render({"key": "stipend", "office": office, "amount": 12050, "currency": "rub"}) == (
        "Set the stipend of the chair to 120.50 RUB"
    )
    assert money_text(12050, None) == "120.50"
    words = capability.replace("_", " ")
    assert render({"key": "capability_give", "office": office, "capability": capability}) == (
        f"Give the {office} the capability {words!r}"
    )
    assert render({"key": "capability_take", "office": office, "capability": capability}) == (
        f"Take the capability {words!r} from the {office}"
    )
    changes = standing_orders.describe({"recall_rule": "majority_of_votes"})
    spec = {"key": "standing_orders", "council": council, "changes": changes}
    assert render(spec) == f"Standing orders of {council}: {changes}"
    for kind, said in (
        ("endorse", "endorses"),
        ("support_conditionally", "supports conditionally"),
        ("countermand", "countermands"),
    ):
        spec = {"key": f"stance_{kind}", "council": council, "directive": directive}
        assert render(spec) == f"{council} {said} {directive!r}"
    target = "Eight hours"
    spec = {"key": "instruction", "position": "yes", "target": target}
    assert render(spec) == f"Instruction to our deputies: vote yes on “{target}”"
    for change in (
        {
            "kind": "add_unit",
            "name": "Dock",
            "unit_kind": "workplace",
            "section": "transport",
            "council": 2,
        },
        {"kind": "split_unit", "unit": "Forge", "name": "Forge 2", "members": ["a1"]},
        {"kind": "split_unit", "unit": 5, "name": "Forge 2", "members": ["a1", "b2"]},
        {"kind": "merge_units", "unit": "Forge", "into": 7},
        {"kind": "move_unit", "unit": "Forge", "council": "South Council"},
        {"kind": "add_council", "name": "East Council", "parent": 1},
    ):
        assert render({"key": "structure", "change": change}) == (
            f"Structure: {structure.describe(change)}"
        )


def test_a_reader_s_words_replace_each_part() -> None:
    said = Words(
        gettext=lambda text: text.replace("Set the stipend of the", "STIPEND"),
        office=str.upper,
        money=lambda amount, currency: f"<{amount}>",
        quote=lambda text: f"«{text}»",
    )
    spec = {"key": "stipend", "office": "chair", "amount": 450, "currency": None}
    assert render(spec, said) == "STIPEND CHAIR to <450>"
    inner = {"key": "capability_give", "office": "chair", "capability": "moderate"}
    spec = {"key": "instruction", "position": "no", "target": inner}
    assert (
        render(spec, said)
        == "Instruction to our deputies: vote no on “Give the CHAIR the capability «moderate»”"
    )
