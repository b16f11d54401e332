"""Order kept by the members (DESIGN.md 2.4a): every hidden text and every suspension traces to
a panel decision drawn by a reproducible lot.

- every draw repeats: re-running domain/lot.py on its stored seed and inputs gives its panel,
  and its inputs leave out the parties to the report;
- every decided report was decided by a majority of the votes of its deciding panel's members;
- every hidden comment has a decided report "hide" on it; every suspension rests on a decided
  report "suspend" against the same member.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain import discussion as rules
from dualpower.domain import lot
from dualpower.store import tables_discussion as d


def check(uow: Any) -> list[str]:
    repo = uow.discussion
    reports = {r["id"]: r for r in repo.all(d.reports)}
    draws: dict[tuple[int, int], dict[str, Any]] = {
        (dr["report_id"], dr["round"]): dr for dr in repo.all(d.report_draws)
    }
    votes = repo.all(d.panel_votes)
    problems = _draws(reports, draws)
    problems += _decisions(reports, draws, votes)
    for comment in repo.all(d.comments, d.comments.c.is_hidden.is_(True)):
        if not any(
            r["decision"] == "hide"
            and r["subject_kind"] == "comment"
            and r["subject_id"] == comment["id"]
            for r in reports.values()
        ):
            problems.append(f"comment {comment['id']} is hidden without a panel decision")
    for s in repo.all(d.suspensions):
        report = reports.get(s["report_id"])
        if report is None or report["decision"] != "suspend":
            problems.append(f"suspension {s['id']} rests on no panel decision to suspend")
        elif report["reported_id"] != s["member_id"]:
            problems.append(f"suspension {s['id']} falls on a member the report did not name")
    return problems


def _draws(reports: dict[int, Any], draws: dict[tuple[int, int], Any]) -> list[str]:
    problems = []
    for (report_id, round_), dr in sorted(draws.items()):
        report = reports[report_id]
        where = f"report {report_id}, draw {round_}"
        if not lot.repeats(dr["seed"], list(dr["inputs"]), report["panel_size"], list(dr["panel"])):
            problems.append(f"{where}: the panel does not repeat from its seed and inputs")
        parties = {report["reporter_id"], report["reported_id"]} - {None}
        if parties & set(dr["inputs"]):
            problems.append(f"{where}: a party to the report was eligible for its panel")
    return problems


def _decisions(
    reports: dict[int, Any], draws: dict[tuple[int, int], Any], votes: list[dict[str, Any]]
) -> list[str]:
    problems = []
    for report in reports.values():
        if report["status"] != "decided":
            continue
        dr = draws.get((report["id"], report["decided_round"]))
        if dr is None:
            problems.append(f"report {report['id']} was decided by no drawn panel")
            continue
        cast = [
            v["decision"]
            for v in votes
            if v["report_id"] == report["id"]
            and v["round"] == dr["round"]
            and v["member_id"] in dr["panel"]
        ]
        if rules.decided(cast, len(dr["panel"])) != report["decision"]:
            problems.append(
                f"report {report['id']}: its decision {report['decision']!r} has no majority "
                "of its panel"
            )
    return problems
