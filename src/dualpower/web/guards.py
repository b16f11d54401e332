"""Limits a request meets before any route sees it (issue 23).

A request body may be at most DUALPOWER_MAX_BODY_BYTES (default 1 MiB; the largest honest body,
a long motion's text or a ranking of every candidate, is a few kilobytes). A declared
Content-Length above it is answered 413 before a byte of the body is read; a body sent in chunks
is counted as it arrives and refused once past the limit, so an oversized body never sits in
memory whole.
"""

from __future__ import annotations

import os

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ID = 2**63 - 1  # the largest id a 64-bit integer column holds: beyond it no row exists
TOO_LARGE_AN_ID = "there is no election with an id that large"
MAX_BODY_BYTES = "DUALPOWER_MAX_BODY_BYTES"
DEFAULT_MAX_BODY = 1 << 20


def max_body_bytes() -> int:
    raw = os.environ.get(MAX_BODY_BYTES, "").strip()
    if not raw:
        return DEFAULT_MAX_BODY
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{MAX_BODY_BYTES} must be a number of bytes, not {raw!r}") from None
    if value < 1024:
        raise ValueError(f"{MAX_BODY_BYTES} must be at least 1024 bytes, not {value}")
    return value


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is larger than the {limit:,} bytes allowed")


class BodyLimitMiddleware:
    """Refuses bodies above the limit with 413 and a sentence (answered by web/errors.py)."""

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        self.app = app
        self.limit = max_body_bytes() if limit is None else limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
