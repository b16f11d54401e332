"""In Chromium: every page of the Petrograd demo passes axe-core with no serious or critical
violation, on a phone and on a desktop; the ballot (ranked and yes/no), the petition and the
tour work by keyboard alone."""

from __future__ import annotations

import re
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


ANONYMOUS = ("home", "login", "tour", "alignment", "council alignment", "directives", "recalls")


def _check(page, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = page.goto(url)
    if response is None or response.status != 200:
        return [f"HTTP {response.status if response else 'no response'}"]
    found = ui.serious_violations(page)
    width = page.viewport_size["width"]
    if page.evaluate("document.documentElement.scrollWidth") > width:
        found.append(f"wider than the screen ({width} px): scrolls sideways")
    return found


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


def _tab_to(page, target, limit: int = 120) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until `target` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_ballots_petition_and_tour_by_keyboard_alone(
    page, context, live_url, demo: ui.Demo
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ranked_voter, recall_voter = demo.keyboard_voters
    # A ranked ballot: a rank for two candidates (arrow keys on a focused list), then Enter.
    ui.log_in(context, live_url, demo.system, ranked_voter)
    page.goto(live_url + demo.pages["election ranked ballot"])
    ranks = page.locator("select[id^=rank-]")
    _tab_to(page, ranks.nth(0))
    page.keyboard.press("ArrowDown")
    expect(ranks.nth(0)).to_have_value("1")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(ranks.nth(1)).to_have_value("2")
    _tab_to(page, page.get_by_role("button", name="Cast my ballot"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your ballot was counted.")).to_be_visible()

    # A yes/no recall vote: Space picks the choice, Enter casts it.
    context.clear_cookies()
    ui.log_in(context, live_url, demo.system, recall_voter)
    page.goto(live_url + demo.pages["election recall vote"])
    yes = page.get_by_role("radio", name=re.compile(r"^Yes: recall"))
    _tab_to(page, yes)
    page.keyboard.press("Space")
    expect(yes).to_be_checked()
    _tab_to(page, page.get_by_role("button", name="Cast my ballot"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your ballot was counted.")).to_be_visible()

    # A petition: sign with Enter, withdraw with Space.
    context.clear_cookies()
    ui.log_in(context, live_url, demo.system, demo.petition_voter)
    page.goto(live_url + demo.pages["petition"])
    count = page.locator('[data-field="signatures"]')
    before = int(count.inner_text())
    _tab_to(page, page.get_by_role("button", name=re.compile(r"^Sign: recall")))
    page.keyboard.press("Enter")
    expect(page.get_by_text("You have signed this petition.")).to_be_visible()
    expect(count).to_have_text(str(before + 1))
    _tab_to(page, page.get_by_role("button", name="Withdraw my signature"))
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name=re.compile(r"^Sign: recall"))).to_be_visible()
    expect(count).to_have_text(str(before))

    # The tour: a stop from its list, then on from that stop to the real page.
    page.goto(live_url + "/tour")
    _tab_to(page, page.get_by_role("link", name="A council and its hemicycle", exact=True))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tour#council$"))
    # The focus starts again from the stop: the next Tab lands inside it.
    page.keyboard.press("Tab")
    stop = page.evaluate("document.activeElement.closest('section.stop')?.querySelector('h2').id")
    assert stop == "council"
    _tab_to(page, page.get_by_role("link", name=re.compile(r"^Open ")), limit=10)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/councils/\d+$"))
    page.goto("about:blank")
