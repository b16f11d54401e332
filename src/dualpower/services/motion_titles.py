"""The titles the product writes for the motions it drafts (issue 25, defect 7).

A stipend, capability, standing-orders, stance or instruction motion is drafted by the service
of its kind, which writes its title: the title is stored in English as before (the API and the
log read it), and a page builds it again in the reader's language from the motion's kind and
parameters (`title_as`, kept in the kind's own table), by `render` with the page's gettext.
A title a member typed shows as typed. The English words live here alone: the services store
`render(spec)`, and web/i18n.py's `motion_title` filter renders the same spec translated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision

from dualpower.domain import standing_orders
from dualpower.domain.motions import Motion
from dualpower.store.uow import UnitOfWork

# The product's titles, by kind; msgids of the web catalogue (the same words, translated).
PATTERNS = {
    "stipend": "Set the stipend of the %(office)s to %(amount)s",
    "capability_give": "Give the %(office)s the capability %(capability)s",
    "capability_take": "Take the capability %(capability)s from the %(office)s",
    "standing_orders": "Standing orders of %(council)s: %(changes)s",
    "stance_endorse": "%(council)s endorses %(directive)s",
    "stance_support_conditionally": "%(council)s supports conditionally %(directive)s",
    "stance_countermand": "%(council)s countermands %(directive)s",
    "instruction": "Instruction to our deputies: vote %(position)s on “%(target)s”",
    "structure": "Structure: %(what)s",
}
# What a structure motion changes (domain/structure.py describe, word for word).
STRUCTURE = {
    "add_unit": "add the unit %(name)s (%(unit_kind)s, %(section)s)",
    "move_unit": "move the unit %(unit)s to the council %(council)s",
    "add_council": "add the council %(name)s under %(parent)s",
    "merge_units": "merge %(unit)s into %(into)s",
}
# The product's texts (bodies) of the motions whose words follow from the title's spec alone;
# msgids of the web catalogue. The stored text is `render_body(spec)`, word for word as before.
BODIES = {
    "capability_give": "The council gives its office %(office)s the capability %(capability)s: "
    "its holder may then act for the council in this. Adopted, it takes effect at once.",
    "capability_take": "The council takes the capability %(capability)s from its office "
    "%(office)s. Adopted, it takes effect at once.",
    "standing_orders": "The council sets its standing orders: %(changes)s. Adopted, the change "
    "takes effect at once, for the votes opened after it.",
    "structure": "The council decides to %(what)s. Adopted, the change takes effect at once; "
    "seats are re-apportioned at each electorate's next election, and mandates stand until then.",
}
SPLIT = (
    "split %(num)s member of %(unit)s into %(name)s",
    "split %(num)s members of %(unit)s into %(name)s",
)


def money_text(amount: int, currency: str | None) -> str:
    """An amount kept in minor units, as the stored title writes it: "120.50 RUB"."""
    code = (currency or "XXX").upper()
    places = 2 if code == "XXX" else get_currency_precision(code)
    value = f"{Decimal(amount).scaleb(-places):,.{places}f}"
    return value if code == "XXX" else f"{value} {code}"


def _same(text: str) -> str:
    return text


def _plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


@dataclass(frozen=True)
class Words:
    """How a language says a title's parts: its gettext, an office's name, a capability's and
    a position's words, an amount of money, a quoted title. The defaults are the stored English."""

    gettext: Callable[[str], str] = _same
    ngettext: Callable[[str, str, int], str] = _plural
    office: Callable[[str], str] = _same
    capability: Callable[[str], str] = _same
    position: Callable[[str], str] = _same
    money: Callable[[int, str | None], str] = money_text
    quote: Callable[[str], str] = repr


def render(spec: dict[str, Any], words: Words = Words()) -> str:
    """The title `spec` names, in `words`' language (by default the English stored)."""
    key = spec["key"]
    if key == "stipend":
        values = {
            "office": words.office(spec["office"]),
            "amount": words.money(spec["amount"], spec.get("currency")),
        }
    elif key in ("capability_give", "capability_take"):
        values = {
            "office": words.office(spec["office"]),
            "capability": words.quote(words.capability(spec["capability"].replace("_", " "))),
        }
    elif key == "standing_orders":
        values = {"council": spec["council"], "changes": spec["changes"]}
    elif key.startswith("stance_"):
        values = {"council": spec["council"], "directive": words.quote(spec["directive"])}
    elif key == "instruction":
        target = spec["target"]
        values = {
            "position": words.position(spec["position"]),
            "target": render(target, words) if isinstance(target, dict) else str(target),
        }
    elif key == "structure":
        values = {"what": _structure(spec["change"], words)}
    else:
        raise ValueError(f"no motion title {key!r}")
    return words.gettext(PATTERNS[key]) % values


def render_body(spec: dict[str, Any], words: Words = Words()) -> str:
    """The text of the motion `spec` names, in `words`' language (by default the English
    stored), for a kind in BODIES; the others' texts (stipend, stance, instruction) are shown
    as written."""
    key = spec["key"]
    if key in ("capability_give", "capability_take"):
        values = {
            "office": words.quote(words.office(spec["office"])),
            "capability": words.quote(words.capability(spec["capability"].replace("_", " "))),
        }
    elif key == "standing_orders":
        values = {"changes": spec["changes"]}
    elif key == "structure":
        values = {"what": _structure(spec["change"], words)}
    else:
        raise ValueError(f"no motion text {key!r}")
    return words.gettext(BODIES[key]) % values


def _structure(change: dict[str, Any], words: Words) -> str:
    kind = change["kind"]
    quoted = {k: words.quote(v) if isinstance(v, str) else v for k, v in change.items()}
    if kind == "split_unit":
        n = len(change["members"])
        return words.ngettext(*SPLIT, n) % (quoted | {"num": n})
    if kind == "add_unit":
        quoted |= {"unit_kind": change["unit_kind"], "section": change["section"]}
    return words.gettext(STRUCTURE.get(kind, STRUCTURE["merge_units"])) % quoted


def title_as(uow: UnitOfWork, motion: Motion) -> dict[str, Any] | None:
    """The product's title of `motion` as a spec for `render`; None for a title a member typed
    (an ordinary motion, an amendment, an initiative)."""
    if motion.instructs_motion_id is not None and motion.instructs_position is not None:
        target = uow.motions.get(motion.instructs_motion_id)
        if target is None:
            return None
        return {
            "key": "instruction",
            "position": motion.instructs_position,
            "target": title_as(uow, target) or target.title,
        }
    if motion.council_id is None or motion.parent_id is not None:
        return None
    stipend = uow.stipend_motions.of_motion(motion.id)
    if stipend is not None:
        office = uow.offices.get(stipend[0])
        fed = uow.federations.only()
        if office is None:
            return None
        return {
            "key": "stipend",
            "office": office.name,
            "amount": stipend[1],
            "currency": fed.currency if fed else None,
        }
    capability = uow.capability_motions.of_motion(motion.id)
    if capability is not None:
        office = uow.offices.get(capability["office_id"])
        if office is None:
            return None
        return {
            "key": "capability_give" if capability["gives"] else "capability_take",
            "office": office.name,
            "capability": capability["capability"],
        }
    council = uow.councils.get(motion.council_id)
    if council is None:
        return None
    changes = uow.standing_motions.of_motion(motion.id)
    if changes is not None:
        return {
            "key": "standing_orders",
            "council": council.name,
            "changes": standing_orders.describe(changes),
        }
    change = uow.structure_motions.of_motion(motion.id)
    if change is not None:
        return {"key": "structure", "change": change}
    stance = uow.stance_motions.of_motion(motion.id)
    if stance is not None:
        directive = uow.register.directive(stance["directive_id"])
        if directive is None:
            return None
        return {
            "key": f"stance_{stance['kind']}",
            "council": council.name,
            "directive": directive["title"],
        }
    return None
