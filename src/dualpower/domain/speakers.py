"""The speakers' list of a session, and its stewards (DESIGN.md 2.4a; issues 5 and 8).

- A deputy present at an open session asks for the floor on an item of its agenda (by default
  the current item: the first one not yet decided). The list of an item is ordered by the time
  of the request; a deputy is on it at most once at a time (a constraint of the database).
- The keeper of order gives the floor to the next on the list (ending the speech before it),
  ends a speech, and sets a time limit per speech for the session. A speech longer than the
  limit in force when it began is marked as overrun.
- The keepers of order are the session's stewards: elected by the council for that session
  only, recallable like every official. Until the council has elected them (or when none holds
  a post any more) the holders of `convene_session` of the council (its chair) keep the list.
  A steward's capability is only this, and only for their session: it ends with the session.
- A speaker may withdraw while waiting. When the session closes, whatever is still on the list
  lapses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from dualpower.domain.errors import InvalidRequest

WAITING, SPEAKING, SPOKEN, WITHDRAWN, LAPSED = (
    "waiting",
    "speaking",
    "spoken",
    "withdrawn",
    "lapsed",
)
STATUSES = (WAITING, SPEAKING, SPOKEN, WITHDRAWN, LAPSED)
MIN_LIMIT, MAX_LIMIT = 10, 3600  # seconds per speech
MAX_STEWARD_POSTS = 5  # steward posts of one session


@dataclass
class Speech:
    """One entry of a session's speakers' list: a request for the floor and what became of it."""

    id: int
    session_id: int
    motion_id: int
    member_id: int
    requested_at: datetime
    status: str = WAITING
    floor_at: datetime | None = None
    ended_at: datetime | None = None
    limit_seconds: int | None = None
    is_overrun: bool = False

    def used_seconds(self, now: datetime) -> int | None:
        """Seconds spoken so far (or in all, once ended); None before the floor is given."""
        if self.floor_at is None:
            return None
        until = self.ended_at or now
        return max(0, int((until - self.floor_at).total_seconds()))

    def remaining_seconds(self, now: datetime) -> int | None:
        """Seconds left under the limit (negative once overrun); None without a limit."""
        used = self.used_seconds(now)
        if used is None or self.limit_seconds is None:
            return None
        return self.limit_seconds - used

    def overruns(self, now: datetime) -> bool:
        remaining = self.remaining_seconds(now)
        return remaining is not None and remaining < 0


def check_limit(seconds: int | None) -> int | None:
    """A time limit per speech: None (or 0) for none, else MIN_LIMIT..MAX_LIMIT seconds."""
    if not seconds:
        return None
    if not MIN_LIMIT <= seconds <= MAX_LIMIT:
        raise InvalidRequest(
            f"a time limit per speech is between {MIN_LIMIT} and {MAX_LIMIT} seconds (0: none)"
        )
    return seconds


def check_posts(posts: int, existing: int) -> None:
    if posts < 1 or existing + posts > MAX_STEWARD_POSTS:
        raise InvalidRequest(
            f"a session has 1 to {MAX_STEWARD_POSTS} steward posts; it has {existing} already"
        )


def current_item(agenda: list[tuple[int, bool]]) -> int | None:
    """The item under discussion: the first agenda motion (id, is decided) not yet decided."""
    return next((motion_id for motion_id, decided in agenda if not decided), None)


def steward_post_name(session_id: int, number: int) -> str:
    return f"steward {number} of session {session_id}"


_STEWARD_POST = re.compile(r"steward (\d+) of session (\d+)")


def steward_post_of(name: str) -> tuple[int, int] | None:
    """The (session id, number) of a steward's post by its name (`steward_post_name`), so a page
    can say it in its reader's language; None for any other office's name."""
    found = _STEWARD_POST.fullmatch(name)
    return (int(found.group(2)), int(found.group(1))) if found else None
