"""The titles and texts the product writes for its motions (services/motion_titles.py) are in the
Russian catalogue, every one (the services are not extracted by Babel, so the extraction test
cannot see them), and so are the standing orders a motion changes and their values; rendered in
Russian, a title or a text holds no English but the names it quotes (issue 25, defect 7)."""

from __future__ import annotations

import re

from dualpower.domain import standing_orders
from dualpower.services import motion_titles
from dualpower.web import i18n

ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,})+\b")


def _messages() -> list[str]:
    found = list(motion_titles.PATTERNS.values()) + list(motion_titles.STRUCTURE.values())
    found += list(motion_titles.BODIES.values()) + list(motion_titles.STANCE_PARTS.values())
    return found


def test_every_text_the_product_writes_has_a_russian_translation() -> None:
    ru = i18n.translations("ru")
    missing = [m for m in _messages() if ru.gettext(m) == m]
    singular, plural = motion_titles.SPLIT
    if ru.ngettext(singular, plural, 5) == plural:
        missing.append(plural)
    assert not missing, missing


def test_every_standing_order_and_its_values_have_a_russian_name() -> None:
    ru = i18n.translations("ru")
    words = list(standing_orders.RULES) + ["direct", "vote", "federation", "territory"]
    words += ["True", "False"]
    missing = [w for w in words if ru.pgettext("standing order", w) == w]
    assert not missing, missing
    # every choice a rule accepts is among the words said: a new one must be translated too
    for name, check in standing_orders.RULES.items():
        try:
            check(name, "?")
        except Exception as refused:  # noqa: BLE001 - the message names the choices
            said = str(refused)
            if " is one of " in said:
                choices = said.split(" is one of ")[1].split(", ")
                assert set(choices) <= set(words), (name, choices)


def _ru(render, spec):  # type: ignore[no-untyped-def]
    with i18n.using("ru"):
        return render(spec, i18n._words())


def test_the_texts_of_stipends_stances_instructions_and_standing_orders_read_in_russian() -> None:
    specs = [
        {"key": "stipend", "office": "chair", "amount": 12050, "currency": "RUB", "now": 900},
        {
            "key": "stance_support_conditionally",
            "council": "Petrograd Soviet",
            "directive": "Order 1",
            "conditions": "the soldiers keep their arms",
            "counter_order": "",
        },
        {
            "key": "stance_countermand",
            "council": "Petrograd Soviet",
            "directive": "Order 1",
            "conditions": "",
            "counter_order": "no troops leave the city",
        },
        {
            "key": "instruction",
            "position": "no",
            "motion": 7,
            "target": {"key": "capability_give", "office": "chair", "capability": "moderate"},
        },
        {
            "key": "standing_orders",
            "council": "Petrograd Soviet",
            "changes": "ignored",
            "orders": {"recall_rule": "vote", "secret_elections": True, "voting_seconds": 60},
        },
    ]
    names = ["chair", "Petrograd Soviet", "Order 1", "the soldiers keep their arms"]
    names += ["no troops leave the city"]
    for spec in specs:
        for render in (motion_titles.render, motion_titles.render_body):
            text = _ru(render, spec)
            left = text
            for name in names:
                left = left.replace(name, " ")
            assert not ENGLISH_RUN.findall(left), (spec["key"], text)
            # the typed words (conditions, counter-order) stay as typed, in the text
            if render is motion_titles.render_body:
                for part in ("conditions", "counter_order"):
                    if spec.get(part):
                        assert spec[part] in text
    body = _ru(motion_titles.render_body, specs[0])
    assert "стипендию своей должности «председатель»" in body
    assert "120,50" in body and "9,00" in body
    said = _ru(motion_titles.render, specs[-1])
    assert "порядок отзыва = голосованием; тайные выборы = да" in said
