"""An act in a transaction of its own (STYLE.md 13): the durable act opens the unit of work,
runs its `*_in` part (which works inside whatever transaction it is given, so that acts
compose) and commits once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from dualpower.store.uow import UnitOfWork

P = ParamSpec("P")
T = TypeVar("T")


def durably(
    uow: UnitOfWork,
    act_in: Callable[Concatenate[UnitOfWork, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`act_in(uow, *args, **kwargs)` in a transaction of its own, committed when it returns."""
    with uow:
        result = act_in(uow, *args, **kwargs)
        uow.commit()
    return result
