"""Importing a roll: all rows or none, in one transaction, logged as `roll.import`."""

from __future__ import annotations

from datetime import datetime

from dualpower.domain.errors import Duplicate, RollError
from dualpower.domain.model import BaseUnit
from dualpower.domain.roll import RollEntry, parse_roll
from dualpower.store.uow import UnitOfWork

CHUNK = 5000  # rows per statement (PostgreSQL takes at most 65,535 bound parameters)


def _find_unit(uow: UnitOfWork, federation_id: int, ref: str) -> BaseUnit | None:
    unit = uow.units.by_name(federation_id, ref)
    if unit is None and ref.isdigit():
        unit = uow.units.get(int(ref))
    return unit


def import_roll(
    uow: UnitOfWork, text: str, unit_ref: str | None, *, actor: str | None, is_operator: bool
) -> int:
    """Add the members of a roll file; returns how many were added."""
    entries = parse_roll(text)
    with uow:
        federation = uow.federations.only()
        if federation is None:
            raise RollError("there is no federation yet: run `dualpower init` first")
        unit_ids = _resolve_units(uow, federation.id, entries, unit_ref)
        taken: set[str] = set()
        for start in range(0, len(entries), CHUNK):  # bound parameters per statement
            taken |= uow.members.usernames(e.username for e in entries[start : start + CHUNK])
        for entry in entries:
            if entry.username in taken:
                raise RollError(f"username {entry.username!r} is already a member", line=entry.line)
        added: list[list[int]] = []  # the log names members by number (DESIGN.md 2.11)
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start : start + CHUNK]
            units = unit_ids[start : start + CHUNK]
            try:
                with uow.constrained():
                    ids = _add_members(uow, federation.id, chunk, units, uow.now())
            except Duplicate:  # another import added one of these usernames meanwhile
                uow.rollback()
                entry = _taken_meanwhile(uow, chunk)
                raise RollError(
                    f"username {entry.username!r} was just added by another import; nothing was"
                    " imported, try again",
                    line=entry.line,
                ) from None
            added.extend(
                [member_id, unit_id] for member_id, unit_id in zip(ids, units, strict=True)
            )
        uow.record(
            "roll.import",
            {"members": added},
            actor=actor,
            is_operator=is_operator,
        )
        # On PostgreSQL the import appended a row of change to unit_rolls per member (psycopg
        # runs executemany a statement a row): fold them, so the rolls stay a row a unit.
        uow.alignment.compact_rolls()
        uow.commit()
    return len(entries)


def _resolve_units(
    uow: UnitOfWork, federation_id: int, entries: list[RollEntry], unit_ref: str | None
) -> list[int]:
    found: dict[str, int] = {}
    for entry in entries:
        ref = entry.unit or unit_ref
        if ref is None:
            raise RollError("no unit: give --unit or a unit column", line=entry.line)
        if ref not in found:
            unit = _find_unit(uow, federation_id, ref)
            if unit is None:
                raise RollError(f"no base unit {ref!r}", line=entry.line)
            found[ref] = unit.id
    return [found[entry.unit or unit_ref or ""] for entry in entries]


def _taken_meanwhile(uow: UnitOfWork, entries: list[RollEntry]) -> RollEntry:
    """The first of these entries whose username another transaction has committed since."""
    with UnitOfWork(uow.engine, clock=uow.clock, read_only=True) as reader:
        taken = reader.members.usernames(e.username for e in entries)
    return next((e for e in entries if e.username in taken), entries[0])


def _add_members(
    uow: UnitOfWork,
    federation_id: int,
    entries: list[RollEntry],
    unit_ids: list[int],
    now: datetime,
) -> list[int]:
    """Insert members and their memberships in bulk; their ids, in the order of `entries`."""
    uow.members.add_many(
        [
            {
                "federation_id": federation_id,
                "username": e.username,
                "display_name": e.name,
                "password_hash": None,
                "email": e.email,
                "language": e.language,
                "is_verified": False,
                "joined_at": now,
            }
            for e in entries
        ]
    )
    by_name = uow.roll.ids_of([e.username for e in entries])
    ids = [by_name[e.username] for e in entries]
    uow.memberships.add_many(
        [
            {"member_id": i, "unit_id": u, "start_at": now}
            for i, u in zip(ids, unit_ids, strict=True)
        ]
    )
    return ids
