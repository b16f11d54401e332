"""Forgetting a member (DESIGN.md 2.11, `dualpower member forget USERNAME`).

The audit log names members by their number only (the pseudonym); the link from the number to
the person lives in the `members` row, outside the hashed entries. Forgetting erases that link
and whatever else is personal: the username (replaced by `forgotten-<number>`), the e-mail, the
password, every session, token and invitation code, the wages reported, the notifications, the
login-failure counts; the name too, unless the member once held a mandate or an office, whose
acts stay public under the holder's name (accountability). The member leaves the roll.

What the record needs stays, under the number: signatures, ballots (a secret one was never
linked), comments, mandates and terms held. So the log still verifies, and every tally recounts
the same. Refused for a deputy or an official in office: they resign or are recalled first.
"""

from __future__ import annotations

from dataclasses import dataclass

from dualpower.domain import errors
from dualpower.store.uow import UnitOfWork

FORGOTTEN_NAME = "Forgotten member"
# Rows that are only the member's own business: deleted (by their `member_id`).
PERSONAL_TABLES = ("auth_tokens", "invitations", "operator_passwords", "wages", "notifications")


@dataclass(frozen=True)
class Forgotten:
    member_id: int
    kept_name: bool  # a past holder of a mandate or office keeps their public name


def forgotten_username(member_id: int) -> str:
    return f"forgotten-{member_id}"


def forget_member(uow: UnitOfWork, username: str, *, actor: str) -> Forgotten:
    """Erase the personal data of the member `username` (see the module docstring)."""
    with uow:
        member = uow.members.by_username(username)
        if member is None:
            raise errors.NotFound(f"no member {username!r}")
        if uow.mandates.active_of_holder(member.id):
            raise errors.Conflict(
                f"{username} holds a mandate: they resign or are recalled before being forgotten"
            )
        if uow.office_terms.active_of_holder(member.id):
            raise errors.Conflict(
                f"{username} holds an office: they resign or are recalled before being forgotten"
            )
        kept_name = uow.members.ever_held(member.id)
        uow.members.delete_rows_of(member.id, PERSONAL_TABLES)
        # failed logins are counted under a digest of the name typed
        uow.rate_hits.forget_subjects({username, username.strip().casefold(), str(member.id)})
        values: dict[str, object] = {
            "username": forgotten_username(member.id),
            "email": None,
            "password_hash": None,
        }
        if not kept_name:
            values["display_name"] = FORGOTTEN_NAME
        uow.members.set(member.id, **values)
        uow.memberships.end_active_of(member.id, uow.now(), "forgotten")
        uow.record("member.forget", {"member": member.id}, actor=actor, is_operator=True)
        uow.commit()
    return Forgotten(member.id, kept_name)
