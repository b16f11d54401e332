"""The titles the product writes for the motions it drafts (issue 25, defect 7).

A stipend, capability, standing-orders, stance or instruction motion is drafted by the service
of its kind, which writes its title: the title is stored in English as before (the API and the
log read it), and a page builds it again in the reader's language from the motion's kind and
parameters (`title_as`, kept in the kind's own table), by `render` with the page's gettext.
A title a member typed shows as typed. The English words live here alone: the services store
`render(spec)`, and web/i18n.py's `motion_title` filter renders the same spec translated.
So with the motion's text: the services store `render_body(spec)`, word for word the English
they wrote before, and the `motion_text` filter renders it translated (a stance's conditions and
counter-order, typed by a deputy, follow as typed).
"""

from __future__ import annotations

import re
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
    # `now`: the stipend before, kept with the motion (stipend_motions.previous)
    "stipend": "The council sets the monthly stipend of its office %(office)s at %(amount)s "
    "(now %(now)s), no more than the ordinary pay of a worker. Adopted, it takes effect at once.",
    "stance_endorse": "%(council)s endorses the directive %(directive)s.",
    "stance_support_conditionally": "%(council)s supports conditionally the directive "
    "%(directive)s.",
    "stance_countermand": "%(council)s countermands the directive %(directive)s.",
    "instruction": "Our deputies in the council are instructed to vote %(position)s on motion "
    "%(motion)s, “%(target)s”.",
}
# What a stance's text adds after its first sentence, when the deputy wrote it (as written).
STANCE_PARTS = {
    "conditions": "In so far as: %(conditions)s",
    "counter_order": "Its counter-order: %(counter_order)s",
}
# What a spec must hold beyond its title's parts for its text to be built again.
_BODY_NEEDS = {"stipend": "now", "instruction": "motion"}
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
    # a standing order's name or value ("recall_rule", "vote", "True")
    standing_order: Callable[[str], str] = _same


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
        values = {"council": spec["council"], "changes": _changes(spec, words)}
    elif key.startswith("stance_"):
        values = {"council": spec["council"], "directive": words.quote(spec["directive"])}
    elif key == "instruction":
        values = {"position": words.position(spec["position"]), "target": _target(spec, words)}
    elif key == "structure":
        values = {"what": _structure(spec["change"], words)}
    else:
        raise ValueError(f"no motion title {key!r}")
    return words.gettext(PATTERNS[key]) % values


def _target(spec: dict[str, Any], words: Words) -> str:
    """An instruction's motion: its product's title in `words`, a typed title as typed."""
    target = spec["target"]
    return render(target, words) if isinstance(target, dict) else str(target)


def _changes(spec: dict[str, Any], words: Words) -> str:
    """A standing-orders motion's changes, "name = value; ..." (domain/standing_orders.describe
    in English), each name and value in `words`; as stored when the spec lacks the changes."""
    orders = spec.get("orders")
    if not orders:
        return str(spec["changes"])
    said = words.standing_order
    return "; ".join(f"{said(name)} = {said(str(orders[name]))}" for name in sorted(orders))


def has_body(spec: dict[str, Any] | None) -> bool:
    """Whether the text of the motion `spec` names can be built again (render_body): a kind in
    BODIES whose spec holds what its text needs; any other text is shown as written."""
    if not spec or spec.get("key") not in BODIES:
        return False
    need = _BODY_NEEDS.get(spec["key"])
    return need is None or spec.get(need) is not None


def render_body(spec: dict[str, Any], words: Words = Words()) -> str:
    """The text of the motion `spec` names, in `words`' language (by default the English
    stored), for a spec that `has_body`; a text a member typed is shown as written."""
    if not has_body(spec):
        raise ValueError(f"no motion text {spec.get('key')!r}")
    key = spec["key"]
    if key in ("capability_give", "capability_take"):
        values = {
            "office": words.quote(words.office(spec["office"])),
            "capability": words.quote(words.capability(spec["capability"].replace("_", " "))),
        }
    elif key == "standing_orders":
        values = {"changes": _changes(spec, words)}
    elif key == "structure":
        values = {"what": _structure(spec["change"], words)}
    elif key == "stipend":
        currency = spec.get("currency")
        values = {
            "office": words.quote(words.office(spec["office"])),
            "amount": words.money(spec["amount"], currency),
            "now": words.money(spec["now"], currency),
        }
    elif key == "instruction":
        values = {
            "position": words.position(spec["position"]),
            "motion": spec["motion"],
            "target": _target(spec, words),
        }
    else:  # a stance: the deputy's conditions and counter-order follow as written
        values = {"council": spec["council"], "directive": words.quote(spec["directive"])}
        text = words.gettext(BODIES[key]) % values
        for part, pattern in STANCE_PARTS.items():
            if spec.get(part):
                text += " " + words.gettext(pattern) % {part: spec[part]}
        return text
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
            "motion": target.id,
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
            "now": uow.stipend_motions.previous(motion.id),
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
            "orders": changes,
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
            "conditions": (stance["detail"] or {}).get("conditions", ""),
            "counter_order": (stance["detail"] or {}).get("counter_order", ""),
        }
    return None


# A notification's link to a motion, or to a breach of an instruction on one (services/notify.py).
_LINK = re.compile(r"/(breaches|motions|discussions/motion)/(\d+)")


def about(uow: UnitOfWork, link: str) -> dict[str, Any] | None:
    """The motion a notification's `link` is about, when the product wrote its title: its stored
    `title` (as the notification's subject quotes it) and `title_as`, for a page to say the
    title in the reader's language; None otherwise."""
    found = _LINK.match(link or "")
    if found is None:
        return None
    motion_id: int | None = int(found.group(2))
    if found.group(1) == "breaches":
        breach = uow.breaches.get(int(found.group(2)))
        instruction = uow.instructions.get(breach.instruction_id) if breach else None
        motion_id = instruction.motion_id if instruction else None
    motion = uow.motions.get(motion_id) if motion_id is not None else None
    spec = title_as(uow, motion) if motion is not None else None
    return {"title": motion.title, "title_as": spec} if motion is not None and spec else None
