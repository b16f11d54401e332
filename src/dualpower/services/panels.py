"""Order kept by the members themselves (DESIGN.md 2.4a): reports, panels drawn by lot, their
decisions, and the redraw of panels that ran out of time.

The panel is drawn from the members on the rolls of the unit concerned (or of every unit under
the council concerned), leaving out the parties: the reporter and the reported member. The seed
is not the server's choice at the draw (DESIGN.md 2.11): the first panel's is the hash of the
audit entry `lot.SEED_AFTER` places after the report's own `report.open` entry (whose payload
names that number, `seed_after`), an entry that did not exist when the report was filed and
commits, through the chain, to every act logged up to it (`seed_entry`); a redraw's follows
from it (`next_seed`).

Who can be drawn is fixed when the report is filed, before the seed exists: the members on those
rolls then, but the parties, published as the `pool` of the `report.open` entry. Every draw of the
report, redraws included, is made from that pool (members of earlier panels left out while enough
remain), never from the rolls at the draw: knowing the seed, the server cannot add or remove
members to steer the panel (`recorded_pool`).

So the panel is drawn later, once the log holds those entries: the filing answers `panel: []`,
`seed: None`, `draw_status: "waiting"` and the position of the seed's entry; the clock draws
every waiting panel whose seed entry is sealed (`draw_pending`), and, for a report that has
waited `NUDGE_AFTER` on a quiet log, logs one `report.wait` entry a run so the log reaches it.
Seed, its entry, inputs and panel are stored and logged (`report.draw`), so anyone can repeat
the draw from the published pool and seed (domain/lot.py, tools/repeat_draw.py). What remains
in the server's hands: it writes every entry's time, so it could try times for the entries it
writes itself; only an outside beacon would close that (SECURITY.md). A decision is the only
path to hiding a text or suspending a member. Each panel seat votes once (a primary key); the
report row is locked while a vote is counted, so the majority is crossed
exactly once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dualpower.domain import discussion as rules
from dualpower.domain import errors, lot
from dualpower.domain.capabilities import VERIFY_MEMBERS
from dualpower.domain.cycle import CLOCK
from dualpower.services.discussion import Scope, may_speak, subject_scope, tell
from dualpower.store.sequencer import sequence
from dualpower.store.uow import UnitOfWork


@dataclass(frozen=True)
class FileReport:
    reporter_id: int
    reason: str
    comment_id: int | None = None
    member_id: int | None = None  # a false roll entry (kind "roll"), or who disrupted a session
    session_id: int | None = None  # conduct in a session
    panel_size: int = rules.PANEL_SIZE


NUDGE_AFTER = timedelta(minutes=5)  # a report waits this long on a quiet log before the clock
# logs `report.wait` entries to reach its seed entry


@dataclass(frozen=True)
class Opened:
    """A filed report: its panel and seed once drawn (`draw_status` "drawn"), else `[]`, None
    and "waiting" with `seed_entry`, the log position whose entry's hash will be the seed."""

    id: int
    panel: list[int]
    seed: str | None
    draw_status: str = "drawn"
    seed_entry: int | None = None


def eligible(uow: UnitOfWork, scope: Scope) -> set[int]:
    """Members on the roll of the unit, or of any unit under the council (its whole subtree)."""
    if scope.kind == "unit":
        unit_ids = {scope.id}
    else:
        councils = {c.id: c for c in uow.councils.list()}
        below = {scope.id}
        grew = True
        while grew:
            more = {c.id for c in councils.values() if c.parent_id in below} - below
            below |= more
            grew = bool(more)
        unit_ids = {u.id for u in uow.units.list() if u.council_id in below}
    return uow.memberships.members_of_units(unit_ids)


def _subject(uow: UnitOfWork, cmd: FileReport) -> tuple[str, int, int | None, Scope]:
    """(kind, id, reported member, scope) of what is reported. Every id the report names is
    checked: an unknown one is refused, never left to the foreign keys."""
    if cmd.comment_id is not None and (cmd.session_id, cmd.member_id) != (None, None):
        raise errors.InvalidRequest(
            "a report names one subject: a comment_id, a session_id (with the member_id of who"
            " disrupted it) or a member_id"
        )
    if cmd.member_id is not None and uow.members.get(cmd.member_id) is None:
        raise errors.NotFound(f"there is no member {cmd.member_id}")
    if cmd.comment_id is not None:
        comment = uow.panels.comment(cmd.comment_id)
        if comment is None:
            raise errors.NotFound(f"there is no comment {cmd.comment_id}")
        scope = subject_scope(uow, comment["subject_kind"], comment["subject_id"])
        return "comment", comment["id"], comment["author_id"], scope
    if cmd.session_id is not None:
        session = uow.sessions.get(cmd.session_id)
        if session is None:
            raise errors.NotFound(f"there is no session {cmd.session_id}")
        scope = Scope("council", session.council_id)
        return "session", cmd.session_id, cmd.member_id, scope
    if cmd.member_id is not None:
        unit_id = uow.members.current_unit_id(cmd.member_id)
        if unit_id is None:
            raise errors.NotFound(f"member {cmd.member_id} is on no roll")
        return "roll", cmd.member_id, cmd.member_id, Scope("unit", unit_id)
    raise errors.InvalidRequest("a report names a comment_id, a member_id or a session_id")


def _draw(
    uow: UnitOfWork,
    report: dict[str, Any],
    round_: int,
    avoid: set[int],
    now: datetime,
    seed: str,
) -> dict[str, Any]:
    """Draw a panel for this round; members of earlier panels are left out while enough remain."""
    parties = {report["reporter_id"], report["reported_id"]} - {None}
    inputs = lot.panel_inputs(recorded_pool(uow, report), parties, avoid, report["panel_size"])
    if not inputs:
        raise errors.Conflict("nobody is left to sit on a panel for this report")
    panel = lot.draw(seed, inputs, report["panel_size"])
    draw = {
        "report_id": report["id"],
        "round": round_,
        "seed": seed,
        "algorithm": lot.ALGORITHM,
        "inputs": inputs,
        "panel": panel,
        "drawn_at": now,
        "deadline_at": now + rules.PANEL_TIME,
    }
    uow.panels.add_draw(**draw)
    tell(
        uow,
        panel,
        "report_panel",
        f"You were drawn by lot to decide report {report['id']}",
        f"/reports/{report['id']}",
    )
    return draw


def file_report(uow: UnitOfWork, cmd: FileReport) -> Opened:
    """File the report (one act), then draw its panel (a second act) from the seed the log
    fixed when it sealed the report's entry (see `seed_entry`)."""
    report_id = _open(uow, cmd)
    sequence(uow.engine)  # seal the report's entry: the seed's place follows from its own
    return _opened(uow, report_id, draw_first(uow, report_id))


def _opened(uow: UnitOfWork, report_id: int, draw: dict[str, Any] | None) -> Opened:
    if draw is not None:
        return Opened(report_id, list(draw["panel"]), draw["seed"])
    with uow:
        place = seed_position(uow, report_id)
    return Opened(report_id, [], None, "waiting", place)


def _wait(uow: UnitOfWork, report_ids: list[int]) -> None:
    with uow:
        uow.record("report.wait", {"reports": sorted(report_ids)}, actor=CLOCK)
        uow.commit()


def _open(uow: UnitOfWork, cmd: FileReport) -> int:
    with uow:
        may_speak(uow, cmd.reporter_id)  # a reason is a text: a suspension holds for it
        reason = cmd.reason.strip()
        if not reason or len(reason) > rules.MAX_REASON:
            raise errors.InvalidRequest(f"give a reason of 1 to {rules.MAX_REASON} characters")
        if not 1 <= cmd.panel_size <= 25:
            raise errors.InvalidRequest("a panel has 1 to 25 members")
        since = uow.now() - rules.REPORT_LIMIT[1]
        recent = uow.panels.reported_since(cmd.reporter_id, since)
        rules.check_rate("report", recent, rules.REPORT_LIMIT)
        kind, subject_id, reported, scope = _subject(uow, cmd)
        pool = lot.inputs_of(eligible(uow, scope) - {cmd.reporter_id, reported})
        if not pool:
            raise errors.Conflict("nobody is on the rolls concerned to sit on a panel")
        opened_at = uow.now()
        values: dict[str, Any] = {
            "subject_kind": kind,
            "subject_id": subject_id,
            "reporter_id": cmd.reporter_id,
            "reported_id": reported,
            "reason": reason,
            "scope_kind": scope.kind,
            "scope_id": scope.id,
            "panel_size": cmd.panel_size,
            "opened_at": opened_at,
            "status": "open",
        }
        report_id = uow.panels.add_report(**values)
        uow.record(
            "report.open",
            {
                "report": report_id,
                "subject": {"kind": kind, "id": subject_id},
                "seed_after": lot.SEED_AFTER,
                "pool": pool,
            },
            actor=str(cmd.reporter_id),
        )
        uow.commit()
    return report_id


def open_entry(uow: UnitOfWork, report_id: int) -> tuple[int | None, dict[str, Any] | None]:
    """(seq or None while unsealed, payload) of the report's `report.open` entry; (None, None)
    when the log has none. The payload is canonical JSON with sorted keys: it begins with the
    report's number, or with the pool and then the number."""
    found = uow.panels.open_entry(report_id)
    if found is None:
        return None, None
    seq, text = found
    payload: dict[str, Any] = json.loads(text)
    return seq, payload


def recorded_pool(uow: UnitOfWork, report: dict[str, Any]) -> set[int]:
    """Who may be drawn for the report: the pool its `report.open` entry published at the filing
    (a report filed before pools were published: the rolls concerned now, but the parties)."""
    _, payload = open_entry(uow, report["id"])
    if payload is not None and "pool" in payload:
        return {int(i) for i in payload["pool"]}
    parties = {report["reporter_id"], report["reported_id"]} - {None}
    return eligible(uow, Scope(report["scope_kind"], report["scope_id"])) - parties


def seed_position(uow: UnitOfWork, report_id: int) -> int | None:
    """The place in the log of the entry whose hash seeds the report's first panel: `seed_after`
    places after its `report.open` entry (None while that entry is unsealed)."""
    seq, payload = open_entry(uow, report_id)
    if seq is None or payload is None:
        return None
    return seq + int(payload.get("seed_after", 0))  # 0: a report filed before 2.11's delay


def seed_entry(uow: UnitOfWork, report_id: int) -> tuple[int, str] | None:
    """(seq, entry_hash) of the entry that seeds the report's first panel, once the log holds it
    sealed; else None.

    It comes `seed_after` entries after the report's `report.open` entry and commits, through
    the chain, to the report and to every act logged up to it, so the server could neither know
    nor pick it when the report was filed, nor choose it at the draw (DESIGN.md 2.11)."""
    place = seed_position(uow, report_id)
    if place is None:
        return None
    entry_hash = uow.panels.sealed_hash(place)
    return None if entry_hash is None else (place, entry_hash)


def draw_first(uow: UnitOfWork, report_id: int) -> dict[str, Any] | None:
    """Draw the first panel of a report whose entry is sealed (once: a second call returns the
    draw made); None while the entry waits for the sequencer."""
    with uow:
        report = uow.panels.report(report_id, lock=True)
        if report is None:
            raise errors.NotFound(f"there is no report {report_id}")
        done = uow.panels.draws(report_id)
        if done:
            return done[0]
        sealed = seed_entry(uow, report_id)
        if sealed is None:
            return None
        seq, seed = sealed
        draw = _draw(uow, report, 1, set(), uow.now(), seed)
        logged = _logged(report_id, report["subject_kind"], report["subject_id"], draw)
        uow.record("report.draw", logged | {"seed_entry": seq})
        uow.commit()
    return draw


def draw_pending(uow: UnitOfWork, now: datetime | None = None) -> list[int]:
    """For the clock: draw the first panel of every report whose seed entry is sealed; if a
    report still waiting was filed `NUDGE_AFTER` ago or more, log one `report.wait` entry, so a
    quiet log reaches its seed entry a run at a time. Returns the reports drawn."""
    with uow:
        waiting = uow.panels.waiting()
        at = now or uow.now()
    if not waiting:
        return []
    sequence(uow.engine)
    done = [w["id"] for w in waiting if draw_first(uow, w["id"]) is not None]
    late = [w["id"] for w in waiting if w["id"] not in done and at - w["opened_at"] >= NUDGE_AFTER]
    if late:
        _wait(uow, late)
    return done


def next_seed(seed: str, round_: int) -> str:
    """A redraw's seed follows from the first one: SHA-256 hex of "{previous seed}:{round}"."""
    return hashlib.sha256(f"{seed}:{round_}".encode("ascii")).hexdigest()


def _logged(report_id: int, kind: str, subject_id: int, draw: dict[str, Any]) -> dict[str, Any]:
    return {
        "report": report_id,
        "subject": {"kind": kind, "id": subject_id},
        "round": draw["round"],
        "seed": draw["seed"],
        "algorithm": draw["algorithm"],
        "inputs": draw["inputs"],
        "panel": draw["panel"],
        "deadline_at": draw["deadline_at"].isoformat(),
    }


def _current_draw(uow: UnitOfWork, report_id: int) -> dict[str, Any]:
    """The report's latest draw, for a vote on it; its readers see it in the report's view
    (`discussion_views.report`, the page and `GET /reports/{id}`)."""
    draws = uow.panels.draws(report_id)
    if not draws:
        raise errors.Conflict(f"the panel of report {report_id} is not drawn yet")
    return draws[-1]


def vote(uow: UnitOfWork, report_id: int, member_id: int, decision: str) -> str | None:
    """A panel member's vote; returns the panel's decision once a majority has it, else None."""
    with uow:
        report = uow.panels.report(report_id, lock=True)
        if report is None:
            raise errors.NotFound(f"there is no report {report_id}")
        draw = _current_draw(uow, report_id)
        if member_id not in draw["panel"]:
            raise errors.NotAllowed("only the members drawn for this report's panel may decide it")
        why_not = rules.applicable(
            decision, report["subject_kind"], report["reported_id"] is not None
        )
        if why_not:
            raise errors.InvalidRequest(why_not)
        if report["status"] != "open":
            raise errors.Conflict(f"this report is decided already ({report['decision']})")
        if uow.now() >= draw["deadline_at"]:
            raise errors.Conflict("this panel's time ran out; a new panel is being drawn")
        with uow.unique_or(errors.Conflict("you have already voted on this report")):
            uow.panels.add_vote(
                report_id=report_id,
                round=draw["round"],
                member_id=member_id,
                decision=decision,
                voted_at=uow.now(),
            )
        uow.record(
            "report.vote",
            {"report": report_id, "round": draw["round"], "decision": decision},
            actor=str(member_id),
        )
        votes = uow.panels.votes(report_id, draw["round"])
        outcome = rules.decided([v["decision"] for v in votes], len(draw["panel"]))
        if outcome is not None:
            _apply(uow, report, draw, outcome)
        uow.commit()
    return outcome


def _apply(uow: UnitOfWork, report: dict[str, Any], draw: dict[str, Any], decision: str) -> None:
    now = uow.now()
    changed = uow.panels.decide(
        report["id"],
        status="decided",
        decision=decision,
        decided_round=draw["round"],
        decided_at=now,
    )
    assert changed == 1, "the report row is locked: nobody else decides it meanwhile"
    effect: dict[str, Any] = {}
    if decision == "hide":
        uow.panels.hide_comment(report["subject_id"])
        effect = {"hidden_comment": report["subject_id"]}
    elif decision == "suspend":
        until = now + rules.SUSPENSION
        uow.panels.add_suspension(
            member_id=report["reported_id"],
            start_at=now,
            until_at=until,
            report_id=report["id"],
        )
        effect = {"suspended": report["reported_id"], "until": until.isoformat()}
    elif decision == "refer":
        committee = credentials_committee(uow, Scope(report["scope_kind"], report["scope_id"]))
        tell(
            uow,
            committee,
            "report_referred",
            f"A panel referred report {report['id']} to the credentials committee",
            f"/reports/{report['id']}",
        )
        effect = {"referred_to": sorted(committee)}
    uow.record(
        "report.decide",
        {"report": report["id"], "round": draw["round"], "decision": decision, **effect},
    )
    parties = {report["reporter_id"], report["reported_id"]} - {None}
    tell(
        uow,
        parties,
        "report_decided",
        f"Report {report['id']}: {decision}",
        f"/reports/{report['id']}",
    )
    uow.emit(rules.ReportDecided(report["id"], decision))


def credentials_committee(uow: UnitOfWork, scope: Scope) -> set[int]:
    """Holders, now, of an office with the capability to verify members, in the scope's
    council (a unit's base council)."""
    council_id = scope.id
    if scope.kind == "unit":
        unit = uow.units.get(scope.id)
        council_id = unit.council_id if unit else scope.id
    held = uow.offices.holders_capabilities(council_id)
    return {holder for holder, capabilities in held if VERIFY_MEMBERS in capabilities}


def redraw_expired(uow: UnitOfWork, now: datetime | None = None) -> list[int]:
    """Replace every open report's panel whose deadline has passed by a new draw; returns the
    reports redrawn."""
    redrawn: list[int] = []
    with uow:
        at = now or uow.now()
        for report in uow.panels.open_reports():
            locked = uow.panels.lock_open(report["id"])
            draws = uow.panels.draws(report["id"])
            if locked is None or not draws or draws[-1]["deadline_at"] > at:
                continue  # decided meanwhile, not drawn yet (draw_pending), or still in time
            old = draws[-1]
            avoid = {m for dr in draws for m in dr["panel"]}
            seed = next_seed(old["seed"], old["round"] + 1)
            draw = _draw(uow, locked, old["round"] + 1, avoid, at, seed)
            uow.record(
                "report.redraw",
                _logged(report["id"], report["subject_kind"], report["subject_id"], draw),
            )
            redrawn.append(report["id"])
        uow.commit()
    return redrawn
