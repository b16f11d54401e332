"""Running a coroutine from a test.

The test session's browser (a sync Playwright, tests/e2e/conftest.py) keeps an event loop running
in the main thread of any pytest-xdist worker that has run a browser test, so `asyncio.run` there
fails with "cannot be called from a running event loop". `run_in_a_loop` runs the coroutine on
a loop of its own, in a thread of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def in_a_thread(work: Callable[[], T], timeout: float = 60) -> T:
    """`work()`, run in a thread of its own; its exception is raised here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result(timeout)


def run_in_a_loop(make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 60) -> T:
    """The result of the coroutine `make()` returns, run on a fresh event loop in a thread."""
    return in_a_thread(lambda: asyncio.run(make()), timeout)
