"""The whole schema: the core tables and every topic's tables, on one MetaData.

A topic module `store/tables_<topic>.py` adds its tables to `tables.metadata` and its
repositories to `repositories.REPOSITORIES` when imported; this module imports them all, so
Alembic and the unit of work see everything (and the repository modules without tables,
named below).
"""

from __future__ import annotations

import importlib
import pkgutil

import dualpower.store as _store
from dualpower.store import panels as _panels  # noqa: F401
from dualpower.store import repositories as _core_repositories  # noqa: F401
from dualpower.store.tables import metadata

for _info in sorted(pkgutil.iter_modules(_store.__path__), key=lambda i: i.name):
    if _info.name.startswith("tables_"):
        importlib.import_module(f"dualpower.store.{_info.name}")

__all__ = ["metadata"]
