"""The routes are built once a process and shared by every app (web/routes/__init__.py): a new
app's first request does not build every route's dependencies and models again."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from dualpower.bootstrap import build
from dualpower.web import routes
from dualpower.web.app import create_app


def _api_routes(app: object) -> list[APIRoute]:
    return [r for r in app.routes if isinstance(r, APIRoute)]  # type: ignore[attr-defined]


def test_two_apps_serve_the_topics_route_objects_themselves(tmp_path: Path) -> None:
    written = [
        route
        for topic in routes.topics()
        for name in ("api", "pages")
        for route in getattr(getattr(topic, name, None), "routes", [])
    ]
    assert len(written) > 100
    first = build(f"sqlite:///{tmp_path / 'a.db'}")
    second = build(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        for app in (create_app(first), create_app(second)):
            served = {id(route) for route in app.routes}
            assert [r.path for r in written if id(r) not in served] == []
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_every_documented_operation_is_under_the_api_prefix(tmp_path: Path) -> None:
    system = build(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        app = create_app(system)
        documented = [r for r in _api_routes(app) if r.include_in_schema]
        assert documented
        assert all(r.path.startswith(routes.API_PREFIX + "/") for r in documented)
        assert set(app.openapi()["paths"]) == {r.path for r in documented}
    finally:
        system.engine.dispose()
