"""Discussion in the open and order kept by the members themselves (DESIGN.md 2.4a, 2.7a).

- Comments on motions, initiatives, directives and recall petitions are signed by their member;
  a comment may also be a faction's official statement, which only a member holding an active
  mandate for that faction (one of its deputies) may sign. Platforms are published the same way.
  Editing keeps every earlier text.
- Nobody moderates. A report goes to a panel of members drawn by lot (domain/lot.py) from the
  unit or council concerned, leaving out the parties (the reporter and the reported member).
  The panel decides by a majority of its size: hide the text, suspend posting for a time, refer
  to the credentials committee, or dismiss. A panel that has not decided by its deadline is
  replaced by a new draw. Hiding and suspending happen only through such a decision.
- A suspension limits speech (posting, editing, statements, platforms), never the franchise:
  a suspended member still votes, signs, opens and faces recalls, and may sit on a panel.
- Rate limits keep one member from flooding a thread or the panels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from dualpower.domain.limits import RateLimited

SUBJECT_KINDS = ("motion", "initiative", "directive", "recall")
REPORT_KINDS = ("comment", "roll", "session")
DECISIONS = ("hide", "suspend", "refer", "dismiss")

PANEL_SIZE = 5
PANEL_TIME = timedelta(days=3)
SUSPENSION = timedelta(days=7)
MAX_TEXT = 10_000
MAX_REASON = 2_000

# (how many, within what window)
POST_LIMIT = (10, timedelta(minutes=10))
REPORT_LIMIT = (5, timedelta(days=1))


def check_rate(what: str, recent: int, limit: tuple[int, timedelta]) -> None:
    """Refuse when `recent` acts in the window already reach the limit."""
    most, window = limit
    if recent >= most:
        minutes = max(1, int(window.total_seconds() // 60))
        span = f"{minutes} minutes" if minutes < 120 else f"{minutes // 60} hours"
        raise RateLimited(
            f"you may {what} at most {most} times in {span}; please wait and try again",
            int(window.total_seconds()),
        )


def majority(size: int) -> int:
    """Votes a decision needs: more than half of the panel's seats (not of votes cast)."""
    return size // 2 + 1


def decided(votes: Iterable[str], size: int) -> str | None:
    """The decision that has a majority of the panel, or None yet."""
    counts = Counter(votes)
    for decision in DECISIONS:
        if counts[decision] >= majority(size):
            return decision
    return None


def applicable(decision: str, report_kind: str, has_reported_member: bool) -> str | None:
    """Why a decision cannot apply to this report, or None when it can."""
    if decision not in DECISIONS:
        return f"a decision is one of {', '.join(DECISIONS)}"
    if decision == "hide" and report_kind != "comment":
        return "only a reported text can be hidden"
    if decision == "suspend" and not has_reported_member:
        return "a suspension needs a reported member"
    return None


@dataclass(frozen=True)
class CommentPosted:
    """A comment was posted (for live pages)."""

    comment_id: int
    subject_kind: str
    subject_id: int


@dataclass(frozen=True)
class ReportDecided:
    report_id: int
    decision: str
