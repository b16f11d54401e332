"""Issue 25, defect 6: at 1366 px no number or word breaks across lines in a table cell (the
pay table's "12,05 / 0", "Stipen / d", "Supp / ort"); on a phone the page still does not scroll
sideways (a wide table scrolls in its own region)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update
from test_browser_me import live_url  # noqa: F401  (the fixture)

from dualpower.store import tables as t

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every word of every table cell: the ones whose letters lie on more than one line.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rows = new Set([...range.getClientRects()].filter(r => r.width > 0)
          .map(r => Math.round(r.top)));
        if (rows.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""

CAPABILITIES = [
    "convene_session",
    "run_election",
    "record_directive",
    "report_wages",
    "verify_members",
    "take_stance",
    "keep_order",
]


@pytest.fixture
def offices(system, federation) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        uow.conn.execute(update(t.federations).values(currency="RUB"))
        for council in ("North Council", "South Council", "Chief Council"):
            for name in ("Commissioner of Supply and Transport", "Stipendiary Secretary"):
                uow.offices.add(
                    council_id=federation.councils[council],
                    name=name,
                    capabilities=CAPABILITIES,
                    stipend=1205000,
                )
        uow.commit()
    yield


def test_no_word_or_number_breaks_in_a_table_cell(page, live_url, federation, offices) -> None:  # noqa: F811
    council = federation.councils["North Council"]
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for path in ("/pay", f"/councils/{council}/offices", f"/councils/{council}"):
            for language in ("en", "ru"):
                page.goto(f"{live_url}/language?to={language}&next={path}")
                assert page.evaluate(BROKEN_WORDS) == [], (width, path, language)
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, (width, path, language)


def test_the_logged_in_header_is_short(page, live_url) -> None:  # noqa: F811
    from factories import PASSWORD

    page.goto(f"{live_url}/login")
    page.get_by_label("Username").fill("forge5")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Two rows of 44 px links on a desktop; a quarter of a phone's screen at most.
    for width, height, most in ((1366, 768, 2 * 44 + 24), (390, 844, 844 // 4)):
        page.set_viewport_size({"width": width, "height": height})
        for language in ("en", "ru"):
            page.goto(f"{live_url}/language?to={language}&next=/me")
            header = page.evaluate(
                "document.querySelector('header.site').getBoundingClientRect().height"
            )
            assert header <= most, (width, language, header)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
