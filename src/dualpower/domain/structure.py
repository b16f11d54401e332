"""Structure changes (DESIGN.md 2.10): a unit is added, split, merged or moved; a council is added.

A change is an act of the council concerned, by adopted motion, or a logged operator act while
founding (before the chief council first sits). Seats are re-apportioned at the next election of
each electorate (services/apportion.py `seats_now`), and mandates stand until then:

- `add_unit`: a new base unit under a council, with an empty roll and an electorate of the
  council; electorates no deputy holds a seat of (this one, an emptied one, all while founding)
  take their seats from the rolls at once, the others at their next election.
- `split_unit`: a new unit beside an existing one (same council, kind and section), and the
  members named move to it with their history kept (end reason `split`); a deputy among them
  keeps their mandate until the old unit's next election.
- `merge_units`: every member of one unit moves to another of the same council (end reason
  `merged`); the emptied unit stays in the record with no roll, so it gets no seat at its next
  election, and its deputies keep their mandates until then.
- `move_unit`: a unit moves to another council with its roll and its electorate (whose seats stay
  as they are until its next election, now in the new council). Its deputies keep their seats in
  the old council until that election; at it, their seats in the old council are replaced (a
  re-elected deputy's higher seats and offices, won in the old council, do not follow them).
  The council concerned is the lowest council over both; refused while the unit's election is
  open.
- `add_council`: a new council under a parent, taking its parent's rules and standing orders (its
  seat method, apportionment, recall rule, verification, windows), with no unit until units are
  added to it or moved into it; its electorate in the parent has no seat until it has members.

This module checks a change's shape; the acts are services/structure.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dualpower.domain import errors
from dualpower.domain.roll import NAME_MAX, UNIT_MAX, USERNAME, text_problem

KINDS = ("add_unit", "split_unit", "merge_units", "move_unit", "add_council")
KIND_MAX, SECTION_MAX = 40, 60
MOST_MOVED = 100_000


def _text(change: Mapping[str, Any], key: str, most: int) -> str:
    value = change.get(key)
    if not isinstance(value, str) or not value.strip():
        raise errors.InvalidRequest(f"{key} is a non-empty text")
    value = value.strip()
    problem = text_problem(value, key, most)
    if problem is not None:
        raise errors.InvalidRequest(problem)
    return value


def _ref(change: Mapping[str, Any], key: str) -> str | int:
    """A unit or council named by id (a whole number) or by name."""
    value = change.get(key)
    if isinstance(value, bool):
        raise errors.InvalidRequest(f"{key} is a name or an id")
    if isinstance(value, int):
        return value
    return _text(change, key, UNIT_MAX)


def check_change(change: Mapping[str, Any]) -> dict[str, Any]:
    """The change, each field checked; refused whole if one is missing, unknown or malformed."""
    if not isinstance(change, Mapping):
        raise errors.InvalidRequest("a structure change is an object with a 'kind'")
    kind = change.get("kind")
    if kind not in KINDS:
        raise errors.InvalidRequest(f"kind is one of {', '.join(KINDS)}")
    allowed = {
        "add_unit": {"kind", "name", "unit_kind", "section", "council"},
        "split_unit": {"kind", "unit", "name", "members"},
        "merge_units": {"kind", "unit", "into"},
        "move_unit": {"kind", "unit", "council"},
        "add_council": {"kind", "name", "parent"},
    }[kind]
    unknown = sorted(set(change) - allowed)
    if unknown:
        raise errors.InvalidRequest(f"a {kind} change has no {', '.join(unknown)}")
    if kind == "add_unit":
        return {
            "kind": kind,
            "name": _text(change, "name", UNIT_MAX),
            "unit_kind": _text(change, "unit_kind", KIND_MAX),
            "section": _text(change, "section", SECTION_MAX),
            "council": _ref(change, "council"),
        }
    if kind == "split_unit":
        members = change.get("members")
        if not isinstance(members, list) or not members or len(members) > MOST_MOVED:
            raise errors.InvalidRequest("members is a non-empty list of usernames")
        bad = [m for m in members if not isinstance(m, str) or not USERNAME.match(m)]
        if bad:
            raise errors.InvalidRequest(f"not a username: {str(bad[0])[:40]!r}")
        if len(set(members)) != len(members):
            raise errors.InvalidRequest("a username appears twice among the members")
        return {
            "kind": kind,
            "unit": _ref(change, "unit"),
            "name": _text(change, "name", UNIT_MAX),
            "members": list(members),
        }
    if kind == "move_unit":
        return {"kind": kind, "unit": _ref(change, "unit"), "council": _ref(change, "council")}
    if kind == "add_council":
        return {
            "kind": kind,
            "name": _text(change, "name", NAME_MAX),
            "parent": _ref(change, "parent"),
        }
    unit, into = _ref(change, "unit"), _ref(change, "into")
    if unit == into:
        raise errors.InvalidRequest("a unit is not merged into itself")
    return {"kind": kind, "unit": unit, "into": into}


def describe(change: Mapping[str, Any]) -> str:
    if change["kind"] == "add_unit":
        return f"add the unit {change['name']!r} ({change['unit_kind']}, {change['section']})"
    if change["kind"] == "split_unit":
        n = len(change["members"])
        return (
            f"split {n} member{'s' if n != 1 else ''} of {change['unit']!r} into {change['name']!r}"
        )
    if change["kind"] == "move_unit":
        return f"move the unit {change['unit']!r} to the council {change['council']!r}"
    if change["kind"] == "add_council":
        return f"add the council {change['name']!r} under {change['parent']!r}"
    return f"merge {change['unit']!r} into {change['into']!r}"
