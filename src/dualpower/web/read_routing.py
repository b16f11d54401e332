"""Which database a request reads (issue 24; store/replicas.py does the routing).

A plain ASGI middleware, active only when the system has replicas. A GET, HEAD or OPTIONS may
read on a replica, unless the caller wrote a moment ago and no replica has replayed that write
yet: the caller is known by the digests of its bearer token and session cookie (a record in this
process) and by the signed cookie `dp_read_after` (any process with the same
DUALPOWER_SECRET_KEY; also for a browser that has just logged in). Any other method reads on
the primary; when it succeeds (status below 400), the WAL position of this process's last commit
is recorded for its tokens and set in that cookie.
"""

from __future__ import annotations

import hashlib
import time

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualpower.bootstrap import ROUTE, ReadReplicas, Route

COOKIE = "dp_read_after"
SESSION_COOKIE = "dp_session"  # web/deps.py's (not imported: deps imports the whole web layer)
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_keys(conn: HTTPConnection) -> tuple[str, ...]:
    bearer = conn.headers.get("authorization", "")
    token = bearer[7:].strip() if bearer[:7].lower() == "bearer " else ""
    cookie = conn.cookies.get(SESSION_COOKIE, "")
    return tuple(_digest(x) for x in (token, cookie) if x)


class ReadRoutingMiddleware:
    def __init__(self, app: ASGIApp, replicas: ReadReplicas | None) -> None:
        self.app = app
        self.replicas = replicas

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        replicas = self.replicas
        if replicas is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        keys = request_keys(conn)
        if scope["method"] in READS:
            cookie = conn.cookies.get(COOKIE, "")
            route = Route(
                True, keys, replicas.from_cookie(cookie) if cookie else 0, replicas=replicas
            )
            reset = ROUTE.set(route)
            try:
                await self.app(scope, receive, send)
            finally:
                ROUTE.reset(reset)
            return

        async def send_recorded(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                lsn = replicas.written
                if lsn:
                    until = replicas.record(keys, lsn)
                    value = replicas.cookie(lsn, until)
                    age = max(int(until - time.time()), 1)
                    header = f"{COOKIE}={value}; Max-Age={age}; Path=/; HttpOnly; SameSite=Lax"
                    headers = [*message.get("headers", []), (b"set-cookie", header.encode())]
                    message = {**message, "headers": headers}
            await send(message)

        reset = ROUTE.set(Route(False, keys))
        try:
            await self.app(scope, receive, send_recorded)
        finally:
            ROUTE.reset(reset)
