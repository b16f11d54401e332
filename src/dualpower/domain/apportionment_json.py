"""Apportionment settings as stored with a council (plain JSON), to and from the dataclasses.

    {"default": RULE?, "by_kind": {kind: RULE}?, "house_minimum": n?, "house_maximum": n?}
    {"house": {"seats": n, "method": "hare" | "dhondt" | "sainte-lague",
               "minimum_per_electorate"?: n, "maximum_per_electorate"?: n}}
    RULE = {"rule": "ratio", "per": n, "minimum_per_electorate"?, "maximum_per_electorate"?,
            "minimum_size"?, "rounding"?: "floor" | "half_up" | "ceiling"}
         | {"rule": "fixed", "seats": n, "minimum_size"?}

An empty object means one seat per electorate.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain.apportionment import (
    ApportionmentSettings,
    FixedHouse,
    FixedSeats,
    RatioRule,
    Rule,
)
from dualpower.domain.errors import ApportionmentError

ONE_EACH: dict[str, Any] = {"default": {"rule": "fixed", "seats": 1}}


def _build(cls: type, data: dict[str, Any], what: str) -> Any:
    try:
        return cls(**data)
    except TypeError as error:
        raise ApportionmentError(f"{what}: {error}") from None


def _rule(data: Any, what: str) -> Rule:
    if not isinstance(data, dict):
        raise ApportionmentError(f"{what} must be an object")
    body = {k: v for k, v in data.items() if k != "rule"}
    kind = data.get("rule")
    if kind == "ratio":
        return _build(RatioRule, body, what)  # type: ignore[no-any-return]
    if kind == "fixed":
        return _build(FixedSeats, body, what)  # type: ignore[no-any-return]
    raise ApportionmentError(f"{what}: rule must be 'ratio' or 'fixed', not {kind!r}")


def settings_from_json(data: dict[str, Any] | None) -> ApportionmentSettings | FixedHouse:
    data = data or ONE_EACH
    if not isinstance(data, dict):
        raise ApportionmentError("apportionment settings must be an object")
    if "house" in data:
        return _build(FixedHouse, dict(data["house"]), "house")  # type: ignore[no-any-return]
    unknown = set(data) - {"default", "by_kind", "house_minimum", "house_maximum"}
    if unknown:
        raise ApportionmentError(f"unknown apportionment setting(s) {sorted(unknown)}")
    by_kind = data.get("by_kind", {})
    if not isinstance(by_kind, dict):
        raise ApportionmentError("by_kind must be an object")
    return ApportionmentSettings(
        default=_rule(data["default"], "default") if "default" in data else None,
        by_kind={k: _rule(v, f"rule for {k!r}") for k, v in by_kind.items()},
        house_minimum=data.get("house_minimum"),
        house_maximum=data.get("house_maximum"),
    )
