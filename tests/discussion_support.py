"""Helpers for the discussion tests: a recall petition to discuss in the Mill (South Council,
recall by vote), a comment on it, and a report of that comment."""

from __future__ import annotations

from dualpower.services import discussion, panels, recall
from dualpower.services.panels import FileReport
from factories import username
from fixtures_services import file_and_draw


def mill(fed, i: int) -> int:  # type: ignore[no-untyped-def]
    return fed.members[username("Mill", i)]


def mill_petition(fed) -> int:  # type: ignore[no-untyped-def]
    """A recall petition against a deputy of the Mill, opened by Mill member 12."""
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Mill"])
        target = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
    return recall.open_recall(fed.system.uow(), target.id, mill(fed, 12)).id


def post(fed, author: int, petition: int, text: str = "Recall him!", **kw) -> int:  # type: ignore[no-untyped-def]
    cmd = discussion.PostComment(author, "recall", petition, text, **kw)
    return discussion.post_comment(fed.system.uow(), cmd)


def report(fed, reporter: int, comment_id: int, reason: str = "abusive") -> panels.Opened:  # type: ignore[no-untyped-def]
    return file_and_draw(fed.system.uow(), FileReport(reporter, reason, comment_id=comment_id))


def decide(fed, report_id: int, panel: list[int], decision: str) -> None:  # type: ignore[no-untyped-def]
    """The panel votes, one after another, until a majority has the decision."""
    for member in panel:
        if panels.vote(fed.system.uow(), report_id, member, decision) is not None:
            return
    raise AssertionError("the panel never reached a majority")
