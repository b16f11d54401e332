"""In Chromium: a member opens a recall petition from /me, signs it, and watches the count
change live (server-sent events) as other electors sign, without reloading the page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import recall_web_support as support

from dualpower.web.app import create_app
from factories import PASSWORD

pytestmark = pytest.mark.browser
small_template, fed = support.small_template, support.fed  # fixtures


@pytest.fixture
def live_url(fed) -> Iterator[str]:  # type: ignore[no-untyped-def]
    yield from support.serve(create_app(fed.system))


def test_petition_count_changes_live(page, live_url, fed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_url}/login?next=/me")
    page.get_by_label("Username").fill("forge5")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_url}/me")

    page.get_by_role("link", name="Recall Forge Member 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recall Forge Member 1")
    page.get_by_role("button", name="Open the petition").click()  # the confirmation step
    expect(page).to_have_url(re.compile(r"/recalls/\d+$"))
    petition_id = int(page.url.rsplit("/", 1)[1])
    count = page.locator('[data-field="signatures"]')
    expect(count).to_have_text("0")
    page.get_by_role("button", name="Sign: recall Forge Member 1").click()
    expect(count).to_have_text("1")
    expect(page.get_by_text("You have signed this petition.")).to_be_visible()

    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    # The stream has sent its first state: the page listens.
    expect(page.locator("[data-live]")).to_have_attribute("data-updated", re.compile(r"^\d+$"))
    for n, i in enumerate((2, 3, 4), start=2):
        headers = support.bearer(fed.system, fed.members[f"forge{i}"])
        r = httpx.post(f"{live_url}/api/v1/recalls/{petition_id}/signatures", headers=headers)
        assert r.status_code == 200
        expect(count).to_have_text(str(n))
    assert page.evaluate("window.__sameDocument") is True  # no reload: the count came live
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "petition.png"), full_page=True)
    page.goto("about:blank")  # closes the stream before the server stops
