"""The public record as JSON files (`dualpower export DIR`, DESIGN.md 4.1).

councils, base units, factions, mandates (all, with their history), elections with their
candidates, results and published ballots (an open ballot with its voter; a secret one with its
receipt only), recall petitions with their signers (signing is public), the audit log with its
tree head, and whatever topic modules add (services/exporters/). Never a secret ballot's voter.
Everything is written to a temporary directory first and moved into place, so a failed export
leaves nothing half-written.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dualpower.domain.errors import InvalidRequest
from dualpower.services.audit import entries, head
from dualpower.services.exporters import exporters
from dualpower.store.uow import UnitOfWork


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _elections(uow: UnitOfWork) -> list[dict[str, Any]]:
    out = []
    for election in uow.elections.list():
        row = _plain(election)
        row["candidates"] = [_plain(c) for c in uow.elections.candidates(election.id)]
        if election.status != "open":
            row["result"] = uow.elections.result(election.id)
            row["ballots"] = (
                uow.elections.published_ballots(election.id)
                if election.is_secret
                else uow.elections.open_ballots(election.id)
            )
        out.append(row)
    return out


def public_record(uow: UnitOfWork) -> dict[str, Any]:
    with uow:
        record: dict[str, Any] = {
            "federation": _plain(uow.federations.only()),
            "factions": [_plain(f) for f in uow.factions.list()],
            "councils": [_plain(c) for c in uow.councils.list()],
            "units": [_plain(u) for u in uow.units.list()],
            "electorates": [_plain(e) for e in uow.electorates.list()],
            "mandates": [
                _plain(md) | {"holder_name": uow.members.get(md.holder_id).display_name}  # type: ignore[union-attr]
                for md in uow.mandates.list()
            ],
            "elections": _elections(uow),
            "recalls": [
                _plain(p) | {"signers": sorted(uow.recalls.signers(p.id))}
                for p in uow.recalls.list()
            ],
        }
        for export in exporters():
            record.update({name: _plain(rows) for name, rows in export(uow).items()})
    return record


def export(uow: UnitOfWork, directory: Path) -> list[str]:
    """Write the public record into `directory` (created; must be empty if it exists)."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InvalidRequest(f"{directory} exists and is not an empty directory")
    record = public_record(uow)
    record["audit_log"] = entries(uow.engine)
    size, root = head(uow.engine)
    record["audit_head"] = {"size": size, "root": root}
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=directory.parent or Path(".")))
    try:
        for name, rows in record.items():
            with open(staging / f"{name}.json", "w", encoding="utf-8") as out:
                json.dump(rows, out, ensure_ascii=False, indent=1, sort_keys=True)
        staging.chmod(0o755)
        if directory.exists():
            directory.rmdir()
        staging.rename(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(f"{name}.json" for name in record)
