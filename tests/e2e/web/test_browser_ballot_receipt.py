"""Issue 25, defect 10, in Chromium: a one-seat election's ballot is one choice (radio buttons,
"Choose one candidate."), not checkboxes that a second tick turns into "a block ballot has at most
1 choices"; the receipt, shown once and never again (a secret ballot is stored apart from its
voter), can be copied, printed or saved as a file, and saved without JavaScript too."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from test_browser_me import live_url  # noqa: F401  (the fixture)

from dualpower.services import elections
from factories import PASSWORD
from fixtures_services import open_election

pytestmark = pytest.mark.browser


@pytest.fixture
def barracks_election(system, federation) -> int:  # type: ignore[no-untyped-def]
    """A secret general election of Barracks' one seat, two candidates standing."""
    with system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Barracks"])
        closes_at = uow.now() + timedelta(days=2)
    assert electorate.seats == 1
    cmd = elections.OpenElection(electorate.id, "block", is_secret=True, closes_at=closes_at)
    election_id = open_election(system.uow(), cmd)
    for name in ("barracks3", "barracks4"):
        member = federation.members[name]
        elections.nominate(system.uow(), election_id, member, None, None)
    return election_id


def _log_in(page, url: str, username: str, then: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/login?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}{then}")


def test_one_seat_is_one_choice_and_the_receipt_is_kept(
    browser,
    live_url,  # noqa: F811
    barracks_election,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    page = context.new_page()
    try:
        _log_in(page, live_url, "barracks5", f"/elections/{barracks_election}")
        ballot = page.locator("form[action$='/ballot'] fieldset")
        expect(ballot.locator("legend")).to_have_text("Choose one candidate.")
        assert ballot.locator("input[type=checkbox]").count() == 0
        assert ballot.locator("input[type=radio]").count() == 2
        ballot.locator("input[type=radio]").first.check()
        page.get_by_role("button", name="Cast my ballot").click()

        code = page.locator("code.receipt").first.inner_text()
        assert len(code) == 20
        box = page.locator(".receipt-box")
        expect(box).to_contain_text("This is the only time it is shown")
        box.get_by_role("button", name="Copy the receipt").click()
        expect(box.locator("[data-copied]")).to_have_text("Copied.")
        assert page.evaluate("navigator.clipboard.readText()") == code
        with page.expect_download() as download:
            box.get_by_role("link", name="Save the receipt as a file").click()
        saved = tmp_path / "receipt.txt"
        download.value.save_as(saved)
        assert code in saved.read_text(encoding="utf-8")
        page.evaluate("window.print = () => { window.printed = true }")
        box.get_by_role("button", name="Print the receipt").click()
        assert page.evaluate("window.printed") is True
    finally:
        context.close()


def test_without_javascript_the_receipt_is_still_saved(browser, live_url, barracks_election):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _log_in(page, live_url, "barracks6", f"/elections/{barracks_election}")
        page.locator("form[action$='/ballot'] input[type=radio]").first.check()
        page.get_by_role("button", name="Cast my ballot").click()
        code = page.locator("code.receipt").first.inner_text()
        box = page.locator(".receipt-box")
        save = box.get_by_role("link", name="Save the receipt as a file")
        assert code in (save.get_attribute("href") or "")
        expect(box.get_by_role("button", name="Copy the receipt")).to_be_hidden()
        expect(box.get_by_role("button", name="Print the receipt")).to_be_hidden()
    finally:
        context.close()
