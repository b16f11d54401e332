"""The titles the product writes (services/motion_titles.py; issue 25, defect 7): rendered in
English they are word for word the titles the services wrote before they were built from a spec,
so the stored titles and the API do not change; a reader's words replace each part."""

from __future__ import annotations

import pytest

from dualpower.domain import standing_orders, structure
from dualpower.services.motion_titles import (
    Words,
    has_body,
    money_text,
    render,
    render_body,
)


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


def test_the_english_texts_are_the_ones_written_before() -> None:
    """The texts the services wrote before they were built from the title's spec (capability,
    standing orders, structure), word for word: the stored text and the API do not change."""
    office, capability = "electoral commission", "report_wages"
    words = capability.replace("_", " ")
    spec = {"key": "capability_give", "office": office, "capability": capability}
    assert render_body(spec) == (
        f"The council gives its office {office!r} the capability "
        f"{words!r}: its holder may then act for the council in this. "
        "Adopted, it takes effect at once."
    )
    spec = {"key": "capability_take", "office": office, "capability": capability}
    assert render_body(spec) == (
        f"The council takes the capability {words!r} from its office "
        f"{office!r}. Adopted, it takes effect at once."
    )
    changes = standing_orders.describe({"recall_rule": "majority_of_votes", "quorum": 3})
    spec = {"key": "standing_orders", "council": "North Council", "changes": changes}
    assert render_body(spec) == (
        f"The council sets its standing orders: {changes}. Adopted, the "
        "change takes effect at once, for the votes opened after it."
    )
    for change in (
        {"kind": "add_unit", "name": "Dock", "unit_kind": "workplace", "section": "transport"},
        {"kind": "split_unit", "unit": "Forge", "name": "Forge 2", "members": ["a1"]},
        {"kind": "split_unit", "unit": 5, "name": "Forge 2", "members": ["a1", "b2"]},
        {"kind": "merge_units", "unit": "Forge", "into": 7},
        {"kind": "move_unit", "unit": "Forge", "council": "South Council"},
        {"kind": "add_council", "name": "East Council", "parent": 1},
    ):
        assert render_body({"key": "structure", "change": change}) == (
            f"The council decides to {structure.describe(change)}. Adopted, the change takes "
            "effect at once; seats are re-apportioned at each electorate's next election, and "
            "mandates stand until then."
        )
    with pytest.raises(ValueError):
        render_body({"key": "no such kind"})


def _stance_text_before(council: str, said: str, title: str, conditions: str, counter: str) -> str:
    """services/stance_motions.py's text before it was built from the title's spec."""
    text = f"{council} {said} the directive {title!r}."
    if conditions.strip():
        text += f" In so far as: {conditions.strip()}"
    if counter.strip():
        text += f" Its counter-order: {counter.strip()}"
    return text


def test_the_english_texts_of_stipends_stances_and_instructions_are_the_ones_written_before() -> (
    None
):
    """Stipend, stance and instruction texts (issue 25, defect 7, left over by 7c12c08): built
    from the spec, word for word what the services wrote, so the log and the API are unchanged."""
    spec = {"key": "stipend", "office": "chair", "amount": 12050, "currency": "rub", "now": 900}
    assert has_body(spec)
    assert render_body(spec) == (
        "The council sets the monthly stipend of its office 'chair' at 120.50 RUB (now 9.00 RUB), "
        "no more than the ordinary pay of a worker. Adopted, it takes effect at once."
    )
    # a stipend motion whose amount before is not known has no text to build: shown as written
    unknown = {"key": "stipend", "office": "chair", "amount": 1, "currency": None}
    assert not has_body(unknown)
    with pytest.raises(ValueError):
        render_body(unknown)
    council, directive = "North Council", "Don't strike"
    for kind, said in (
        ("endorse", "endorses"),
        ("support_conditionally", "supports conditionally"),
        ("countermand", "countermands"),
    ):
        for conditions, counter in (("", ""), (" no lock-out ", ""), ("", "Strike"), ("a", "b")):
            spec = {
                "key": f"stance_{kind}",
                "council": council,
                "directive": directive,
                "conditions": conditions.strip(),
                "counter_order": counter.strip(),
            }
            assert has_body(spec)
            assert render_body(spec) == _stance_text_before(
                council, said, directive, conditions, counter
            )
    for target in ("Eight hours", {"key": "stipend", "office": "chair", "amount": 5}):
        spec = {"key": "instruction", "position": "no", "target": target, "motion": 7}
        title = target if isinstance(target, str) else render(target)
        assert render_body(spec) == (
            f"Our deputies in the council are instructed to vote no on motion 7, “{title}”."
        )
    # a spec written before the motion's id was kept in it has no text to build
    assert not has_body({"key": "instruction", "position": "no", "target": "Eight hours"})


def test_standing_orders_changes_are_said_in_the_reader_s_words() -> None:
    """The list of changes of a standing-orders motion: in English the stored "name = value"
    (domain/standing_orders.describe), in a reader's words each name and value said again."""
    orders = {"voting_seconds": 3600, "recall_rule": "vote", "secret_elections": True}
    described = standing_orders.describe(orders)
    spec = {"key": "standing_orders", "council": "North", "changes": described, "orders": orders}
    assert render(spec) == f"Standing orders of North: {described}"
    assert described in render_body(spec)
    said = Words(standing_order=lambda word: {"recall_rule": "RR", "vote": "VOTE"}.get(word, word))
    assert render(spec, said) == (
        "Standing orders of North: RR = VOTE; secret_elections = True; voting_seconds = 3600"
    )
    # a spec without the changes themselves (a title built before) keeps the stored list
    del spec["orders"]
    assert render(spec, said) == f"Standing orders of North: {described}"


def test_a_reader_s_words_replace_each_part_of_a_text() -> None:
    said = Words(
        gettext=lambda text: text.replace("The council gives its office", "GIVE"),
        office=str.upper,
        capability=str.upper,
        quote=lambda text: f"«{text}»",
    )
    spec = {"key": "capability_give", "office": "chair", "capability": "moderate"}
    assert render_body(spec, said).startswith("GIVE «CHAIR» the capability «MODERATE»: its ")
