"""Before a server takes its first request: load what every page needs, then freeze the heap.

The garbage collector's full pass walks every object the process holds. After start-up that is
about 180,000 (FastAPI's routes and models, SQLAlchemy's tables, the compiled templates,
Babel's locale data), and a pass took 110-270 ms on the 2-core machine of issue 24, paid by
whichever request happened to set it off: it was most of the alignment page's p99 at 1,000,000
members. `gc.freeze()` moves them to the permanent generation, which no pass walks; they live
as long as the process anyway. What is loaded lazily is loaded first, so that it is frozen too.
"""

from __future__ import annotations

import gc
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
