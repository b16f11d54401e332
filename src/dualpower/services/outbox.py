"""Event handlers, delivered from the sealed audit log after commit (the log is the outbox).

One typed registry (STYLE.md 14, cosmicpython's EVENT_HANDLERS): `Handlers.register(name,
EventType, handler)`. A handler is called with a `Delivery`: the event (domain/events.py, read
back from the entry its act wrote by `events.from_entry`), the entry's `seq` and an idempotency
`key` (the same on every delivery of that event). Each handler has a cursor in the database
(store/tables_outbox.py), which moves only after the handler returned: a crash between an act's
commit and its delivery, or during the delivery, delivers the event again when `deliver` next
runs (after the next commit, or when the server starts): at least once; a handler that must act
once keeps the keys it has seen. A handler that raises is logged and retried from the same
entry next time; the other handlers go on.

A new handler's cursor starts at the log's head when it is first registered against a
database: it is given what happens from then on, not the past.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from dualpower.domain import events
from dualpower.store.sequencer import sequence
from dualpower.store.uow import UnitOfWork

E = TypeVar("E")
BATCH = 200
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery(Generic[E]):
    event: E
    seq: int  # the audit entry that states it
    key: str  # idempotency key: "<seq>.<index of the event in its entry>"


@dataclass(frozen=True)
class _Handler:
    name: str
    event_type: type[Any]
    call: Callable[[Delivery[Any]], None]


class Handlers:
    """The registry of event handlers, each by a name unique in the database (its cursor)."""

    def __init__(self) -> None:
        self._handlers: dict[str, _Handler] = {}

    def register(
        self, name: str, event_type: type[E], handler: Callable[[Delivery[E]], None]
    ) -> None:
        if name in self._handlers:
            raise ValueError(f"an event handler {name!r} is registered already")
        if not 0 < len(name) <= 80:
            raise ValueError("a handler's name is 1 to 80 characters")
        self._handlers[name] = _Handler(name, event_type, handler)

    def __bool__(self) -> bool:
        return bool(self._handlers)

    def all(self) -> list[_Handler]:
        return list(self._handlers.values())


def start(new_uow: Callable[[], UnitOfWork], name: str) -> int:
    """The handler's cursor, started at the log's head if it has none; returns it."""
    sequence(new_uow().engine)
    with new_uow() as uow:
        seq = uow.outbox.cursor(name)
        if seq is None:
            seq = uow.outbox.head()
            uow.outbox.start(name, seq)
            uow.commit()
    return int(seq)


def deliver(new_uow: Callable[[], UnitOfWork], handlers: Handlers) -> int:
    """Give every handler the events sealed after its cursor; returns how many were given."""
    if not handlers:
        return 0
    sequence(new_uow().engine)  # every committed act sealed: the log's order is the seq's
    acts = tuple(events.LOG_READERS)
    given = 0
    for handler in handlers.all():
        given += _deliver_one(new_uow, handler, acts)
    return given


def _deliver_one(
    new_uow: Callable[[], UnitOfWork], handler: _Handler, acts: tuple[str, ...]
) -> int:
    given = 0
    start(new_uow, handler.name)
    while True:
        with new_uow() as uow:  # read, then let go of the database while the handler runs
            seen: int = uow.outbox.cursor(handler.name)
            entries = uow.outbox.entries_after(seen, acts, BATCH)
        if not entries:
            return given
        done = seen
        for seq, act, payload in entries:
            stated = events.from_entry(act, json.loads(payload))
            try:
                for index, event in enumerate(stated):
                    if isinstance(event, handler.event_type):
                        handler.call(Delivery(event, seq, f"{seq}.{index}"))
                        given += 1
            except Exception:  # noqa: BLE001 - retried from this entry next time
                log.exception("event handler %r failed at entry %d", handler.name, seq)
                _advance(new_uow, handler.name, seen, done)
                return given
            done = seq
        if not _advance(new_uow, handler.name, seen, done):
            return given  # another deliverer moved the cursor: it goes on from there


def _advance(new_uow: Callable[[], UnitOfWork], name: str, seen: int, seq: int) -> bool:
    if seq == seen:
        return True
    with new_uow() as uow:
        moved: bool = uow.outbox.advance(name, seen, seq)
        uow.commit()
    return moved
