"""Before a server takes its first request: load what every page needs, then freeze the heap.

The garbage collector's full pass walks every object the process holds. After start-up that is
about 180,000 (FastAPI's routes and models, SQLAlchemy's tables, the compiled templates,
Babel's locale data), and a pass took 110-270 ms on the 2-core machine of issue 24, paid by
whichever request happened to set it off: it was most of the alignment page's p99 at 1,000,000
members. `gc.freeze()` moves them to the permanent generation, which no pass walks; they live
as long as the process anyway. What is loaded lazily is loaded first, so that it is frozen too.

Live streams are long-lived too (open for the length of a vote): each holds 120-135 tracked
objects, and with 1,000 listeners on an election every full pass walked ~130,000 more, 45-280 ms
that the ballots waited (issue 24, docs/scale.md section 5). `freeze_newcomers` freezes again
when streams have joined. Frozen objects are still freed by reference counting when their
stream ends; only a reference cycle among them waits for the process's end.
"""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime

from dualpower.web import i18n
from dualpower.web.deps import templates


def settle() -> None:
    """Compile every template, load each language's catalogue and Babel data, collect, freeze.
    Called once by `dualpower serve` before it serves (and by the benchmarks' server)."""
    env = templates.env
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    for language in i18n.LANGUAGES:
        with i18n.using(language):
            i18n.gettext("Faction")
            i18n.number(1917)
            i18n.number(19.17)
            i18n.money(191700, "RUB")
            i18n.moment(datetime(1917, 3, 12, tzinfo=UTC))
    gc.collect()
    gc.freeze()
    global _settled
    _settled = True


REFREEZE_SECONDS = 2.0  # at most one freeze of newcomers this often
_settled = False  # settle() ran: a serving process, where the freezes are this module's policy
_frozen_at = float("-inf")


def freeze_newcomers() -> float:
    """Streams joined: after a pass over the young generations, freeze what is left, so no full
    pass walks the new streams while they are open. In a settled (serving) process only, at most
    once every REFREEZE_SECONDS (web/live.py calls it soon after watchers join). Returns the
    seconds to wait before asking again when it was asked too early, else 0.0 (done)."""
    global _frozen_at
    now = time.monotonic()
    if not _settled:
        return 0.0
    if now - _frozen_at < REFREEZE_SECONDS:
        return _frozen_at + REFREEZE_SECONDS - now
    _frozen_at = now
    gc.collect(1)
    gc.freeze()
    return 0.0
