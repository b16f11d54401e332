"""In Chromium, on the Petrograd demo: the offices page as an official sees it (the forms of the
acts of their office: a stipend motion, an office election, a recall, a resignation) passes
axe-core with no serious or critical violation, on a phone and on a desktop, without scrolling
sideways; and a stipend motion is put by keyboard alone, without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import ui_demo_support as ui
from recall_web_support import serve

from dualpower.domain import capabilities as caps
from dualpower.scenarios.petrograd import PETROGRAD
from dualpower.services.authority import capabilities_of
from dualpower.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
demo = ui.demo  # fixture


@pytest.fixture(scope="module")
def live_url(demo: ui.Demo) -> Iterator[str]:
    yield from serve(create_app(demo.system))


def _official(demo: ui.Demo) -> tuple[int, int]:
    """The Petrograd Soviet and a deputy of it who runs its elections."""
    with demo.system.uow() as uow:
        council = next(c.id for c in uow.councils.list() if c.name == PETROGRAD)
        deputies = sorted(md.holder_id for md in uow.mandates.active_in_council(council))
        official = next(
            d for d in deputies if caps.RUN_ELECTION in capabilities_of(uow, d, council)
        )
    return council, official


@pytest.mark.parametrize("width", [390, 1280])
def test_the_officials_forms_pass_axe(page, context, live_url, demo: ui.Demo, width: int) -> None:  # type: ignore[no-untyped-def]
    council, official = _official(demo)
    ui.log_in(context, live_url, demo.system, official)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_url}/councils/{council}/offices")
    assert page.locator("form[action$='/stipend-motions']").count() == 1
    assert page.locator("form[action$='/office-elections']").count() == 1
    found = ui.serious_violations(page)
    if page.evaluate("document.documentElement.scrollWidth") > width:
        found.append(f"wider than the screen ({width} px)")
    assert not found, "\n".join(found)


def test_a_stipend_motion_by_keyboard_without_javascript(browser, live_url, demo: ui.Demo) -> None:  # type: ignore[no-untyped-def]
    council, official = _official(demo)
    context = browser.new_context(java_script_enabled=False)
    try:
        ui.log_in(context, live_url, demo.system, official)
        page = context.new_page()
        page.goto(f"{live_url}/councils/{council}/offices")
        page.get_by_label("Monthly stipend").fill("100")
        page.get_by_label("Monthly stipend").press("Enter")
        page.wait_for_url("**/offices?done=stipend*")
        assert page.get_by_role("status").is_visible()
        page.get_by_role("link", name="See the motion").click()
        assert "Set the stipend" in page.content()
    finally:
        context.close()
