"""The clock's thread inside a `serve` process (DESIGN.md 2.9): it runs `services.due.run_due`
every few seconds (DUALPOWER_CLOCK_SECONDS, default 1). Several processes may run it on one
database: each due act still happens once (see services/due.py). The time of its last run is
kept on the System (`system.background["clock"]`) for readiness checks.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger("dualpower.clock")
EARLY_RUNS = 5  # a run in this many looks for votes every elector has cast


def interval() -> float:
    raw = os.environ.get("DUALPOWER_CLOCK_SECONDS", "1")
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(
            f"DUALPOWER_CLOCK_SECONDS must be a number of seconds, not {raw!r}"
        ) from None
    if seconds <= 0:
        raise ValueError("DUALPOWER_CLOCK_SECONDS must be positive")
    return seconds


def start(system: Any, every: float | None = None) -> threading.Event:
    """Start the clock's daemon thread; set the returned event to stop it. Votes past their
    time are closed at every run; votes every elector has cast, before their time, are looked
    for every EARLY_RUNS runs (that scan reads every open vote's participations: at 10,000
    open votes, seconds of CPU on a loaded machine, in every serving process)."""
    from dualpower.services.due import run_due

    pause = every if every is not None else interval()
    stop = threading.Event()

    def loop() -> None:
        runs = 0
        while not stop.is_set():
            try:
                early = runs % EARLY_RUNS == 0
                runs += 1
                for act in run_due(system.uow, early=early):
                    log.info("clock: %s", act)
                if getattr(system, "handlers", None):  # retry what a crash or a failing
                    system.deliver()  # handler left undelivered (services/outbox.py)
                background = getattr(system, "background", None)
                if isinstance(background, dict):
                    background["clock"] = time.time()
            except Exception:  # the clock must outlive one bad run; the next one retries
                log.exception("clock: a run failed")
            stop.wait(pause)

    threading.Thread(target=loop, name="dualpower-clock", daemon=True).start()
    return stop


class RunningFrom:
    """A clock that runs at the real pace from a given moment. The demo's world lives in 1917:
    served, its time runs on from its last act, so a vote it left open closes when its window
    has run (DESIGN.md 2.9), as any other."""

    def __init__(self, at: datetime):
        self.at = at
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        return self.at + timedelta(seconds=time.monotonic() - self._started)


def resume_demo(system: Any) -> None:
    """On the demo's database, give the system the demo's clock, running from its last act."""
    from dualpower.store.demo import demo_time

    at = demo_time(system.engine)
    if at is not None:
        system.clock = RunningFrom(at)
