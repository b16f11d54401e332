"""In Chromium: every page of the Petrograd demo passes axe-core with no serious or critical
violation, on a phone and on a desktop; the ballot (ranked and yes/no), the petition and the
tour work by keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import ui_demo_support as ui
from recall_web_support import serve

from dualpower.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
demo = ui.demo  # fixture


@pytest.fixture(scope="module")
def live_url(demo: ui.Demo) -> Iterator[str]:
    yield from serve(create_app(demo.system))


ANONYMOUS = ("home", "login", "tour", "alignment", "directives", "recalls")


def _check(page, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = page.goto(url)
    if response is None or response.status != 200:
        return [f"HTTP {response.status if response else 'no response'}"]
    return ui.serious_violations(page)


@pytest.mark.parametrize("width", [390, 1280])
def test_every_page_passes_axe(page, context, live_url, demo: ui.Demo, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    found: dict[str, list[str]] = {}
    for name in ANONYMOUS:  # as a visitor who has not logged in
        found[f"{name} (anonymous)"] = _check(page, live_url + demo.pages[name])
    for voter, names in (
        (demo.ranked_voter, [n for n in demo.pages if n != "election recall vote"]),
        (demo.recall_voter, ["election recall vote"]),
    ):
        context.clear_cookies()
        ui.log_in(context, live_url, demo.system, voter)
        for name in names:
            if name == "login":
                continue
            found[name] = _check(page, live_url + demo.pages[name])
    bad = {name: v for name, v in found.items() if v}
    assert not bad, "\n".join(f"{name}: {line}" for name, v in bad.items() for line in v)
