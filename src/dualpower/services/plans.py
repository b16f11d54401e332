"""Reading a founding plan from JSON (for `dualpower init --plan FILE`).

    {"name": "...", "sections": [...]?, "currency"?: ISO 4217 code such as "EUR" or "RUB",
     "language"?: "en" or "ru",
     "factions": [{"name", "short", "colour", "platform"?}],
     "councils": [{"name", "parent": name or null, "recall_rule"?, "recall_trigger_bp"?,
                   "seat_method"?, "apportionment": {...},
                   "windows"?: {"nominations_seconds", "voting_seconds"}, "secret_elections"?,
                   "verified_only"?}],
     "units": [{"name", "kind", "section", "council"}],
     "members": [{"username", "name", "unit", "email"?, "language"?}]}

The format is documented in docs/plan.md, with an example.

Members of a plan have no password: the operator sets them with `dualpower passwd`.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from babel.numbers import list_currencies

from dualpower.domain.errors import FoundingError
from dualpower.domain.founding import (
    CouncilPlan,
    FactionPlan,
    FoundingPlan,
    MemberPlan,
    UnitPlan,
)
from dualpower.domain.model import DEFAULT_SECTIONS
from dualpower.domain.roll import LANGUAGES


def _items(data: dict[str, Any], key: str, cls: type, fields: tuple[str, ...]) -> tuple:  # type: ignore[type-arg]
    items = data.get(key, [])
    if not isinstance(items, list):
        raise FoundingError(f"plan: {key!r} must be a list")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise FoundingError(f"plan: {key}[{i}] must be an object")
        unknown = set(item) - set(fields)
        if unknown:
            raise FoundingError(f"plan: {key}[{i}] has unknown field(s) {sorted(unknown)}")
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name in fields
            and f.name not in item
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise FoundingError(f"plan: {key}[{i}] lacks the field(s) {missing}")
        out.append(cls(**item))
    return tuple(out)


def plan_from_json(text: str) -> FoundingPlan:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise FoundingError(f"plan: not JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise FoundingError("plan: an object with a name is needed")
    sections = data.get("sections", DEFAULT_SECTIONS)
    if not isinstance(sections, list | tuple) or not all(isinstance(x, str) for x in sections):
        raise FoundingError("plan: 'sections' must be a list of names")
    currency = data.get("currency", "XXX")
    if not isinstance(currency, str) or currency not in list_currencies():
        raise FoundingError(
            f"plan: 'currency' must be an ISO 4217 code such as EUR, not {currency!r}"
        )
    language = data.get("language", "en")
    if language not in LANGUAGES:
        raise FoundingError(f"plan: 'language' is one of {', '.join(LANGUAGES)}, not {language!r}")
    return FoundingPlan(
        name=data["name"],
        sections=tuple(sections),
        currency=currency,
        language=language,
        factions=_items(data, "factions", FactionPlan, ("name", "short", "colour", "platform")),
        councils=_items(
            data,
            "councils",
            CouncilPlan,
            (
                "name",
                "parent",
                "recall_rule",
                "recall_trigger_bp",
                "seat_method",
                "apportionment",
                "windows",
                "secret_elections",
                "verified_only",
            ),
        ),
        units=_items(data, "units", UnitPlan, ("name", "kind", "section", "council")),
        members=_items(
            data, "members", MemberPlan, ("username", "name", "unit", "email", "language")
        ),
    )
