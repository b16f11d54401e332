"""Invariants of the dual power register (DESIGN.md 2.6): every stance kept with its history.

For each directive and council: versions run 1..n without a gap, exactly one stance is current
(the newest), and every other one is superseded by the stance of the next version.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def check(uow: Any) -> list[str]:
    chains: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in uow.register.stance_rows():
        chains[(row["directive_id"], row["council_id"])].append(row)
    problems: list[str] = []
    for (directive, council), rows in chains.items():
        rows.sort(key=lambda r: r["version"])
        where = f"directive {directive}, council {council}"
        if [r["version"] for r in rows] != list(range(1, len(rows) + 1)):
            problems.append(f"{where}: stance versions are not 1..{len(rows)}")
            continue
        if rows[-1]["superseded_by"] is not None:
            problems.append(f"{where}: its newest stance {rows[-1]['id']} is marked superseded")
        for older, newer in zip(rows, rows[1:], strict=False):
            if older["superseded_by"] != newer["id"]:
                problems.append(
                    f"{where}: stance {older['id']} is not superseded by the next one, "
                    f"{newer['id']}"
                )
    return problems
