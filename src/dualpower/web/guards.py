"""Limits a request meets before any route sees it (issue 23).

A request body may be at most DUALPOWER_MAX_BODY_BYTES (default 1 MiB; the largest honest body,
a long motion's text or a ranking of every candidate, is a few kilobytes). A declared
Content-Length above it is answered 413 before a byte of the body is read; a body sent in chunks
is counted as it arrives and refused once past the limit, so an oversized body never sits in
memory whole.

Password checks (argon2) are paced by `PasswordGate`: one at a time in a process and, past a
burst, DUALPOWER_PASSWORD_CHECK_SHARE of its time; the others wait without a thread, up to
DUALPOWER_PASSWORD_CHECK_WAIT seconds, then 429.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualpower.web.middleware import HttpMiddleware

T = TypeVar("T")
MAX_ID = 2**63 - 1  # the largest id a 64-bit integer column holds: beyond it no row exists
TOO_LARGE_AN_ID = "there is no election with an id that large"
MAX_BODY_BYTES = "DUALPOWER_MAX_BODY_BYTES"
DEFAULT_MAX_BODY = 1 << 20


def _setting(name: str, parse: Callable[[str], T], what: str) -> tuple[T, str] | None:
    """The environment's setting `name`, parsed, with its text; None when it is not set."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse(raw), raw
    except ValueError:
        raise ValueError(f"{name} must be {what}, not {raw!r}") from None


def max_body_bytes() -> int:
    found = _setting(MAX_BODY_BYTES, int, "a number of bytes")
    if found is None:
        return DEFAULT_MAX_BODY
    value = found[0]
    if value < 1024:
        raise ValueError(f"{MAX_BODY_BYTES} must be at least 1024 bytes, not {value}")
    return value


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is larger than the {limit:,} bytes allowed")


class BodyLimitMiddleware(HttpMiddleware):
    """Refuses bodies above the limit with 413 and a sentence (answered by web/errors.py)."""

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        super().__init__(app)
        self.limit = max_body_bytes() if limit is None else limit

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self.app(scope, _refused(self.limit), send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise too_large(self.limit)
            return message

        await self.app(scope, counted, send)


def _refused(limit: int) -> Receive:
    async def receive() -> Message:
        raise too_large(limit)

    return receive


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


# -- password checks -----------------------------------------------------------------------------

PASSWORD_SHARE = "DUALPOWER_PASSWORD_CHECK_SHARE"
PASSWORD_WAIT = "DUALPOWER_PASSWORD_CHECK_WAIT"
DEFAULT_PASSWORD_SHARE = 0.1
DEFAULT_PASSWORD_WAIT = 10.0
PASSWORD_BURST = 1.0  # seconds of password checks allowed at once before the share applies
# The requests that check or hash a password with argon2 (tens of milliseconds of several cores).
PASSWORD_ROUTES = frozenset(
    {
        "/api/v1/auth/login",
        "/api/v1/auth/join",
        "/api/v1/auth/password",
        "/login",
        "/join",
        "/me/password",
    }
)
TOO_MANY_LOGINS = (
    "too many logins at once: the server checks passwords one at a time; try again in a few seconds"
)


def _number(name: str, default: float, low: float, high: float) -> float:
    found = _setting(name, float, "a number")
    if found is None:
        return default
    value, raw = found
    if not low < value <= high:
        raise ValueError(f"{name} must be above {low:g} and at most {high:g}, not {raw}")
    return value


def password_share() -> float:
    return _number(PASSWORD_SHARE, DEFAULT_PASSWORD_SHARE, 0.0, 1.0)


def password_wait() -> float:
    return _number(PASSWORD_WAIT, DEFAULT_PASSWORD_WAIT, 0.0, 600.0)


class PasswordGate:
    """Password checks take a bounded share of the process, so a flood of logins (right or
    wrong, known usernames or not) cannot starve ballots and pages.

    A request to a PASSWORD_ROUTES path (POST) waits, without holding a thread or a database
    connection, until no other is being answered by this process, and until its budget allows:
    the time spent answering them may burst to PASSWORD_BURST seconds (about 7 logins at
    once), then refills at DUALPOWER_PASSWORD_CHECK_SHARE of a second a second (default 0.1:
    under a flood a check of 0.12 s is followed by about 1.1 s without one; argon2 works on up
    to 4 cores meanwhile). A request that cannot start within DUALPOWER_PASSWORD_CHECK_WAIT
    seconds (default 10) is answered 429 with a sentence and Retry-After, its password
    unchecked, when that time is up (not sooner: a client that tries again at once finds the
    same queue, so answering early would only make a flood cost more requests). Under a
    flood, logins wait or are refused while every other request is served as before."""

    def __init__(self, app: ASGIApp, share: float | None = None, wait: float | None = None) -> None:
        self.app = app
        self.share = password_share() if share is None else share
        self.wait = password_wait() if wait is None else wait
        self.body_limit = max_body_bytes()
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._budget, self._at = PASSWORD_BURST, time.monotonic()

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            for old in [other for other in self._locks if other.is_closed()]:
                del self._locks[old]
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def _refill(self) -> float:
        """Seconds until the budget allows a check (0 when it does now)."""
        now = time.monotonic()
        self._budget = min(PASSWORD_BURST, self._budget + (now - self._at) * self.share)
        self._at = now
        return 0.0 if self._budget > 0 else -self._budget / self.share + 0.001

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in PASSWORD_ROUTES
            or (_content_length(scope) or 0) > self.body_limit  # 413 at once, never queued
        ):
            await self.app(scope, receive, send)
            return
        lock = self._lock()
        deadline = time.monotonic() + self.wait
        try:
            await asyncio.wait_for(lock.acquire(), timeout=self.wait)
        except TimeoutError:
            await self.app(scope, _busy(self.wait), send)
            return
        try:
            pause = self._refill()
            in_time = pause <= deadline - time.monotonic()
            if in_time:
                if pause > 0:
                    await asyncio.sleep(pause)
                    self._refill()
                started = time.monotonic()
                try:
                    await self.app(scope, receive, send)
                finally:
                    self._refill()
                    self._budget -= time.monotonic() - started
        finally:
            lock.release()
        if not in_time:  # its turn cannot come in time: answered when its wait is up
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
            await self.app(scope, _busy(self.wait), send)


def _busy(wait: float) -> Receive:
    """The route reads the body first: it gets 429 (answered by web/errors.py)."""

    async def receive() -> Message:
        raise HTTPException(429, TOO_MANY_LOGINS, {"Retry-After": str(max(1, round(wait)))})

    return receive
