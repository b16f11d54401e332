"""Logs and metrics (issue 23): a request id on every request, JSON-lines access and error logs,
Prometheus metrics, and the health routes.

Every request gets an id (the client's `X-Request-ID` when it is short and plain, else a new
one), answered in the `X-Request-ID` header, in every API error body (`"request_id"`) and on
every error page, and written on every log line the request causes. `configure_logging` makes
the process log JSON lines on stderr at DUALPOWER_LOG_LEVEL (default INFO; DEBUG, WARNING,
ERROR); DUALPOWER_ACCESS_LOG=0 leaves the access lines out.

Metrics (`GET /metrics`, Prometheus text):
requests by route and status and their duration, ballots and signatures accepted (their rate
is Prometheus' `rate()`), the audit sealer's lag, database pool use, and each background
task's time since its last run (`System.background`). `/healthz` says the process answers;
`/readyz` (services/health.py) says whether it can serve: database, schema, sealer, tasks.

Who may read `/metrics` and `/readyz` (they tell load, lags and the schema): a client whose
address is in DUALPOWER_METRICS_FROM (comma-separated addresses or networks; default
`127.0.0.0/8,::1`, the machine itself), or one that sends `Authorization: Bearer TOKEN` with
TOKEN = DUALPOWER_METRICS_TOKEN (unset: no token works). Anyone else gets 403 with a sentence.
Behind a proxy in DUALPOWER_TRUSTED_PROXIES the address is the one the proxy forwards
(deploy/nginx sets it), so a visitor from outside is never taken for the machine itself.
`/healthz` stays open to all: it says only that the process answers.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualpower.bootstrap import System
from dualpower.services import health
from dualpower.web.i18n import N_

REQUEST_ID = "dualpower.request_id"  # scope key
_current: ContextVar[str | None] = ContextVar("dualpower_request_id", default=None)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("dualpower.access")


def request_id(scope: Scope) -> str | None:
    value = scope.get(REQUEST_ID)
    return value if isinstance(value, str) else None


# -- logs ----------------------------------------------------------------------------------------


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id, the fields given
    as `extra={"fields": {...}}`, and the traceback of an error as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or _current.get()
        if rid:
            line["request_id"] = rid
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_level() -> int:
    name = os.environ.get("DUALPOWER_LOG_LEVEL", "INFO").strip().upper() or "INFO"
    level = logging.getLevelName(name)
    if not isinstance(level, int):
        raise ValueError(f"DUALPOWER_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {name!r}")
    return level


def configure_logging() -> None:
    """JSON lines on stderr for the whole process (ours and uvicorn's error log)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    access = os.environ.get("DUALPOWER_ACCESS_LOG", "1").strip().lower()
    access_log.disabled = access in ("0", "no", "off", "false")


# -- metrics -------------------------------------------------------------------------------------

_WRITES = {  # route -> counter name: acts counted when accepted
    "/api/v1/elections/{election_id}/ballots": "ballots",
    "/elections/{election_id}/ballot": "ballots",
    "/api/v1/recalls/{petition_id}/signatures": "signatures",
    "/recalls/{petition_id}/sign": "signatures",
}


class Metrics:
    """The app's own registry (several apps in one process, as in the tests, never mix)."""

    def __init__(self, system: System) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dualpower_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "dualpower_http_request_duration_seconds",
            "Time to answer a request, by route template.",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.acts = Counter(
            "dualpower_acts_accepted",
            "Ballots and recall signatures accepted (rate() gives them per second).",
            ["kind"],
            registry=self.registry,
        )
        self.registry.register(_SystemCollector(system))

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.seconds.labels(route).observe(seconds)
        kind = _WRITES.get(route)
        if kind and method == "POST" and status < 400:
            self.acts.labels(kind).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _SystemCollector(Collector):
    """Read at each scrape: the sealer's lag, the pool's use, the background tasks' ages."""

    def __init__(self, system: System) -> None:
        self.system = system

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = health.pool_use(self.system.engine)
        in_use = GaugeMetricFamily(
            "dualpower_db_pool_connections", "Database connections by state.", labels=["state"]
        )
        for state, count in pool.items():
            in_use.add_metric([state], count)
        yield in_use
        lag = health.sealer_lag(self.system.engine)
        if lag is not None:
            yield GaugeMetricFamily(
                "dualpower_audit_sealer_lag_seconds",
                "Age of the oldest audit entry not yet sealed (0 when none waits).",
                value=lag,
            )
        ages = GaugeMetricFamily(
            "dualpower_background_task_age_seconds",
            "Seconds since each background task (the clock, ...) last ran.",
            labels=["task"],
        )
        for task, age in health.background_ages(self.system).items():
            ages.add_metric([task], age)
        yield ages


# -- the middleware ------------------------------------------------------------------------------


def route_of(scope: Scope) -> str:
    """The matched route's template (a bounded set of label values), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope.get("path", "").startswith("/static/"):
        return "/static"
    return "unmatched"


class ObservedMiddleware:
    """Outermost: gives each request its id, counts it and writes its access line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _client_id(scope) or secrets.token_hex(8)
        scope[REQUEST_ID] = rid
        token = _current.set(rid)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if all(name.lower() != b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            self.metrics.observe(route, scope["method"], status, seconds)
            _access(scope, route, status, seconds, rid)
            _current.reset(token)


def _client_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _CLIENT_ID.match(text) else None
    return None


def _access(scope: Scope, route: str, status: int, seconds: float, rid: str) -> None:
    if access_log.disabled or not access_log.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    access_log.info(
        "%s %s %d",
        scope["method"],
        scope["path"],
        status,
        extra={
            "request_id": rid,
            "fields": {
                "method": scope["method"],
                "path": scope["path"],
                "route": route,
                "status": status,
                "ms": round(seconds * 1000, 2),
                "client": client[0] if client else None,
            },
        },
    )


# -- routes --------------------------------------------------------------------------------------

routes = APIRouter(include_in_schema=False)


@routes.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers (touches nothing)."""
    return {"status": "alive"}


METRICS_FROM = "DUALPOWER_METRICS_FROM"
METRICS_TOKEN = "DUALPOWER_METRICS_TOKEN"
DEFAULT_METRICS_FROM = "127.0.0.0/8,::1"
NOT_FOR_YOU = N_(
    "/metrics and /readyz answer only the addresses in DUALPOWER_METRICS_FROM "
    "or a request bearing DUALPOWER_METRICS_TOKEN"
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def watchers() -> list[Network]:
    """The networks of DUALPOWER_METRICS_FROM; ValueError naming a bad entry."""
    raw = os.environ.get(METRICS_FROM, "").strip() or DEFAULT_METRICS_FROM
    nets = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"{METRICS_FROM} must list addresses or networks, not {part!r}"
            ) from None
    return nets


def may_watch(request: Request) -> bool:
    """The client is in DUALPOWER_METRICS_FROM or bears DUALPOWER_METRICS_TOKEN."""
    token = os.environ.get(METRICS_TOKEN, "").strip()
    sent = request.headers.get("authorization", "")
    if token and sent.startswith("Bearer "):
        if hmac.compare_digest(sent.removeprefix("Bearer ").strip().encode(), token.encode()):
            return True
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in net for net in watchers())


def _watcher_only(request: Request) -> None:
    if not may_watch(request):
        raise HTTPException(403, NOT_FOR_YOU)


@routes.get("/readyz")
def readyz(request: Request) -> Response:
    """Whether this process can serve: 200 when every check holds, else 503; each check says.
    Only for DUALPOWER_METRICS_FROM or DUALPOWER_METRICS_TOKEN (403 otherwise)."""
    _watcher_only(request)
    report = health.readiness(request.app.state.system)
    return JSONResponse(report, status_code=200 if report["ready"] else 503)


@routes.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text; only for DUALPOWER_METRICS_FROM or DUALPOWER_METRICS_TOKEN."""
    _watcher_only(request)
    body = request.app.state.metrics.exposition()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
