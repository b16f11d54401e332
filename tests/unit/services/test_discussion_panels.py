"""Order kept by the members (DESIGN.md 2.4a): reports, panels by lot, decisions by majority,
redraws, suspensions that never touch the franchise, and the invariant of `dualpower check`."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from discussion_support import decide, mill, mill_petition, post, report
from dualpower.domain import errors, lot
from dualpower.domain.discussion import PANEL_TIME, REPORT_LIMIT, RateLimited
from dualpower.services import discussion, discussion_views, panels, recall
from dualpower.services.check import check
from dualpower.services.elections import cast_ballot
from dualpower.services.panels import FileReport
from dualpower.store import tables_discussion as d
from fixtures_services import file_and_draw
from sessions_helpers import member, open_session


def _reported(fed):  # type: ignore[no-untyped-def]
    petition = mill_petition(fed)
    cid = post(fed, mill(fed, 1), petition, "You are all traitors.")
    opened = report(fed, mill(fed, 2), cid)
    return petition, cid, opened


def test_the_panel_is_drawn_by_a_published_repeatable_lot_without_the_parties(federation):
    fed = federation
    _, cid, opened = _reported(fed)
    view = discussion_views.report(fed.system.reader(), opened.id)
    mill_roll = {mill(fed, i) for i in range(1, 13)}
    assert view["inputs"] == sorted(mill_roll - {mill(fed, 1), mill(fed, 2)})
    assert len(opened.panel) == 5 and set(opened.panel) <= set(view["inputs"])
    assert lot.draw(opened.seed, view["inputs"], 5) == opened.panel == view["panel"]
    assert view["draws"][0]["repeats"] and len(opened.seed) == 64  # an entry's hash (2.11)
    with fed.system.uow() as uow:
        told = {n.member_id for n in uow.notifications.list() if n.kind == "report_panel"}
        logged = uow.conn.exec_driver_sql(
            "SELECT payload FROM audit_log WHERE act = 'report.draw'"
        ).scalar()
    assert told == set(opened.panel)
    assert opened.seed in logged and str(view["inputs"]).replace(" ", "") in logged


def test_a_majority_of_the_panel_hides_the_text_and_the_check_traces_it(federation):
    fed = federation
    petition, cid, opened = _reported(fed)
    first, second, third = opened.panel[:3]
    assert panels.vote(fed.system.uow(), opened.id, first, "hide") is None
    assert panels.vote(fed.system.uow(), opened.id, second, "dismiss") is None
    assert panels.vote(fed.system.uow(), opened.id, third, "hide") is None
    assert panels.vote(fed.system.uow(), opened.id, opened.panel[3], "hide") == "hide"
    thread = discussion_views.thread(fed.system.reader(), "recall", petition)
    assert thread[0]["is_hidden"] and thread[0]["text"] is None
    assert thread[0]["hidden_by_report"] == opened.id
    with pytest.raises(errors.Conflict, match="decided already"):
        panels.vote(fed.system.uow(), opened.id, opened.panel[4], "dismiss")
    assert check(fed.system.uow()) == []


def test_nobody_but_the_panel_decides_and_nothing_changes(federation):
    fed = federation
    _, cid, opened = _reported(fed)
    outsiders = [mill(fed, 1), mill(fed, 2), fed.members["forge1"]]
    outsiders += [m for m in (mill(fed, i) for i in range(3, 13)) if m not in opened.panel][:1]
    for outsider in outsiders:
        with pytest.raises(errors.NotAllowed, match="only the members drawn"):
            panels.vote(fed.system.uow(), opened.id, outsider, "hide")
    with fed.system.uow() as uow:
        assert uow.discussion.count(d.panel_votes) == 0
        assert uow.discussion.one(d.comments, d.comments.c.id == cid)["is_hidden"] is False


def test_hiding_or_suspending_without_a_panel_is_caught_by_the_check(federation):
    fed = federation
    _, cid, opened = _reported(fed)
    with fed.system.uow() as uow:
        uow.discussion.set(d.comments, d.comments.c.id == cid, is_hidden=True)
        now = uow.now()
        uow.discussion.add(
            d.suspensions, member_id=mill(fed, 1), start_at=now, until_at=now, report_id=opened.id
        )
        uow.discussion.set(d.report_draws, d.report_draws.c.report_id == opened.id, seed="0" * 32)
        uow.commit()
    problems = check(fed.system.uow())
    assert f"comment {cid} is hidden without a panel decision" in problems
    assert any("rests on no panel decision to suspend" in p for p in problems)
    assert any("does not repeat from its seed" in p for p in problems)


def test_one_vote_per_panel_member_even_at_the_same_moment(federation):
    fed = federation
    _, _, opened = _reported(fed)
    member = opened.panel[0]
    with pytest.raises(errors.Conflict, match="already voted"):
        panels.vote(fed.system.uow(), opened.id, member, "dismiss")
        panels.vote(fed.system.uow(), opened.id, member, "dismiss")
    other = opened.panel[1]
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def go() -> None:
        barrier.wait()
        try:
            panels.vote(fed.system.uow(), opened.id, other, "hide")
            outcomes.append("ok")
        except errors.Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=go) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    with fed.system.uow() as uow:
        assert uow.discussion.count(d.panel_votes) == 2


def test_concurrent_votes_cross_the_majority_once(federation):
    fed = federation
    _, cid, opened = _reported(fed)
    barrier = threading.Barrier(5)
    results: list[str | None] = []

    def go(member: int) -> None:
        barrier.wait()
        try:
            results.append(panels.vote(fed.system.uow(), opened.id, member, "suspend"))
        except errors.Conflict:
            results.append("late")

    threads = [threading.Thread(target=go, args=(m,)) for m in opened.panel]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results.count("suspend") == 1 and results.count(None) == 2
    with fed.system.uow() as uow:
        assert uow.discussion.count(d.suspensions) == 1
    assert check(fed.system.uow()) == []


def test_a_suspended_member_cannot_post_but_still_signs_and_votes(federation):
    fed = federation
    petition, _, opened = _reported(fed)
    decide(fed, opened.id, opened.panel, "suspend")
    suspended = mill(fed, 1)
    with pytest.raises(errors.NotAllowed, match="still vote, sign and recall"):
        post(fed, suspended, petition, "Let me speak")
    # The franchise stays: they sign the petition, and vote in the recall vote it opens.
    state = recall.sign_recall(fed.system.uow(), petition, suspended)
    assert state.signatures == 1
    for i in range(3, 13):
        state = recall.sign_recall(fed.system.uow(), petition, mill(fed, i))
        if state.status != "open":
            break
    assert state.status == "vote_open" and state.vote_election_id is not None
    receipt = cast_ballot(fed.system.uow(), state.vote_election_id, suspended, [1])
    assert receipt
    # ... and can still be recalled-by: they may open a petition against a deputy.
    with fed.system.uow() as uow:
        assert recall.electors(uow, uow.electorates.for_unit(fed.units["Mill"])) >= {suspended}
    assert check(fed.system.uow()) == []


def test_a_panel_that_does_not_decide_in_time_is_replaced(federation):
    fed = federation
    _, _, opened = _reported(fed)
    panels.vote(fed.system.uow(), opened.id, opened.panel[0], "hide")
    assert panels.redraw_expired(fed.system.uow()) == []
    later = fed.system.clock() + PANEL_TIME + timedelta(minutes=1)
    fed.system.clock = lambda: later
    assert panels.redraw_expired(fed.system.uow()) == [opened.id]
    view = discussion_views.report(fed.system.reader(), opened.id)
    assert view["round"] == 2 and len(view["draws"]) == 2
    # Five of the ten eligible sat on the first panel: the second is the other five.
    assert set(view["panel"]).isdisjoint(opened.panel) and view["seed"] != opened.seed
    assert lot.draw(view["seed"], view["inputs"], 5) == view["panel"]
    with pytest.raises(errors.NotAllowed):
        panels.vote(fed.system.uow(), opened.id, opened.panel[1], "hide")
    decide(fed, opened.id, view["panel"], "dismiss")
    with fed.system.uow() as uow:
        acts = [a for (a,) in uow.conn.exec_driver_sql("SELECT act FROM audit_log")]
    assert acts.count("report.redraw") == 1 and acts.count("report.decide") == 1
    assert check(fed.system.uow()) == []


def test_decisions_that_do_not_fit_the_report_are_refused(federation):
    fed = federation
    roll = file_and_draw(
        fed.system.uow(), FileReport(mill(fed, 2), "not a worker here", member_id=mill(fed, 5))
    )
    assert mill(fed, 5) not in roll.panel and mill(fed, 2) not in roll.panel
    with pytest.raises(errors.InvalidRequest, match="only a reported text"):
        panels.vote(fed.system.uow(), roll.id, roll.panel[0], "hide")
    decide(fed, roll.id, roll.panel, "refer")
    view = discussion_views.report(fed.system.reader(), roll.id)
    assert view["decision"] == "refer" and view["subject"]["kind"] == "roll"


def test_reporting_is_rate_limited(federation):
    fed = federation
    petition = mill_petition(fed)
    cid = post(fed, mill(fed, 1), petition)
    for _ in range(REPORT_LIMIT[0]):
        report(fed, mill(fed, 2), cid)
    with pytest.raises(RateLimited, match="report at most 5 times in 24 hours"):
        report(fed, mill(fed, 2), cid)
    with pytest.raises(errors.InvalidRequest):
        report(fed, mill(fed, 3), cid, reason="  ")
    with pytest.raises(errors.NotFound):
        report(fed, mill(fed, 3), 9999)


def test_editing_is_refused_to_a_suspended_author_and_on_a_hidden_text(federation):
    fed = federation
    petition, cid, opened = _reported(fed)
    decide(fed, opened.id, opened.panel, "hide")
    with pytest.raises(errors.Conflict):
        discussion.edit_comment(fed.system.uow(), cid, mill(fed, 1), "sorry")


def test_every_id_a_report_names_is_checked_and_nothing_is_filed(federation):
    """Issue 28: a session report naming an unknown member was a 500 (the foreign key)."""
    fed = federation
    session, _ = open_session(fed, "North Council", [], [])
    cid = post(fed, mill(fed, 1), mill_petition(fed))
    reporter, unknown = member(fed, "Forge", 2), 999999
    refused = [
        (FileReport(reporter, "x", session_id=session, member_id=unknown), errors.NotFound),
        (FileReport(reporter, "x", member_id=unknown), errors.NotFound),
        (FileReport(reporter, "x", session_id=unknown), errors.NotFound),
        (FileReport(reporter, "x", comment_id=cid, session_id=session), errors.InvalidRequest),
        (FileReport(reporter, "x", comment_id=cid, member_id=unknown), errors.InvalidRequest),
    ]
    for cmd, error in refused:
        with pytest.raises(error, match="there is no (member|session) 999999|one subject"):
            panels.file_report(fed.system.uow(), cmd)
    with fed.system.uow() as uow:
        assert uow.discussion.count(d.reports) == 0
    disrupter = member(fed, "Forge", 3)
    filed = FileReport(reporter, "x", session_id=session, member_id=disrupter)
    opened = file_and_draw(fed.system.uow(), filed)
    assert {reporter, disrupter}.isdisjoint(opened.panel)
