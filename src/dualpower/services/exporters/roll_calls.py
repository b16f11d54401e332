"""Roll-call votes in the public export (DESIGN.md 4.1, 2.8, 2.11).

A council's open vote is public by deputy: how each voted, under their name, so electors can
hold them to account. A base assembly's vote is its members' own business (2.11): only its
totals. A secret vote: only its totals, never who took part.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def export(uow: Any) -> dict[str, list[dict[str, Any]]]:
    rows = []
    for motion in uow.motions.decided_rows():
        row = {
            "motion_id": motion["id"],
            "council_id": motion["council_id"],
            "unit_id": motion["unit_id"],
            "session_id": motion["session_id"],
            "title": motion["title"],
            "status": motion["status"],
            "is_secret": motion["is_secret"],
            "majority": motion["majority"],
            "decided_at": _iso(motion["decided_at"]),
            "yes": motion["yes"],
            "no": motion["no"],
            "abstain": motion["abstain"],
            "seats": motion["seats"],
            "votes": [],
        }
        if motion["council_id"] is not None and not motion["is_secret"]:
            votes = uow.motions.roll_call(motion["id"])
            row["votes"] = [{"member_id": m, "name": name, "position": p} for m, name, p in votes]
        rows.append(row)
    return {"roll_calls": rows}
