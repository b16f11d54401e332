"""Issue 25, defects 11 and 12: every API operation has a written summary (none generated from
the function's name, such as "Api Cast"; no two alike), and /api/docs is an interactive page
whose every script and stylesheet is served by this server (no CDN)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.bootstrap import build
from dualpower.web.api_docs import api_routes
from dualpower.web.app import API_PREFIX as API
from dualpower.web.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    system = build(f"sqlite:///{tmp_path_factory.mktemp('docs') / 'docs.db'}")
    with TestClient(create_app(system)) as c:
        yield c
    system.engine.dispose()


def _generated(name: str) -> str:
    """FastAPI's summary for a route that gives none: its function's name, title-cased."""
    return name.replace("_", " ").title()


def test_every_operation_has_a_written_summary(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    names = {
        (method, API + route.path.removeprefix(API)): route.endpoint.__name__
        for route in api_routes(client.app.router.routes)  # type: ignore[attr-defined]
        for method in route.methods
    }
    seen: dict[str, str] = {}
    bad = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            summary = operation.get("summary", "")
            generated = _generated(names[(method.upper(), path)])
            if not summary or summary == generated or re.match(r"Api [A-Z]", summary):
                bad.append(f"{method.upper()} {path}: {summary!r}")
            assert summary not in seen, f"{path} and {seen.get(summary)} share {summary!r}"
            seen[summary] = path
    assert len(seen) > 80
    assert not bad, bad


def test_api_docs_page_is_served_from_local_assets(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert (
        "http://" not in page.text
        and "https://" not in page.text
        and "//" not in re.sub(r"<!doctype[^>]*>", "", page.text).replace("://", "")
    )
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assets = [u for u in urls if u.endswith((".js", ".css", ".svg"))]
    assert any(u.endswith("swagger-ui-bundle.js") for u in assets)
    assert any(u.endswith("swagger-ui.css") for u in assets)
    for url in assets:
        assert url.startswith("/"), url
        got = client.get(url)
        assert got.status_code == 200 and len(got.content) > 100, url
    assert "/api/openapi.json" in page.text


def test_pages_link_the_api_docs(client: TestClient) -> None:
    assert 'href="/api/docs"' in client.get("/").text
    assert client.get("/static/favicon.svg").status_code == 200
    assert 'rel="icon"' in client.get("/").text


def test_no_readme_link_leaves_the_repository() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert "../shared" not in readme
