"""A member logs in through the login page in Chromium and finds their own council on /me.

The app runs under uvicorn in a background thread on a free port, against the small federation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from recall_web_support import serve

from dualpower.web.app import create_app
from factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(system, federation) -> Iterator[str]:  # type: ignore[no-untyped-def]
    yield from serve(create_app(system))


def test_member_logs_in_and_sees_their_council(page, live_url, tmp_path) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_url}/me")
    expect(page).to_have_url(f"{live_url}/login?next=/me")
    page.get_by_label("Username").fill("forge5")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_url}/me")
    expect(page.get_by_role("heading", level=1)).to_have_text("Forge Member 5")
    deputies = page.locator("section.level").first
    expect(deputies.get_by_role("heading", name="North Council")).to_be_visible()
    expect(deputies.get_by_text("Forge Member 1", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Chief Council")).to_be_visible()
    # Large tap targets and no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.get_by_role("button", name="Log out").bounding_box()
    assert box is not None and box["height"] >= 44
    page.screenshot(path=str(tmp_path / "me.png"), full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_url}/")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
