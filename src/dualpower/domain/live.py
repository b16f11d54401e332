"""Which live pages an event concerns (DESIGN.md 4: live updates by server-sent events).

A live page watches a topic: ("recall", petition id), ("election", election id), ("council",
council id) or ("comments:<subject kind>", subject id). An event published after commit wakes
the topics it names here, in the process that committed (web/live.py) and, through the change
feed, in every other serving process (store/change_feed.py). One place, so that both agree."""

from __future__ import annotations

from dualpower.domain.discussion import CommentPosted
from dualpower.domain.events import (
    BallotCast,
    CompositionChanged,
    DeputyRecalled,
    PetitionChanged,
)

Topic = tuple[str, int]
# A topic, or (kind, None): every topic of that kind (the event does not say which one).
Wake = tuple[str, int | None]


def topics(event: object) -> list[Wake]:
    """The topics whose streams should read again after this event's commit."""
    if isinstance(event, PetitionChanged):
        return [("recall", event.petition_id)]
    if isinstance(event, BallotCast):
        return [("election", event.election_id)]
    if isinstance(event, CompositionChanged):
        return [("council", event.council_id)]
    if isinstance(event, DeputyRecalled):
        return [("council", None)]  # its council is not in the event: each watcher re-reads
    if isinstance(event, CommentPosted):
        return [(f"comments:{event.subject_kind}", event.subject_id)]
    return []
