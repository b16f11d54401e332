"""A lot nobody can steer (DESIGN.md 2.11): the seed of a report's first panel is the hash of
the log's entry `seed_after` places after the report's own `report.open` entry (0 for reports
filed before that delay; services/panels.py `seed_entry`); a redraw's follows from
the previous seed (`next_seed`). Every draw is made from the pool the `report.open` entry
published at the filing (`recorded_pool`): its inputs are that pool, without the members of
earlier panels while enough others remain. A draw of a report opened before this rule (its
`report.open` entry carried its seed itself) is left as it was drawn."""

from __future__ import annotations

from typing import Any

from dualpower.domain import lot
from dualpower.services.panels import next_seed, open_entry, recorded_pool, seed_entry
from dualpower.store import tables_discussion as d


def _legacy(uow: Any, report_id: int) -> bool:
    _, payload = open_entry(uow, report_id)
    return payload is not None and "seed" in payload


def _has_pool(uow: Any, report_id: int) -> bool:
    """Whether the report's entry published its pool (reports filed before pools were
    published drew from the rolls at the draw: nothing to hold their inputs to)."""
    _, payload = open_entry(uow, report_id)
    return payload is not None and "pool" in payload


def _inputs(
    uow: Any, reports: dict[int, dict[str, Any]], draw: dict[str, Any], draws: list[Any]
) -> list[int]:
    """What the draw's inputs must be: the published pool, without earlier panels' members
    while enough others remain."""
    report = reports[draw["report_id"]]
    earlier = {
        m
        for dr in draws
        if dr["report_id"] == draw["report_id"] and dr["round"] < draw["round"]
        for m in dr["panel"]
    }
    parties = {report["reporter_id"], report["reported_id"]} - {None}
    return lot.panel_inputs(recorded_pool(uow, report), parties, earlier, report["panel_size"])


def check(uow: Any) -> list[str]:
    problems = []
    draws = uow.discussion.all(d.report_draws)
    seeds = {(dr["report_id"], dr["round"]): dr["seed"] for dr in draws}
    reports = {r["id"]: r for r in uow.discussion.all(d.reports)}
    for dr in sorted(draws, key=lambda dr: (dr["report_id"], dr["round"])):
        report_id, round_ = dr["report_id"], dr["round"]
        where = f"report {report_id}, draw {round_}"
        if _has_pool(uow, report_id) and list(dr["inputs"]) != _inputs(uow, reports, dr, draws):
            problems.append(f"{where}: its inputs are not the pool published at the filing")
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
