"""Invariant of votes on paper (DESIGN.md 2.4, 2.9; services/paper.py): the operator's paper
ballots are a founding election's only, the bootstrap while no electoral commission exists;
every other paper vote names the member of the commission who entered it (the table's CHECK
keeps a row the operator's or a member's)."""

from __future__ import annotations

from typing import Any


def check(uow: Any) -> list[str]:
    return [
        f"election {election} ({kind}): paper votes entered by the operator, who enters those "
        "of founding elections only"
        for election, kind in uow.paper.operator_votes_outside_founding()
    ]
