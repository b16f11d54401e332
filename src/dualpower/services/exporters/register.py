"""The dual power register in the public export: authorities, directives, every stance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row.items()}


def export(uow: Any) -> dict[str, list[dict[str, Any]]]:
    directives = [
        {k: v for k, v in d.items() if k != "authority"} for d in uow.register.directives()
    ]
    return {
        "authorities": [_plain(a) for a in uow.register.authorities()],
        "directives": [_plain(d) for d in directives],
        "stances": [_plain(s) for s in uow.register.stance_rows()],
    }
