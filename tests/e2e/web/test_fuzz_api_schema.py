"""API fuzzing (issue 7 item 10): schemathesis generates requests for every operation of
/api/openapi.json and sends them to the app in-process, authenticated as a member (a deputy's
bearer token), on both databases. Every answer must be free of server errors (5xx) and within the
documented schema: a documented status code, content type, headers and body.

The event streams (text/event-stream) are left out: they stay open while their subject is
undecided, by design. Examples per operation are bounded (FUZZ_EXAMPLES, default 8) so both
databases take well under two minutes; set DUALPOWER_FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from fastapi.testclient import TestClient
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

import recall_web_support as support

from dualpower.web.app import create_app

FUZZ_EXAMPLES = int(os.environ.get("DUALPOWER_FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


LIMITS = ["API_WRITES", "BALLOTS", "PETITIONS", "POSTS", "SIGNATURES", "LOGIN_FAILURES"]


@pytest.fixture
def app(system, federation, monkeypatch):  # type: ignore[no-untyped-def]
    for name in LIMITS:  # fuzz every operation, not the rate limits (tested on their own)
        monkeypatch.setenv(f"DUALPOWER_LIMIT_{name}", "0")
    application = create_app(system)
    with TestClient(application):  # runs the app's startup
        yield application


def _operations(app) -> Iterator:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/events"):
            continue
        yield operation


@pytest.mark.slow
def test_every_api_operation_answers_within_its_schema(app, system, federation) -> None:  # type: ignore[no-untyped-def]
    headers = support.bearer(system, federation.members["forge1"])
    failures: list[str] = []
    operations = list(_operations(app))
    assert len(operations) > 40, "the schema lists the API's operations"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # collected, reported together below
            lines = [x for x in str(error).splitlines() if x.strip()][:14]
            failures.append(f"{operation.method.upper()} {operation.path}:\n" + "\n".join(lines))
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
