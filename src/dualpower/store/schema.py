"""The whole schema: the core tables and every topic's tables, on one MetaData.

Topic modules (`tables_<topic>.py`) add their tables to `tables.metadata` and their repositories
to `REPOSITORIES` when imported; this module imports them all, so Alembic and the unit of work
see everything.
"""

from __future__ import annotations

from dualpower.store import repositories as _core_repositories  # noqa: F401
from dualpower.store.tables import metadata

__all__ = ["metadata"]
