"""Rate limits: how many times one subject may do one thing within a sliding window.

Plain rules, no storage: the service layer (services/limits.py) keeps the times of past hits in
the database and asks `wait` whether one more is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dualpower.domain.errors import DomainError


class RateLimited(DomainError):
    """Too many attempts in too short a time (HTTP 429 with Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window` for one subject; `count` 0 means no limit."""

    name: str
    count: int
    window: timedelta
    what: str  # "failed logins for this account", "ballots cast" ...

    @property
    def disabled(self) -> bool:
        return self.count <= 0


def wait(limit: Limit, hits: Sequence[datetime], now: datetime) -> int | None:
    """Seconds to wait before one more hit is allowed, or None when it is allowed now.

    `hits` are the times of earlier hits (any order, older ones are ignored).
    """
    if limit.disabled:
        return None
    recent = sorted(at for at in hits if at > now - limit.window)
    if len(recent) < limit.count:
        return None
    # The hit that must leave the window before one more fits.
    frees_at = recent[len(recent) - limit.count] + limit.window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"


def _delay(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def refusal(limit: Limit, retry_after: int) -> RateLimited:
    """The clear error for a refused hit."""
    return RateLimited(
        f"too many {limit.what}: at most {limit.count} per {_span(limit.window)}; "
        f"try again in {_delay(retry_after)}",
        retry_after,
    )
