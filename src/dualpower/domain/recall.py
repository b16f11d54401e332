"""Recall at the first demand (DESIGN.md 2.2).

- Any elector of a seat's electorate may open a petition against its holder; electors sign or
  withdraw until it is decided. No reason is needed, and no body above can block it.
- Direct recall (the default): signatures of a majority of the *current* electorate end the
  mandate at once: more than half, i.e. floor(n / 2) + 1 of n electors.
- Recall by vote: signatures of the trigger share (default 20 %, rounded up, at least one) open a
  recall vote of the electorate, decided by a majority of the votes cast (more yes than no).
- The electorate is frozen when the petition opens (DESIGN.md 2.10): a unit's members on its roll
  then and still on it. Members who join later neither sign nor raise the threshold (whoever keeps
  the roll cannot block a recall by adding names); one who leaves no longer counts, nor does their
  signature, so the threshold may fall. A council's roll (its deputies) changes by election only.
- Where the council's standing orders ask for it, only verified members count and sign.
"""

from __future__ import annotations

from typing import Literal

Status = Literal["open", "vote_open", "recalled", "rejected"]
UNDECIDED: tuple[Status, ...] = ("open", "vote_open")


def threshold(rule: str, trigger_bp: int, electorate_size: int) -> int:
    """Signatures needed to decide (direct) or to trigger the vote (by vote)."""
    if rule == "direct":
        return electorate_size // 2 + 1
    needed = -(-electorate_size * trigger_bp // 10_000)  # ceiling, in exact integers
    return max(1, needed)


def is_reached(rule: str, trigger_bp: int, electorate_size: int, valid_signatures: int) -> bool:
    return valid_signatures >= threshold(rule, trigger_bp, electorate_size)


def vote_recalls(yes: int, no: int) -> bool:
    """A recall vote recalls when more of the votes cast say yes than no."""
    return yes > no
