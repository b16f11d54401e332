"""Pictures drawn on the server as SVG (no script, no CDN): a council's hemicycle, the
federation tree coloured by majority, and each faction's strength over time.

Every picture carries a <title> and <desc> (its text alternative); the pages show the same
figures as a table beside it.

The hemicycle (one circle per seat, DESIGN.md 4.1): seats sit in concentric half-rings; for N
seats the fewest rings are used whose capacity (ring length / seat pitch) holds N, and the seats
are shared among rings in proportion to their length (largest remainder). Seats are then taken in
order of their angle, left to right, across all rings, and coloured faction by faction in the
order given (largest first), vacant seats last, in grey outline. At 3,000 seats this gives 30
rings and seats about 1 % of the width, readable on a phone when zoomed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from dualpower.web.i18n import faction as _faction
from dualpower.web.i18n import gettext as _

WIDTH = 1000
INNER = 0.38  # inner radius as a share of the outer
VACANT = "#ffffff"
VACANT_STROKE = "#6b7280"


# XML 1.0 admits no C0 control but tab, newline and carriage return, not even as a character
# reference, nor lone surrogates: a name holding one would make the whole picture unreadable.
# Each is drawn as its visible stand-in (U+2400..U+2421, "␀".."␡"; U+FFFD for a surrogate).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _stand_in(found: re.Match[str]) -> str:
    code = ord(found[0])
    return "\u2421" if code == 0x7F else chr(0x2400 + code) if code < 0x20 else "\ufffd"


def _xml(value: object) -> str:
    """Text for an SVG element or attribute: escaped, and every unwritable character shown."""
    return escape(_UNWRITABLE.sub(_stand_in, str(value)))


def _rings(seats: int) -> int:
    rings = 1
    while _capacity(rings) < seats:
        rings += 1
    return rings


def _radii(rings: int) -> list[float]:
    pitch = (1 - INNER) / rings
    return [INNER + pitch * (i + 0.5) for i in range(rings)]


def _capacity(rings: int) -> int:
    pitch = (1 - INNER) / rings
    return sum(int(math.pi * r / pitch) + 1 for r in _radii(rings))


def _per_ring(seats: int, radii: list[float]) -> list[int]:
    total = sum(radii)
    exact = [seats * r / total for r in radii]
    counts = [int(x) for x in exact]
    order = sorted(range(len(radii)), key=lambda i: (-(exact[i] - counts[i]), -radii[i]))
    for i in order[: seats - sum(counts)]:
        counts[i] += 1
    return counts


def seat_positions(seats: int) -> tuple[list[tuple[float, float]], float]:
    """Centres (x, y in a unit half-disc, y up) of `seats` seats, left to right; seat radius."""
    if seats <= 0:
        return [], 0.0
    rings = _rings(seats)
    radii = _radii(rings)
    pitch = (1 - INNER) / rings
    placed: list[tuple[float, float, float]] = []  # (angle, x, y)
    for r, n in zip(radii, _per_ring(seats, radii), strict=True):
        for k in range(n):
            angle = math.pi * (1 - (k / (n - 1) if n > 1 else 0.5))
            placed.append((angle, r * math.cos(angle), r * math.sin(angle)))
    placed.sort(key=lambda p: (-p[0], -math.hypot(p[1], p[2])))
    return [(x, y) for _, x, y in placed], min(pitch * 0.42, 0.08)


def hemicycle(
    name: str, seats: int, composition: Mapping[str, int], colours: Mapping[str, str]
) -> str:
    """The council's seats, one <circle> per seat (filled by faction, vacant in outline)."""
    filled = sum(composition.values())
    total = max(seats, filled)
    positions, radius = seat_positions(total)
    half = WIDTH / 2
    r = radius * (half - 10)
    height = half + r + 15
    summary = ", ".join(f"{_faction(f)}: {n}" for f, n in composition.items()) or _("no deputies")
    vacant = total - filled
    desc = _("{total} seats: {summary}").format(total=total, summary=summary)
    if vacant:
        desc += ", " + _("vacant: {n}").format(n=vacant)
    title = _("{name}: seats by faction").format(name=name)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'role="img" aria-labelledby="t d" class="hemicycle">',
        f'<title id="t">{_xml(title)}</title>',
        f'<desc id="d">{_xml(desc)}</desc>',
    ]
    cursor = 0
    groups = [(f, n, colours.get(f, VACANT_STROKE)) for f, n in composition.items()]
    if vacant:
        groups.append(("vacant", vacant, VACANT))
    for faction, n, colour in groups:
        stroke = f' stroke="{VACANT_STROKE}"' if faction == "vacant" else ""
        shown = _("vacant") if faction == "vacant" else _faction(faction)
        out.append(f'<g fill="{_xml(colour)}"{stroke}><title>{_xml(shown)}: {n}</title>')
        for x, y in positions[cursor : cursor + n]:
            cx, cy = half + x * (half - 10), half - y * (half - 10) + 5
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.2f}"/>')
        out.append("</g>")
        cursor += n
    out.append(
        f'<text x="{half}" y="{half - 10:.0f}" text-anchor="middle" font-size="48" '
        f'font-family="sans-serif" fill="#1a1a1a">{filled}/{total}</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


def tree(roots: Sequence[Mapping[str, Any]], colours: Mapping[str, str]) -> str:
    """The council tree, each box coloured by its majority (grey: none), leaves left to right."""
    boxes: list[tuple[float, int, Mapping[str, Any]]] = []
    lines: list[tuple[float, int, float, int]] = []
    next_leaf = [0]

    def place(node: Mapping[str, Any], depth: int) -> float:
        kids = node.get("children", [])
        if kids:
            xs = [place(kid, depth + 1) for kid in kids]
            x = sum(xs) / len(xs)
            lines.extend((x, depth, kx, depth + 1) for kx in xs)
        else:
            x = next_leaf[0]
            next_leaf[0] += 1
        boxes.append((x, depth, node))
        return x

    for root in roots:
        place(root, 0)
    leaves = max(next_leaf[0], 1)
    depth = max((d for _, d, _ in boxes), default=0) + 1
    col, row, bw, bh = 170, 110, 160, 70
    width, height = leaves * col + 20, depth * row + 10

    def xy(x: float, d: int) -> tuple[float, float]:
        return 10 + x * col + col / 2, 10 + d * row

    tree_title = _("The federation of councils, coloured by majority")
    out = [
        # A group, not an image: each box is a link to its council (links in role="img" would
        # be hidden from screen readers).
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="group" '
        'aria-labelledby="tt" aria-describedby="td" class="tree" font-family="sans-serif">',
        f'<title id="tt">{_xml(tree_title)}</title>',
        '<desc id="td">'
        + _xml("; ".join(f"{n['name']}: {_majority(n.get('majority'))}" for *_, n in boxes))
        + "</desc>",
    ]
    for x1, d1, x2, d2 in lines:
        (ax, ay), (bx, by) = xy(x1, d1), xy(x2, d2)
        out.append(
            f'<line x1="{ax:.0f}" y1="{ay + bh:.0f}" x2="{bx:.0f}" y2="{by:.0f}" '
            'stroke="#6b7280" stroke-width="2"/>'
        )
    for x, d, node in boxes:
        cx, cy = xy(x, d)
        majority = node.get("majority")
        fill = colours.get(majority, "#e5e7eb") if majority else "#e5e7eb"
        ink = "#ffffff" if majority else "#1a1a1a"
        label = _xml(_short(node["name"]))
        sub = _xml(_majority(majority))
        out.append(
            f'<a href="/councils/{int(node["id"])}"><rect x="{cx - bw / 2:.0f}" y="{cy:.0f}" '
            f'width="{bw}" height="{bh}" rx="6" fill="{_xml(fill)}" stroke="#1a1a1a"/>'
            f'<text x="{cx:.0f}" y="{cy + 28:.0f}" text-anchor="middle" font-size="14" '
            f'fill="{ink}">{label}</text><text x="{cx:.0f}" y="{cy + 50:.0f}" '
            f'text-anchor="middle" font-size="13" fill="{ink}">{sub}</text>'
            f"<title>{_xml(node['name'])}: {sub}</title></a>"
        )
    out.append("</svg>")
    return "\n".join(out)


def _majority(faction: str | None) -> str:
    return _faction(faction) if faction else _("no majority")


def _short(name: str) -> str:
    for long, short in (
        (" of Workers' and Soldiers' Deputies", ""),
        (" District Soviet", " District"),
        ("All-Russian Congress of Soviets", "All-Russian Congress"),
    ):
        name = name.replace(long, short)
    return name if len(name) <= 22 else name[:21] + "…"


def strength(
    title: str, steps: Sequence[Any], colours: Mapping[str, str], label: Any = None
) -> str:
    """Each faction's seats over time, as steps (one polyline per faction)."""
    width, height, pad = 800, 320, 48
    if not steps:
        empty = _("{title}: no history").format(title=title)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 40" role="img">'
            f"<title>{_xml(empty)}</title></svg>"
        )
    times: list[float] = [s.at.timestamp() for s in steps]
    t0, t1 = times[0], max(times[-1], times[0] + 1)
    t1 += (t1 - t0) * 0.05
    top = max((max(s.composition.values(), default=0) for s in steps), default=1) or 1
    factions = list(dict.fromkeys(f for s in steps for f in s.composition))

    def px(at: float) -> float:
        return pad + (at - t0) / (t1 - t0) * (width - 2 * pad)

    def py(n: int) -> float:
        return height - pad - n / top * (height - 2 * pad)

    fmt = label or (lambda at: at.date().isoformat())
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="st" class="strength" font-family="sans-serif" font-size="13">',
        f'<title id="st">{_xml(title)}</title>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#1a1a1a"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#1a1a1a"/>',
        f'<text x="{pad - 6}" y="{py(top) + 4:.0f}" text-anchor="end">{top}</text>',
        f'<text x="{pad - 6}" y="{height - pad + 4}" text-anchor="end">0</text>',
        f'<text x="{pad}" y="{height - pad + 20}">{_xml(fmt(steps[0].at))}</text>',
        f'<text x="{width - pad}" y="{height - pad + 20}" text-anchor="end">'
        f"{_xml(fmt(steps[-1].at))}</text>",
    ]
    for faction in factions:
        points: list[str] = []
        previous: int | None = None
        for step, at in zip(steps, times, strict=True):
            n = step.composition.get(faction, 0)
            if previous is not None:
                points.append(f"{px(at):.1f},{py(previous):.1f}")
            points.append(f"{px(at):.1f},{py(n):.1f}")
            previous = n
        points.append(f"{px(t1):.1f},{py(previous or 0):.1f}")
        colour = _xml(colours.get(faction, VACANT_STROKE))
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="3" '
            f'points="{" ".join(points)}"><title>{_xml(_faction(faction))}</title></polyline>'
        )
    out.append("</svg>")
    return "\n".join(out)
