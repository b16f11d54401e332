"""Browser fixtures for the end-to-end tests.

Playwright's own browser download does not work on the target machines, so the browser is
Debian's Chromium (``apt-get install chromium``) at ``/usr/bin/chromium``, driven through the
Playwright sync API. Tests that use these fixtures are marked ``@pytest.mark.browser``.

A missing Chromium is a failure with a clear message, never a silent skip, unless
``DUALPOWER_SKIP_BROWSER=1`` is set (then browser tests are skipped, loudly).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking flags Chromium tries to reach Google services and, on a
# closed network, its connections get refused.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Per-action default timeout (ms) for pages: generous enough for a loaded 2-core CI machine.
DEFAULT_TIMEOUT_MS = 15_000


def _skip_browser() -> bool:
    return os.environ.get("DUALPOWER_SKIP_BROWSER") == "1"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole test session."""
    if _skip_browser():
        pytest.skip("DUALPOWER_SKIP_BROWSER=1: browser tests skipped")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's Chromium "
            "(apt-get install chromium; scripts/test installs it when run as root). "
            "Set DUALPOWER_SKIP_BROWSER=1 to skip them on purpose.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - only without the test extra
        pytest.fail(f"playwright is not installed ({exc}): pip install -e '.[test]'", pytrace=False)

    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
        except Exception as exc:
            pytest.fail(f"could not launch {CHROMIUM} through Playwright: {exc}", pytrace=False)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (cookies, storage) per test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A new page in a fresh context per test; closed (with its context) afterwards."""
    pg = context.new_page()
    try:
        yield pg
    finally:
        pg.close()
