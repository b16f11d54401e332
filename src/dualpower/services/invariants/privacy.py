"""The log names members by number only (DESIGN.md 2.11): no entry's payload or actor holds a
member's username, name or e-mail address, so that `member forget` can erase the person while
the hash chain still verifies. (Names of the structure - councils, units, factions - are public
and may be logged.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from dualpower.store.uow import UnitOfWork

_CHUNK = 5000


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _personal(uow: UnitOfWork) -> dict[str, int]:
    """Each member's username, name and e-mail -> their number (but names that are also the
    name of a council, unit or faction, which the log names publicly)."""
    found: dict[str, int] = {}
    for member_id, *words in uow.members.identities():
        for word in words:
            if word:
                found[str(word)] = member_id
    for name in uow.federations.public_names():
        found.pop(name, None)
    return found


def check(uow: UnitOfWork) -> list[str]:
    personal = _personal(uow)
    if not personal:
        return []
    problems: list[str] = []
    last = -1
    while True:
        rows = uow.audit.entries_after(last, _CHUNK)
        if not rows:
            return problems
        for row in rows:
            words = set(_strings(json.loads(row.payload)))
            if row.actor:
                words.add(row.actor)
            named = sorted({personal[w] for w in words if w in personal})
            if named:
                where = f"entry {row.seq}" if row.seq is not None else "an unsealed entry"
                problems.append(
                    f"audit {where} ({row.act}) names member{'s' if len(named) > 1 else ''} "
                    f"{', '.join(map(str, named[:5]))} by username, name or e-mail: the log "
                    "names members by number only (DESIGN.md 2.11)"
                )
        last = rows[-1].id
