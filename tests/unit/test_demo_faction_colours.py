"""The demo's faction colours stay apart for colour-blind readers (issue 25, defect 10: the two
largest factions were red and green). Each pair of colours is simulated as a protanope and a
deuteranope see it (Viénot, Brettel and Mollon 1999, in linear RGB) and must differ by at least
25 in CIELAB (ΔE 1976), as it must for everyone else."""

from __future__ import annotations

import itertools

import pytest

from dualpower.scenarios.petrograd import FACTIONS

SEEING = {
    "normal": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "protanopia": ((0.11238, 0.88762, 0.0), (0.11238, 0.88762, 0.0), (0.00401, -0.00401, 1.0)),
    "deuteranopia": ((0.29275, 0.70725, 0.0), (0.29275, 0.70725, 0.0), (-0.02234, 0.02234, 1.0)),
}
LEAST = 25.0


def _linear(hex_colour: str) -> list[float]:
    def one(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    h = hex_colour.lstrip("#")
    return [one(int(h[i : i + 2], 16) / 255) for i in (0, 2, 4)]


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(hex_colour: str, how: str) -> tuple[float, float, float]:
    rgb = _linear(hex_colour)
    seen = [
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in SEEING[how]
    ]
    return _lab(seen)


def difference(a: str, b: str, how: str) -> float:
    return sum((p - q) ** 2 for p, q in zip(_seen(a, how), _seen(b, how), strict=True)) ** 0.5


def test_red_and_green_are_told_apart_only_by_those_who_see_both() -> None:
    assert difference("#c62828", "#2e7d32", "normal") > 90
    assert difference("#c62828", "#2e7d32", "deuteranopia") < LEAST


@pytest.mark.parametrize("how", sorted(SEEING))
def test_every_two_faction_colours_of_the_demo_differ_for_every_reader(how: str) -> None:
    for a, b in itertools.combinations(FACTIONS, 2):
        assert difference(a.colour, b.colour, how) >= LEAST, (a.short, b.short, how)
