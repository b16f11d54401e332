"""The popular bases the alignment page reads are kept (store/tables_alignment.py
`popular_bases`, migration 0034_h24b) and refreshed by the clock when a roll, a mandate, an
electorate or the tree changed: once refreshed, with no change marked since, every kept figure
(council, faction, kind and seats of the electorates, members represented; the federation's
too) equals the one counted now. With changes marked, the figures are as of their time by
design, and the next early run of the clock counts them again: nothing to compare."""

from __future__ import annotations

from typing import Any

REPAIR = "(the kept popular bases drifted; AlignmentRepo.refresh_bases(always=True) counts them)"


def check(uow: Any) -> list[str]:
    if uow.alignment.bases_as_of() is None or uow.alignment.bases_pending():
        return []
    kept = {_key(r): r.members for r in uow.alignment.bases_kept()}
    counted = {_key(r): r.members for r in uow.alignment.represented(federation=True)}
    return [
        f"{_where(key)}: {kept.get(key, 0)} members are kept as represented, but "
        f"{counted.get(key, 0)} are counted {REPAIR}"
        for key in sorted(kept.keys() | counted.keys(), key=repr)
        if kept.get(key, 0) != counted.get(key, 0)
    ]


def _key(row: Any) -> tuple[Any, ...]:
    return (row.council_id, row.faction_id, row.is_unit, row.seats)


def _where(key: tuple[Any, ...]) -> str:
    council, faction, is_unit, seats = key
    place = "the federation" if council is None else f"council {council}"
    kind = "unit" if is_unit else "delegate"
    return f"{place}, faction {faction or 'none'}, {kind} seats of electorates of {seats}"
