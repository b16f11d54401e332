"""In Chromium, over the Petrograd demo: a newcomer walks the guided tour and follows its links;
a council page's seats change live (server-sent events) when a petition recalls one of its
deputies, while the petition's count climbs live on another tab. The README's tour and its
pictures: test_browser_readme_tour.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import ui_demo_support as ui
from recall_web_support import serve

from dualpower.services import recall
from dualpower.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
demo = ui.demo  # fixture


@pytest.fixture(scope="module")
def live_url(demo: ui.Demo) -> Iterator[str]:
    yield from serve(create_app(demo.system))


def test_tour_walks_the_demo(page, live_url, demo: ui.Demo) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(live_url + "/")
    page.get_by_role("link", name="Tour", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A guided tour")
    stops = page.locator("section.stop h2")
    expect(stops).to_have_count(7)
    expect(stops.nth(0)).to_have_text("1. The tree of councils")
    # 1917 dates in both styles: Old Style first, New Style beside it.
    register = page.locator("section.stop").filter(has=page.locator("h2#register"))
    expect(register).to_contain_text("Order No. 1")
    expect(register.get_by_text("1 March (14 March N.S.) 1917", exact=False).first).to_be_visible()
    # The Milyukov note answers differently for two members.
    answers = register.locator("ul.answers li")
    expect(answers).to_have_count(2)
    expect(answers.nth(0)).to_contain_text("does not bind")
    expect(answers.nth(0)).to_contain_text("countermanded it on")
    expect(answers.nth(1)).to_contain_text("binds")
    majority = page.locator("table.changes tbody tr")
    assert majority.count() >= 2  # the majority of the Petrograd Soviet changed hands
    expect(page.locator("section.stop").last).to_contain_text("stand at their council's cap")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Follow the tour to the real pages.
    page.get_by_role("link", name=re.compile(r"^Open Petrograd Soviet")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Petrograd Soviet")
    page.go_back()
    page.get_by_role("link", name=re.compile(r"^The petition to recall")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recall")
    page.go_back()
    page.get_by_role("link", name="The breach of instruction").click()
    expect(page).to_have_url(re.compile(r"/breaches/\d+$"))
    page.go_back()
    page.get_by_role("link", name=re.compile(r"^Milyukov")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Milyukov")
    page.go_back()
    page.get_by_role("link", name="Every stipend and the cap").click()
    expect(page).to_have_url(f"{live_url}/pay")


def _seat_in(demo: ui.Demo, council_name: str) -> tuple[int, int, list[int]]:
    """A held seat of a base council with direct recall: (council id, mandate id, electors)."""
    with demo.system.uow() as uow:
        council = next(c for c in uow.councils.list() if c.name == council_name)
        assert council.recall_rule == "direct"
        for unit in uow.units.list():
            if unit.council_id != council.id:
                continue
            electorate = uow.electorates.for_unit(unit.id)
            assert electorate is not None
            held = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
            if held:
                electors = sorted(uow.members.ids_of_unit(unit.id) - {held[0].holder_id})
                return council.id, held[0].id, electors
    raise AssertionError(f"no held seat in {council_name}")


def test_seats_and_petition_count_change_live(context, live_url, demo: ui.Demo) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    council_id, mandate_id, electors = _seat_in(demo, "Vyborg District Soviet")
    state = recall.open_recall(demo.system.uow(), mandate_id, electors[0])
    assert state.threshold > 2

    seats_page = context.new_page()
    seats_page.goto(f"{live_url}/councils/{council_id}")
    filled = seats_page.locator(".seats-live .majority")
    before = int(re.search(r"(\d+) of", filled.inner_text()).group(1))  # type: ignore[union-attr]
    seats_page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    expect(seats_page.locator(".seats-live")).to_have_attribute("data-listening", "yes")

    petition_page = context.new_page()
    petition_page.goto(f"{live_url}/recalls/{state.id}")
    count = petition_page.locator('[data-field="signatures"]')
    expect(count).to_have_text("0")
    expect(petition_page.locator("[data-live]")).to_have_attribute(
        "data-updated", re.compile(r"\d")
    )
    recall.sign_recall(demo.system.uow(), state.id, electors[0])
    expect(count).to_have_text("1")
    recall.sign_many(demo.system.uow(), state.id, electors[1 : state.threshold - 1])
    expect(count).to_have_text(str(state.threshold - 1))
    # The deciding signature ends the mandate: the council's seats change without a reload.
    decided = recall.sign_recall(demo.system.uow(), state.id, electors[state.threshold - 1])
    assert decided.status == "recalled"
    expect(filled).to_contain_text(f"{before - 1} of")
    expect(seats_page.locator(".seats-live table.seats")).to_contain_text("vacant")
    expect(seats_page.locator("[data-live-announce]")).to_contain_text(f"{before - 1} of")
    assert seats_page.evaluate("window.__sameDocument") is True
    for pg in (seats_page, petition_page):
        pg.goto("about:blank")  # closes the streams before the server stops
