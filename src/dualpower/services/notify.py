"""Telling members: an in-app notification row each, written in the act's transaction, and an
event that the mailer (when SMTP is configured) turns into mail after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dualpower.domain.events import Notified
from dualpower.services import motion_titles
from dualpower.store.tables_recall import Notice
from dualpower.store.uow import UnitOfWork

KINDS = (
    "recall_opened",
    "recall_threshold",
    "recall_vote",
    "by_election",
    "recalled",
    "instruction_breach",
    "initiative",
    "comment_reply",
    "faction_statement",
    "report_panel",
    "report_referred",
    "report_decided",
    "election",
)


def notify(uow: UnitOfWork, member_ids: Iterable[int], kind: str, subject: str, link: str) -> None:
    assert kind in KINDS, kind
    ids = tuple(sorted(set(member_ids)))
    if not ids:
        return
    subject = subject[:300]
    at = uow.now()
    uow.notifications.add_many(
        [
            {"member_id": i, "kind": kind, "subject": subject, "link": link, "created_at": at}
            for i in ids
        ]
    )
    uow.emit(Notified(ids, kind, subject, link))


def notify_rolls(uow: UnitOfWork, notices: Sequence[Notice]) -> None:
    """As `notify`, for everyone on each notice's roll (a unit's members, a council's deputies),
    written straight from the roll: one statement for all the notices, no list of members read."""
    for notice in notices:
        assert notice.kind in KINDS, notice.kind
    told: dict[tuple[str, str, str], set[int]] = {}
    for member_id, kind, subject, link in uow.recall_paths.notify_rolls(notices, uow.now()):
        told.setdefault((kind, subject, link), set()).add(member_id)
    for notice in notices:
        key = (notice.kind, notice.subject[:300], notice.link)
        if key in told:
            uow.emit(Notified(tuple(sorted(told.pop(key))), *key))


def inbox(uow: UnitOfWork, member_id: int) -> list[dict[str, object]]:
    """A member's latest notifications, newest first. Reading changes nothing: `mark_read` does.
    `about`: the motion a notification quotes, when the product wrote its title, for a page to
    say it in the reader's language (motion_titles.about; the API gives the subject as stored)."""
    with uow:
        items = uow.notifications.of_member(member_id)
        about = {n.link: motion_titles.about(uow, n.link) for n in items}
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "subject": n.subject,
            "link": n.link,
            "created_at": n.created_at.isoformat(),
            "is_read": n.read_at is not None,
            "about": about[n.link],
        }
        for n in items
    ]


def mark_read(uow: UnitOfWork, member_id: int, up_to_id: int | None = None) -> int:
    """Mark the member's notifications read (up to `up_to_id`, the newest they were shown, when
    given); returns how many were unread. Only the member themself does this."""
    with uow:
        marked = uow.notifications.mark_read(member_id, uow.now(), up_to_id)
        uow.commit()
    return marked
