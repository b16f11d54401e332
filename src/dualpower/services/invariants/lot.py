"""A lot nobody can steer (DESIGN.md 2.11): the seed of a report's first panel is the hash of
the log's entry `seed_after` places after the report's own `report.open` entry (0 for reports
filed before that delay; services/panels.py `seed_entry`); a redraw's follows from
the previous seed (`next_seed`). A draw of a report opened before this rule (its `report.open`
entry carried its seed itself) is left as it was drawn."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from dualpower.services.panels import next_seed, seed_entry
from dualpower.store import tables as t
from dualpower.store import tables_discussion as d


def _legacy(uow: Any, report_id: int) -> bool:
    log = t.audit_log
    payload = uow.conn.execute(
        select(log.c.payload).where(
            log.c.act == "report.open", log.c.payload.like(f'{{"report":{report_id},%')
        )
    ).scalar()
    return payload is not None and "seed" in json.loads(payload)


def check(uow: Any) -> list[str]:
    problems = []
    draws = uow.discussion.all(d.report_draws)
    seeds = {(dr["report_id"], dr["round"]): dr["seed"] for dr in draws}
    for dr in sorted(draws, key=lambda dr: (dr["report_id"], dr["round"])):
        report_id, round_ = dr["report_id"], dr["round"]
        where = f"report {report_id}, draw {round_}"
        if round_ > 1:
            before = seeds.get((report_id, round_ - 1))
            if before is None or dr["seed"] != next_seed(before, round_):
                problems.append(f"{where}: its seed does not follow from the previous draw's")
            continue
        sealed = seed_entry(uow, report_id)
        if sealed is None or _legacy(uow, report_id):
            continue  # not sealed yet, or drawn before the rule
        if dr["seed"] != sealed[1]:
            problems.append(
                f"{where}: its seed is not the hash of the report's entry {sealed[0]} "
                "(a seed the server chose)"
            )
    return problems
