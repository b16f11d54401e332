"""A lot nobody can steer (DESIGN.md 2.11, issue 22), and a suspension that holds (2.4a).

- The first panel's seed is the hash of the entry `lot.SEED_AFTER` places after the report's own
  `report.open` entry: it did not exist anywhere before the report was filed (no hash, no seed in
  the database equals it), acts logged after the filing fix it, and the panel waits for it (the
  clock draws it, and moves a quiet log on). tools/repeat_draw.py (standard library alone)
  repeats every draw from an export, the seed's source included, and rejects a forged seed,
  panel or redraw.
- Who can be drawn (the pool) is published when the report is filed, before the seed exists; a
  member who joins afterwards is not drawn, and a draw over another pool is refused.
- A member a panel suspended from posting drafts no motion (an instruction included), files no
  report and registers no faction.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from discussion_support import decide, mill, mill_petition, post, report
from dualpower.domain import errors, lot
from dualpower.domain.discussion import PANEL_TIME
from dualpower.services import discussion_views, factions, instructions, motions, panels
from dualpower.services.check import check
from dualpower.services.discussion import Scope
from dualpower.services.due import run_due
from dualpower.services.export import export
from dualpower.services.offices import OPERATOR_CALLER as OP
from dualpower.services.panels import FileReport
from dualpower.services.roll_changes import add_member
from dualpower.store import tables as t
from dualpower.store import tables_discussion as d
from dualpower.store.sequencer import settle
from factories import ShiftedClock, Small
from sessions_helpers import deputies

TOOL = Path(__file__).resolve().parents[3] / "tools" / "repeat_draw.py"


def run_tool(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # -I -S: no site-packages, no dualpower
        [sys.executable, "-I", "-S", str(TOOL), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )


def every_value(fed: Small) -> set[str]:
    """Every hash and seed the database holds."""
    with fed.system.reader() as uow:
        hashes = set(uow.conn.execute(select(t.audit_log.c.entry_hash)).scalars())
        seeds = set(uow.conn.execute(select(d.report_draws.c.seed)).scalars())
    return {v for v in hashes | seeds if v}


def exported(fed: Small, directory: Path) -> list[dict]:  # type: ignore[type-arg]
    settle(fed.system.engine)
    export(fed.system.uow(), directory)
    return json.loads((directory / "audit_log.json").read_text())  # type: ignore[no-any-return]


def _log_entry(fed: Small, seq: int):  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        log = t.audit_log
        return uow.conn.execute(select(log).where(log.c.seq == seq)).one()


def test_the_seed_is_an_entry_logged_after_the_report_by_others(federation: Small) -> None:
    """The report is filed; its panel waits. Members act (their comments are logged); the entry
    SEED_AFTER places after the report's own, one of theirs, seeds the draw: a hash that existed
    nowhere when the report was filed, fixed by acts that came after it."""
    fed = federation
    petition = mill_petition(fed)
    comment = post(fed, mill(fed, 1), petition, "You are all traitors.")
    settle(fed.system.engine)
    before, size = every_value(fed), len(every_value(fed))
    with fed.system.reader() as uow:
        last_id = uow.conn.execute(select(func.max(t.audit_log.c.id))).scalar()
    opened = panels.file_report(fed.system.uow(), FileReport(mill(fed, 2), "r", comment_id=comment))
    assert (opened.panel, opened.seed, opened.draw_status) == ([], None, "waiting")
    filed = _log_entry(fed, opened.seed_entry - lot.SEED_AFTER)  # type: ignore[operator]
    assert filed.act == "report.open" and json.loads(filed.payload)["report"] == opened.id
    assert json.loads(filed.payload)["seed_after"] == lot.SEED_AFTER >= 3
    assert panels.draw_pending(fed.system.uow()) == []  # the seed's entry is not there yet
    for i in range(lot.SEED_AFTER):  # members go on acting
        post(fed, mill(fed, 3 + i), petition, f"Comment {i}")
    assert panels.draw_pending(fed.system.uow()) == [opened.id]
    view = discussion_views.report(fed.system.reader(), opened.id)
    seed_entry = _log_entry(fed, opened.seed_entry)  # type: ignore[arg-type]
    assert view["seed"] == seed_entry.entry_hash and view["seed"] not in before and size > 10
    assert seed_entry.act == "comment.post" and seed_entry.actor == str(
        mill(fed, 2 + lot.SEED_AFTER)
    )
    assert seed_entry.id > filed.id > last_id  # written after the filing committed
    assert lot.draw(view["seed"], view["inputs"], 5) == view["panel"] and len(view["panel"]) == 5
    settle(fed.system.engine)
    with fed.system.reader() as uow:
        drawn = uow.conn.execute(
            select(t.audit_log).where(t.audit_log.c.act == "report.draw")
        ).one()
    assert drawn.seq > seed_entry.seq and json.loads(drawn.payload)["seed_entry"] == seed_entry.seq
    assert check(fed.system.uow()) == []


def test_the_clock_draws_a_waiting_panel_and_moves_a_quiet_log_on(federation: Small) -> None:
    """No member acts: the clock logs one report.wait entry a run, only once the report has
    waited NUDGE_AFTER, and draws the panel when the seed's entry is sealed."""
    fed = federation
    comment = post(fed, mill(fed, 1), mill_petition(fed), "Traitors!")
    opened = panels.file_report(fed.system.uow(), FileReport(mill(fed, 2), "r", comment_id=comment))
    assert run_due(fed.system.uow) == []  # too early to nudge: nothing logged
    with fed.system.reader() as uow:
        assert (
            uow.conn.execute(
                select(func.count()).where(t.audit_log.c.act == "report.wait")
            ).scalar()
            == 0
        )
    fed.system.clock = ShiftedClock(panels.NUDGE_AFTER + timedelta(seconds=1))
    runs = [run_due(fed.system.uow) for _ in range(lot.SEED_AFTER + 1)]
    assert [str(d) for r in runs for d in r] == [f"report.draw {opened.id}"]
    assert runs[-1] and not any(runs[:-1])
    with fed.system.reader() as uow:
        waits = uow.conn.execute(
            select(func.count()).where(t.audit_log.c.act == "report.wait")
        ).scalar()
    assert waits == lot.SEED_AFTER
    assert run_due(fed.system.uow) == []  # drawn once


def test_the_draws_repeat_from_the_export_alone(federation: Small, tmp_path: Path) -> None:
    fed = federation
    petition = mill_petition(fed)
    first = report(fed, mill(fed, 2), post(fed, mill(fed, 1), petition, "Traitors!"))
    second = report(fed, mill(fed, 3), post(fed, mill(fed, 4), petition, "Liars!"))
    decide(fed, second.id, second.panel, "dismiss")
    with fed.system.uow() as uow:  # the first panel runs out of time: a redraw
        later = uow.now() + PANEL_TIME + timedelta(minutes=1)
    assert panels.redraw_expired(fed.system.uow(), later) == [first.id]
    log = exported(fed, tmp_path / "public")
    done = run_tool(tmp_path / "public")
    assert done.returncode == 0, done.stdout + done.stderr
    verified = subprocess.run(  # the waits and draws are acts the verifier accepts too
        [
            sys.executable,
            "-I",
            "-S",
            str(TOOL.parent / "verify_export.py"),
            str(tmp_path / "public"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert any(e["act"] == "report.wait" for e in log)
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("ok report") for line in lines), lines
    assert f"panel {first.panel}" in lines[0]
    forgeries = {
        "a chosen seed": lambda p: p.update(seed="0" * 64),
        "another panel": lambda p: p.update(panel=p["panel"][::-1]),
        "another seed entry": lambda p: p.update(seed_entry=p["seed_entry"] - 1),
        "the report's own entry": lambda p: p.update(seed_entry=p["seed_entry"] - lot.SEED_AFTER),
    }
    for name, forge in forgeries.items():
        changed = json.loads(json.dumps(log))
        forge(next(e for e in changed if e["act"] == "report.draw")["payload"])
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(changed))
        refused = run_tool(path)
        assert refused.returncode == 1 and "MISMATCH" in refused.stdout, (name, refused.stdout)
    changed = json.loads(json.dumps(log))
    next(e for e in changed if e["act"] == "report.redraw")["payload"]["seed"] = "1" * 64
    (tmp_path / "redraw.json").write_text(json.dumps(changed))
    assert run_tool(tmp_path / "redraw.json").returncode == 1


def test_a_suspension_holds_for_motions_and_reports(federation: Small) -> None:
    fed = federation
    petition = mill_petition(fed)
    offender = mill(fed, 1)
    opened = report(fed, mill(fed, 2), post(fed, offender, petition, "Traitors!"))
    decide(fed, opened.id, opened.panel, "suspend")
    mill_unit = fed.units["Mill"]
    cmd = motions.DraftMotion(mill_unit, None, "A motion", "Text.")
    with pytest.raises(errors.NotAllowed, match="suspended"):
        motions.draft_motion(fed.system.uow(), offender, cmd)
    other = post(fed, mill(fed, 5), petition, "Calm down.")
    with pytest.raises(errors.NotAllowed, match="suspended"):
        panels.file_report(fed.system.uow(), FileReport(offender, "a reason", comment_id=other))
    south = fed.councils["South Council"]
    deputy = deputies(fed, "South Council")[0]
    council_motion = motions.draft_motion(
        fed.system.uow(), deputy, motions.DraftMotion(None, south, "War credits", "Vote them.")
    )
    with pytest.raises(errors.NotAllowed, match="suspended"):  # an instruction is a motion
        instructions.propose_instruction(
            fed.system.uow(), offender, mill_unit, None, council_motion, "no"
        )
    with pytest.raises(errors.NotAllowed, match="suspended"):  # a faction's name is a text
        factions.register_faction(fed.system.uow(), offender, "Black Hundreds", "BH", "#000")
    with fed.system.reader() as uow:
        assert uow.discussion.count(d.reports, d.reports.c.reporter_id == offender) == 0
        assert not uow.motions.list(uow.motions.table.c.author_id == offender)
        assert all(f.name != "Black Hundreds" for f in uow.factions.list())
    assert motions.draft_motion(fed.system.uow(), mill(fed, 5), cmd) > 0  # others still can


def test_the_check_finds_a_seed_the_server_chose(federation: Small) -> None:
    fed = federation
    comment = post(fed, mill(fed, 1), mill_petition(fed), "Traitors!")
    opened = report(fed, mill(fed, 2), comment)
    assert check(fed.system.uow()) == []
    with fed.system.uow() as uow:  # a fresh seed, and the panel it gives: it repeats, but ...
        rd = d.report_draws
        draw = uow.discussion.one(rd, rd.c.report_id == opened.id)
        chosen = lot.new_seed()
        panel = lot.draw(chosen, list(draw["inputs"]), 5)
        uow.discussion.set(rd, rd.c.report_id == opened.id, seed=chosen, panel=panel)
        uow.commit()
    with fed.system.reader() as uow:
        seq = panels.seed_entry(uow, opened.id)[0]  # type: ignore[index]
    assert check(fed.system.uow()) == [
        f"report {opened.id}, draw 1: its seed is not the hash of the report's entry {seq} "
        "(a seed the server chose)"
    ]


def mill_roll(fed: Small) -> set[int]:
    with fed.system.reader() as uow:
        return panels.eligible(uow, Scope("unit", fed.units["Mill"]))


def test_the_pool_is_fixed_when_the_report_is_filed(federation: Small, tmp_path: Path) -> None:
    """Who can be drawn is published in the report's own entry, before the seed exists: a member
    who joins the roll after the filing is not drawn, the draw's inputs are that pool, and the
    export's pool and seed alone give the panel (tools/repeat_draw.py). A draw over another pool,
    however well it repeats from its own inputs, is refused by the tool and by the check."""
    fed = federation
    petition = mill_petition(fed)
    comment = post(fed, mill(fed, 1), petition, "Traitors!")
    opened = panels.file_report(fed.system.uow(), FileReport(mill(fed, 2), "r", comment_id=comment))
    filed = _log_entry(fed, opened.seed_entry - lot.SEED_AFTER)  # type: ignore[operator]
    pool = json.loads(filed.payload)["pool"]
    on_roll = mill_roll(fed)
    assert pool == sorted(on_roll - {mill(fed, 1), mill(fed, 2)}) and len(pool) > 5
    newcomer = add_member(fed.system.uow(), "mill-newcomer", "A Newcomer", fed.units["Mill"], OP)
    for i in range(lot.SEED_AFTER):  # the log moves on to the seed's entry
        post(fed, mill(fed, 3 + i), petition, f"Comment {i}")
    assert panels.draw_pending(fed.system.uow()) == [opened.id]
    view = discussion_views.report(fed.system.reader(), opened.id)
    assert newcomer not in view["inputs"] and view["inputs"] == pool
    assert newcomer in mill_roll(fed)
    assert view["panel"] == lot.draw(view["seed"], pool, 5) and check(fed.system.uow()) == []
    log = exported(fed, tmp_path / "public")
    done = run_tool(tmp_path / "public")
    assert done.returncode == 0 and f"panel {view['panel']}" in done.stdout, done.stdout
    # the server, knowing the seed, slips the newcomer into the pool: a panel that repeats from
    # its own inputs, but not from the pool published at the filing
    steered = sorted([*pool, newcomer])
    panel = lot.draw(view["seed"], steered, 5)
    changed = json.loads(json.dumps(log))
    payload = next(e for e in changed if e["act"] == "report.draw")["payload"]
    payload.update(inputs=steered, panel=panel)
    (tmp_path / "steered.json").write_text(json.dumps(changed))
    refused = run_tool(tmp_path / "steered.json")
    assert refused.returncode == 1 and "not the pool published" in refused.stdout, refused.stdout
    with fed.system.uow() as uow:
        rd = d.report_draws
        uow.discussion.set(rd, rd.c.report_id == opened.id, inputs=steered, panel=panel)
        uow.commit()
    assert check(fed.system.uow()) == [
        f"report {opened.id}, draw 1: its inputs are not the pool published at the filing"
    ]


def test_the_check_holds_no_draw_from_before_pools_to_a_pool(
    federation: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report filed before pools were published (its entry names none) was drawn from the
    rolls at the draw: `check` does not hold its inputs to today's rolls."""
    from dualpower.services.invariants import lot as lot_check

    fed = federation
    opened = report(fed, mill(fed, 2), post(fed, mill(fed, 1), mill_petition(fed), "Traitors!"))
    later = add_member(fed.system.uow(), "mill-later", "A Later Member", fed.units["Mill"], OP)
    assert check(fed.system.uow()) == []
    entry = panels.open_entry

    def without_pool(uow, report_id):  # type: ignore[no-untyped-def]
        seq, payload = entry(uow, report_id)  # the entry as a server before pools wrote it
        return seq, {k: v for k, v in (payload or {}).items() if k != "pool"}

    monkeypatch.setattr(panels, "open_entry", without_pool)
    monkeypatch.setattr(lot_check, "open_entry", without_pool)
    with fed.system.reader() as uow:
        filed = uow.discussion.one(d.reports, d.reports.c.id == opened.id)
        assert later in panels.recorded_pool(uow, filed)  # the rolls now, not at the filing
    assert check(fed.system.uow()) == []
