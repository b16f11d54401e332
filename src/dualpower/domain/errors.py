"""Errors the domain raises when a rule refuses something (STYLE.md convention 4).

Each carries one clear sentence for the person who caused it; the web layer maps them to a 4xx
status and the CLI to exit status 2, both showing that sentence.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """A rule of DESIGN.md refused an act; `message` says which rule and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ApportionmentError(DomainError):
    """Seat apportionment settings that cannot be applied (DESIGN.md section 1)."""


class NotFound(DomainError):
    """Something named by id does not exist (HTTP 404)."""


def must_exist(thing: T | None, message: str) -> T:
    """`thing`, looked up by id; NotFound(message) when there is none."""
    if thing is None:
        raise NotFound(message)
    return thing


class InvalidRequest(DomainError):
    """The request is malformed for this rule (HTTP 422)."""


class NotAllowed(DomainError):
    """The actor has no right to this act (HTTP 403)."""


class Conflict(DomainError):
    """The act clashes with the current state (HTTP 409)."""


class AlreadyVoted(Conflict):
    """One vote per member and question."""


class Duplicate(Conflict):
    """A write the store's constraints refuse: a unique key taken, most often by a concurrent
    act that committed first. The unit of work raises it in place of the driver's error (inside
    `uow.savepoint()` or `uow.constrained()`); a service turns it into its own sentence."""

    def __init__(self, message: str = "this exists already (another act wrote it first)") -> None:
        super().__init__(message)


class BadCredentials(DomainError):
    """Wrong username or password (HTTP 401)."""


class RollError(DomainError):
    """A roll file that cannot be imported; nothing of it is imported."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line


class FoundingError(DomainError):
    """A founding plan that cannot be carried out (or a federation already founded)."""
