"""Imports run down the floors only (DESIGN.md 5, STYLE.md "The shape", issue 27).

Read from the source with `ast` (nothing is imported): every import statement counts, also one
inside a function or under TYPE_CHECKING. The floors, lowest first, and what each may import of
dualpower (ARCHITECTURE.md draws them):

    counting    itself only (pure NumPy)
    audit       itself only (hash chain, Merkle tree)
    domain      counting
    store       domain, audit, counting
    services    store, domain, audit, counting
    adapters    mail.py, clock.py: services and below
    bootstrap   the one place that knows concrete classes: adapters and below
    scenarios   the demo: bootstrap and below
    web         bootstrap, services, domain, audit, counting: the store only through bootstrap.py
    cli         cli.py and cli_*.py: everything but the store, which it reaches through
                bootstrap.py (save the EXCEPTIONS below)
    entry       entry.py, __main__.py: anything

A module whose floor is not named here fails `test_every_module_has_a_floor`: place it."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "dualpower"

BELOW_SERVICES = {"store", "domain", "audit", "counting"}
MAY_IMPORT: dict[str, set[str]] = {
    "counting": set(),
    "audit": set(),
    "domain": {"counting"},
    "store": {"domain", "audit", "counting"},
    "services": BELOW_SERVICES,
    "adapters": {"services"} | BELOW_SERVICES,
    "bootstrap": {"adapters", "services"} | BELOW_SERVICES,
    "scenarios": {"bootstrap", "adapters", "services"} | BELOW_SERVICES,
    "web": {"bootstrap", "services", "domain", "audit", "counting"},
    "cli": {"web", "scenarios", "bootstrap", "adapters", "services", "domain", "audit", "counting"},
    "entry": {"cli", "web", "scenarios", "bootstrap", "adapters", "services"} | BELOW_SERVICES,
    "package": set(),  # dualpower/__init__.py
}
# Imports allowed across the rule above: (importer, imported module or package) -> the reason.
# Each is a debt (the way is through bootstrap.py); keep this short.
EXCEPTIONS = {
    ("dualpower.cli", "dualpower.store.db"): "the database URL defaults (DEFAULT_URL, DEMO_URL)",
    ("dualpower.cli_ops", "dualpower.store.db"): "an engine for migrate, backup and restore",
    ("dualpower.cli_ops", "dualpower.store.migrate"): "migrate: the schema's state, the upgrade",
    ("dualpower.cli_ops", "dualpower.store.backup"): "backup and restore (issue 23)",
    ("dualpower.cli_ops", "dualpower.store.uow"): "restore: `check` on the restored database",
    ("dualpower.web.actor_marks", "dualpower.store.uow"): "REQUEST_TOKENS, read by record()",
}
TOP_LEVEL = {
    "bootstrap": "bootstrap",
    "mail": "adapters",
    "clock": "adapters",
    "entry": "entry",
    "__main__": "entry",
}
FRAMEWORKS = {
    "alembic",
    "fastapi",
    "httpx",
    "jinja2",
    "psycopg",
    "pydantic",
    "sqlalchemy",
    "starlette",
    "typer",
    "uvicorn",
}
PURE = ("counting", "audit", "domain")
# Services reach the database through the store's repositories and query functions and catch
# `errors.Duplicate`, not SQLAlchemy's errors (issue 27). Modules that still build statements,
# each a debt to move into store/: this list only shrinks (a module that no longer imports
# SQLAlchemy must leave it, `test_the_services_sql_debt_list_is_current`).
SERVICES_STILL_SPEAKING_SQL: set[str] = set()


def module_names(root: Path) -> dict[str, Path]:
    """'dualpower.store.uow' -> its file, for every module under `root` (a package directory)."""
    names = {}
    for path in root.rglob("*.py"):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def floor_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    top = parts[1]
    if top in MAY_IMPORT and top not in ("adapters", "entry", "package"):
        return top
    if top == "cli" or top.startswith("cli_"):
        return "cli"
    return TOP_LEVEL.get(top)


def imports_of(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules an import statement of the file names: a submodule when `from package import
    submodule` names one, else the module imported from."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in known else source)
    return found


def violations(root: Path) -> list[str]:
    """Each import of a dualpower module its floor may not import: 'importer -> imported'."""
    known = module_names(root)
    problems = []
    for module, path in sorted(known.items()):
        floor = floor_of(module)
        if floor is None:
            continue  # reported by test_every_module_has_a_floor
        for target in sorted(imports_of(module, path, known)):
            if target.split(".")[0] != root.name:
                continue
            to = floor_of(target)
            if to == floor or to in MAY_IMPORT[floor]:
                continue
            if any(
                module == importer and (target == m or target.startswith(m + "."))
                for importer, m in EXCEPTIONS
            ):
                continue
            problems.append(f"{module} ({floor}) -> {target} ({to})")
    return problems


def frameworks_imported(root: Path) -> list[str]:
    known = module_names(root)
    return [
        f"{module} -> {target}"
        for module, path in sorted(known.items())
        if floor_of(module) in PURE
        for target in sorted(imports_of(module, path, known))
        if target.split(".")[0] in FRAMEWORKS
    ]


def sqlalchemy_importers(root: Path, floor: str = "services") -> set[str]:
    """The modules of `floor` that import SQLAlchemy (any of it: statements, exceptions)."""
    known = module_names(root)
    return {
        module
        for module, path in known.items()
        if floor_of(module) == floor
        and any(target.split(".")[0] == "sqlalchemy" for target in imports_of(module, path, known))
    }


def test_every_module_has_a_floor() -> None:
    unplaced = [m for m in module_names(SRC) if floor_of(m) is None]
    assert unplaced == [], f"name the floor of {unplaced} in tests/unit/test_layering.py"


def test_imports_run_down_the_floors_only() -> None:
    assert violations(SRC) == []


def test_counting_domain_and_audit_import_no_framework() -> None:
    assert frameworks_imported(SRC) == []


def test_no_new_service_imports_sqlalchemy() -> None:
    speaking = sqlalchemy_importers(SRC)
    assert speaking - SERVICES_STILL_SPEAKING_SQL == set(), (
        "services speak to the store through repositories and query functions (store/) and "
        "catch errors.Duplicate (uow.savepoint, uow.constrained), not SQLAlchemy"
    )


def test_the_services_sql_debt_list_is_current() -> None:
    speaking = sqlalchemy_importers(SRC)
    assert SERVICES_STILL_SPEAKING_SQL - speaking == set(), (
        "these no longer import SQLAlchemy: take them off SERVICES_STILL_SPEAKING_SQL"
    )


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "dualpower"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for directory in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (directory / "__init__.py").touch()
    return root


def test_a_lower_floor_importing_a_higher_one_is_caught(tmp_path: Path) -> None:
    """The checker itself, on a small package that breaks each rule once."""
    root = _package(
        tmp_path,
        {
            "counting/irv.py": "def f():\n    from dualpower.domain import model\n",
            "domain/model.py": "from dualpower.store import tables\n",
            "store/tables.py": "import sqlalchemy\nfrom ..services import recall\n",
            "store/db.py": "URL = 'sqlite:///x.db'\n",
            "services/recall.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from dualpower.web import app\n"
            ),
            "web/app.py": "from dualpower.store.tables import metadata\n",
            "cli.py": "from dualpower.store.db import URL\nfrom dualpower.store import tables\n",
            "audit/chain.py": "import fastapi\nfrom dualpower import bootstrap\n",
            "bootstrap.py": "from dualpower.store import db\n",
        },
    )
    assert violations(root) == [
        "dualpower.audit.chain (audit) -> dualpower.bootstrap (bootstrap)",
        "dualpower.cli (cli) -> dualpower.store.tables (store)",
        "dualpower.counting.irv (counting) -> dualpower.domain.model (domain)",
        "dualpower.domain.model (domain) -> dualpower.store.tables (store)",
        "dualpower.services.recall (services) -> dualpower.web.app (web)",
        "dualpower.store.tables (store) -> dualpower.services.recall (services)",
        "dualpower.web.app (web) -> dualpower.store.tables (store)",
    ]
    assert frameworks_imported(root) == ["dualpower.audit.chain -> fastapi"]


def test_a_service_importing_sqlalchemy_is_caught(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "services/recall.py": "from sqlalchemy.exc import IntegrityError\n",
            "services/exporters/csv.py": "def f():\n    from sqlalchemy import select\n",
            "services/clean.py": "from dualpower.domain import errors\n",
            "store/tables.py": "import sqlalchemy\n",
        },
    )
    assert sqlalchemy_importers(root) == {
        "dualpower.services.recall",
        "dualpower.services.exporters.csv",
    }


def test_a_module_of_no_floor_is_named(tmp_path: Path) -> None:
    root = _package(tmp_path, {"webhooks.py": "", "cli_extra.py": "", "mail.py": ""})
    assert [m for m in module_names(root) if floor_of(m) is None] == ["dualpower.webhooks"]
