"""In Chromium, over the Petrograd demo, in Russian (issue 6, Languages): a browser set to Russian
gets the pages in Russian; a newcomer walks the guided tour in Russian, with 1917 dates in both
styles as Russian historians write them, switches to English by keyboard alone with the link in
the header (no script involved) and walks it in English; every page of the demo passes axe-core
in Russian with no serious or critical violation."""

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


@pytest.fixture
def russian(browser):  # type: ignore[no-untyped-def]
    """A page in a browser whose language is Russian (Accept-Language: ru-RU)."""
    ctx = browser.new_context(locale="ru-RU", java_script_enabled=True)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    try:
        yield page
    finally:
        ctx.close()


def _tab_to(page, target, limit: int = 60) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_the_tour_in_russian_then_in_english(russian, live_url) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = russian
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(live_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_role("navigation", name="Главное меню").get_by_role(
        "link", name="Экскурсия", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Экскурсия")
    stops = page.locator("section.stop h2")
    expect(stops).to_have_count(7)
    expect(stops.nth(0)).to_have_text("1. Дерево советов")
    register = page.locator("section.stop").filter(has=page.locator("h2#register"))
    expect(register).to_contain_text("1 (14) марта 1917 г.")  # Order No. 1, Old Style first
    answers = register.locator("ul.answers li")
    expect(answers.nth(0)).to_contain_text("не обязательно")
    expect(answers.nth(0)).to_contain_text("отменил его")
    expect(answers.nth(1)).to_contain_text("обязательно")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not ui.serious_violations(page)
    page.get_by_role("link", name=re.compile(r"^Открыть: Petrograd Soviet")).click()
    expect(page.get_by_role("heading", level=2, name="Состав")).to_be_visible()
    page.go_back()

    # To English by keyboard alone, with the link in the header.
    english = page.get_by_role("navigation", name="Язык").get_by_role("link", name="English")
    _tab_to(page, english)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_url}/tour")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("A guided tour")
    register = page.locator("section.stop").filter(has=page.locator("h2#register"))
    expect(register).to_contain_text("1 March (14 March N.S.) 1917")
    expect(
        page.get_by_role("navigation", name="Language").get_by_role("link", name="English")
    ).to_have_attribute("aria-current", "true")
    assert not ui.serious_violations(page)
    # The cookie holds: a browser in Russian still gets English until switched back.
    page.goto(live_url + "/recalls")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recall petitions")
    page.get_by_role("link", name="Русский").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Петиции об отзыве")


def test_every_page_passes_axe_in_russian(russian, live_url, demo: ui.Demo) -> None:  # type: ignore[no-untyped-def]
    page = russian
    page.set_viewport_size({"width": 390, "height": 900})
    found: dict[str, list[str]] = {}
    for voter, names in (
        (None, ["home", "login", "tour", "alignment", "directives", "recalls"]),
        (demo.ranked_voter, [n for n in demo.pages if n not in ("login", "election recall vote")]),
        (demo.recall_voter, ["election recall vote"]),
    ):
        page.context.clear_cookies()
        if voter is not None:
            ui.log_in(page.context, live_url, demo.system, voter)
        for name in names:
            response = page.goto(live_url + demo.pages[name])
            assert response is not None and response.status == 200, name
            assert page.locator("html").get_attribute("lang") == "ru", name
            problems = ui.serious_violations(page)
            if page.evaluate("document.documentElement.scrollWidth") > 390:
                problems.append("wider than the screen: scrolls sideways")
            found[f"{name} ({'anonymous' if voter is None else 'logged in'})"] = problems
    bad = {name: v for name, v in found.items() if v}
    assert not bad, "\n".join(f"{name}: {line}" for name, v in bad.items() for line in v)
