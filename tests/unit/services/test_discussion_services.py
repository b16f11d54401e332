"""Discussion in the open (DESIGN.md 2.7a): comments, replies, edits with history, faction
statements, platforms, rate limits and the subjects they may be on."""

from __future__ import annotations

import pytest

from discussion_support import mill, mill_petition, post
from dualpower.domain import errors
from dualpower.domain.discussion import POST_LIMIT, RateLimited
from dualpower.services import discussion, discussion_views
from dualpower.store import tables_discussion as d


def _deputy(fed, faction: str) -> int:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        mandates = uow.mandates.active(uow.mandates.table.c.faction_id == fed.factions[faction])
    return mandates[0].holder_id


def test_comments_form_a_thread_and_a_reply_tells_the_parent_author(federation):
    fed = federation
    petition = mill_petition(fed)
    first = post(fed, mill(fed, 1), petition, "He voted for the war loans.")
    reply = post(fed, mill(fed, 2), petition, "He did not.", parent_id=first)
    second = post(fed, mill(fed, 3), petition, "Another point.")
    thread = discussion_views.thread(fed.system.reader(), "recall", petition)
    assert [(c["id"], c["depth"]) for c in thread] == [(first, 0), (reply, 1), (second, 0)]
    assert thread[1]["parent_id"] == first and thread[1]["author_id"] == mill(fed, 2)
    with fed.system.uow() as uow:
        told = uow.notifications.of_member(mill(fed, 1))
        acts = [a for (a,) in uow.conn.exec_driver_sql("SELECT act FROM audit_log")]
    assert [n.kind for n in told if n.kind == "comment_reply"] == ["comment_reply"]
    assert acts.count("comment.post") == 3


def test_a_reply_stays_in_its_parents_discussion(federation):
    fed = federation
    petition = mill_petition(fed)
    other = mill_petition_other(fed)
    first = post(fed, mill(fed, 1), petition)
    with pytest.raises(errors.InvalidRequest):
        post(fed, mill(fed, 2), other, parent_id=first)


def mill_petition_other(fed) -> int:  # type: ignore[no-untyped-def]
    from dualpower.services import recall

    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        target = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
    forge1 = fed.members["forge1"]
    return recall.open_recall(fed.system.uow(), target.id, forge1).id


def test_editing_keeps_every_earlier_text_and_only_the_author_edits(federation):
    fed = federation
    petition = mill_petition(fed)
    cid = post(fed, mill(fed, 1), petition, "first words")
    assert discussion.edit_comment(fed.system.uow(), cid, mill(fed, 1), "second words") == 2
    with pytest.raises(errors.NotAllowed):
        discussion.edit_comment(fed.system.uow(), cid, mill(fed, 2), "hijacked")
    view = discussion_views.comment(fed.system.reader(), cid)
    assert view["text"] == "second words" and view["edited_at"] is not None
    assert [r["text"] for r in view["revisions"]] == ["first words", "second words"]


def test_only_a_deputy_of_the_faction_signs_its_statement(federation):
    fed = federation
    petition = mill_petition(fed)
    greens = _deputy(fed, "G")
    reds = _deputy(fed, "R")
    with pytest.raises(errors.NotAllowed):
        post(fed, reds, petition, "The Greens say...", faction_id=fed.factions["G"])
    cid = post(fed, greens, petition, "The Greens say no.", faction_id=fed.factions["G"])
    thread = discussion_views.thread(fed.system.reader(), "recall", petition)
    assert thread[0]["id"] == cid and thread[0]["faction"] == "Greens"
    with fed.system.uow() as uow:
        others = [
            md.holder_id
            for md in uow.mandates.active(uow.mandates.table.c.faction_id == fed.factions["G"])
            if md.holder_id != greens
        ]
        told = {n.kind for n in uow.notifications.of_member(others[0])}
    assert "faction_statement" in told


def test_platforms_are_versioned_and_published_by_the_factions_deputies(federation):
    fed = federation
    greens, reds = _deputy(fed, "G"), _deputy(fed, "R")
    g = fed.factions["G"]
    assert discussion.publish_platform(fed.system.uow(), g, greens, "Green", "Trees.") == 1
    assert discussion.publish_platform(fed.system.uow(), g, greens, "Green", "More trees.") == 2
    with pytest.raises(errors.NotAllowed):
        discussion.publish_platform(fed.system.uow(), g, reds, "Green", "Fake.")
    versions = discussion_views.platforms(fed.system.reader(), g)
    assert [(p["version"], p["text"]) for p in versions] == [(2, "More trees."), (1, "Trees.")]
    side = {
        f["short"]: f["platform"] for f in discussion_views.current_platforms(fed.system.reader())
    }
    assert side["G"]["version"] == 2 and side["R"] is None


def test_posting_is_rate_limited_with_a_clear_message_and_nothing_stored(federation):
    fed = federation
    petition = mill_petition(fed)
    most = POST_LIMIT[0]
    for i in range(most):
        post(fed, mill(fed, 1), petition, f"point {i}")
    with pytest.raises(RateLimited, match="at most 10 times in 10 minutes") as caught:
        post(fed, mill(fed, 1), petition, "one too many")
    assert caught.value.retry_after == 600
    with fed.system.uow() as uow:
        assert uow.discussion.count(d.comments) == most
    post(fed, mill(fed, 2), petition, "another member is not limited")


def test_unknown_subjects_and_empty_texts_are_refused(federation):
    fed = federation
    petition = mill_petition(fed)
    with pytest.raises(errors.NotFound, match="no recall 9999"):
        post(fed, mill(fed, 1), 9999)
    with pytest.raises(errors.InvalidRequest):
        post(fed, mill(fed, 1), petition, "   ")
    with pytest.raises(errors.InvalidRequest):
        discussion.post_comment(
            fed.system.uow(), discussion.PostComment(mill(fed, 1), "poem", petition, "x")
        )
    with pytest.raises(errors.NotFound):
        discussion.post_comment(
            fed.system.uow(), discussion.PostComment(mill(fed, 1), "motion", 9999, "x")
        )
    with fed.system.uow() as uow:
        assert uow.discussion.count(d.comments) == 0


def test_a_subject_whose_topic_is_missing_is_not_found_and_spoils_nothing(federation, monkeypatch):
    """A topic whose code is not installed, or whose migration is not applied, answers 404 with
    a sentence; the failed read is undone alone and the transaction goes on."""
    fed = federation
    monkeypatch.setitem(discussion.SUBJECT_TABLES, "directive", "no_such_table")
    with pytest.raises(errors.NotFound, match=r"yet \(no no_such_table table\)"):
        discussion.post_comment(
            fed.system.uow(), discussion.PostComment(mill(fed, 1), "directive", 1, "x")
        )
    monkeypatch.setitem(discussion.SUBJECT_TABLES, "directive", "directives")
    with fed.system.uow() as uow:
        cascade = " CASCADE" if uow.conn.dialect.name == "postgresql" else ""
        uow.conn.exec_driver_sql(f"DROP TABLE directives{cascade}")
        uow.conn.commit()
    with fed.system.uow() as uow:
        with pytest.raises(errors.NotFound, match="directives are not available on this server"):
            discussion.subject_row(uow, "directive", 1)
        assert uow.members.get(mill(fed, 1)) is not None
        assert uow.discussion.count(d.comments) == 0
