"""A council's standing orders, changed by a motion it adopts (DESIGN.md 2.9).

What a standing-orders motion may set, and the values each accepts:

- `recall_rule` ("direct" or "vote") and `recall_trigger_bp` (1-10000 basis points): how its
  deputies are recalled (2.2);
- `nominations_seconds`, `voting_seconds`: the windows of every vote the clock runs for its
  seats; `session_vote_seconds`: how long a vote in its sessions may run;
- `secret_elections`: whether its seats' elections are secret; `allows_secret_votes`: whether
  votes in its sessions may be;
- `initiative_threshold_bp`: the share of members under it whose units must adopt an initiative
  before it is put on its agenda (2.5);
- `assembly_quorum_bp`: the share of a base unit's members who must vote for its assembly's
  vote to count, in every base unit that elects to it;
- `pay_cap_scope` ("federation" or "territory"): whose median wage caps its stipends (2.4);
- `verified_only`: whether only members verified by its credentials committee vote, stand and
  sign for its seats (2.10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dualpower.domain import errors


def _choice(*allowed: str) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if value not in allowed:
            raise errors.InvalidRequest(f"{name} is one of {', '.join(allowed)}")
        return value

    return check


def _whole(low: int, high: int | None = None) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise errors.InvalidRequest(f"{name} is a whole number of at least {low}")
        if high is not None and value > high:
            raise errors.InvalidRequest(f"{name} is at most {high}")
        return value

    return check


def _yes_no(name: str, value: Any) -> Any:
    if not isinstance(value, bool):
        raise errors.InvalidRequest(f"{name} is true or false")
    return value


RULES: dict[str, Callable[[str, Any], Any]] = {
    "recall_rule": _choice("direct", "vote"),
    "recall_trigger_bp": _whole(1, 10000),
    "nominations_seconds": _whole(1),
    "voting_seconds": _whole(1),
    "session_vote_seconds": _whole(1),
    "secret_elections": _yes_no,
    "allows_secret_votes": _yes_no,
    "initiative_threshold_bp": _whole(1, 10000),
    "assembly_quorum_bp": _whole(1, 10000),
    "pay_cap_scope": _choice("federation", "territory"),
    "verified_only": _yes_no,
}
# on the council's row; the rest in standing_orders
ON_COUNCIL = ("recall_rule", "recall_trigger_bp", "pay_cap_scope", "verified_only")
ON_UNITS = ("assembly_quorum_bp",)  # on each of its base units' standing orders


def check_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, each checked; refused whole if one is unknown or out of range."""
    if not changes:
        raise errors.InvalidRequest("a standing-orders motion changes at least one rule")
    unknown = sorted(set(changes) - set(RULES))
    if unknown:
        raise errors.InvalidRequest(
            f"no standing order {', '.join(unknown)}: one of {', '.join(RULES)}"
        )
    return {name: RULES[name](name, value) for name, value in changes.items()}


def describe(changes: Mapping[str, Any]) -> str:
    return "; ".join(f"{name} = {value}" for name, value in sorted(changes.items()))
