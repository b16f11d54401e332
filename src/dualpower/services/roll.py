"""Importing a roll: all rows or none, in one transaction, logged as `roll.import`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from dualpower.domain.errors import RollError
from dualpower.domain.model import BaseUnit
from dualpower.domain.roll import RollEntry, parse_roll
from dualpower.store.uow import UnitOfWork


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
        taken = uow.members.usernames(e.username for e in entries)
        for entry in entries:
            if entry.username in taken:
                raise RollError(f"username {entry.username!r} is already a member", line=entry.line)
        added: list[list[int]] = []  # the log names members by number (DESIGN.md 2.11)
        for entry, unit_id in zip(entries, unit_ids, strict=True):
            try:
                added.append([_add_member(uow, federation.id, entry, unit_id, uow.now()), unit_id])
            except IntegrityError:  # another import added the same username meanwhile
                raise RollError(
                    f"username {entry.username!r} was just added by another import; nothing was"
                    " imported, try again",
                    line=entry.line,
                ) from None
        uow.record(
            "roll.import",
            {"members": added},
            actor=actor,
            is_operator=is_operator,
        )
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


def _add_member(
    uow: UnitOfWork, federation_id: int, entry: RollEntry, unit_id: int, now: datetime
) -> int:
    member_id = uow.members.add(
        federation_id=federation_id,
        username=entry.username,
        display_name=entry.name,
        password_hash=None,
        email=entry.email,
        is_verified=False,
        joined_at=now,
    )
    uow.memberships.add(member_id=member_id, unit_id=unit_id, start_at=now)
    return member_id
