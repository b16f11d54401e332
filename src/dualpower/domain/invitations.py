"""Invitation and reset codes (DESIGN.md 2.10): how a member gets in and sets their own password.

A code is 16 characters of an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B), 76
bits of chance, printed in four groups (`K7QX-...`) so it can be typed from a paper slip; case,
spaces and dashes do not matter when it is typed back. It works once, until it expires. Only a
digest of it is stored: the operator who issues the codes sees them once (to print or mail
them), and a code gives nothing but the right to set the password, which the member then keeps.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"  # 25 characters; 25**16 is about 2**74
LENGTH = 16
JOIN_LIFETIME = timedelta(days=30)
RESET_LIFETIME = timedelta(hours=2)
PURPOSES = ("join", "reset")


def new_code() -> str:
    # 128 random bits read as 16 base-25 digits: 25**16 is under 2**75, so taking the number
    # modulo 25**16 biases no code by more than 2**-53 (one read of the system's randomness,
    # not sixteen: a 100,000-member roll's codes take a fraction of a second).
    number = int.from_bytes(secrets.token_bytes(16), "big") % len(ALPHABET) ** LENGTH
    digits = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "-".join("".join(digits[i : i + 4]) for i in range(0, LENGTH, 4))


def normalise(code: str) -> str:
    """The code as typed back: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def digest(code: str) -> str:
    return hashlib.sha256(f"dualpower-code:{normalise(code)}".encode()).hexdigest()


def lifetime(purpose: str) -> timedelta:
    return JOIN_LIFETIME if purpose == "join" else RESET_LIFETIME


@dataclass(frozen=True)
class IssuedCode:
    """A code handed to the operator once, to print or mail; never stored in clear."""

    member_id: int
    username: str
    display_name: str
    email: str | None
    unit_name: str
    code: str
    expires_at: datetime
    purpose: str = "join"
    language: str | None = None  # the member's own (their slip is printed in it), if they have one


@dataclass(frozen=True)
class CodeMailed:
    """An event: codes to mail (after commit). The mailer writes each member one message."""

    codes: tuple[IssuedCode, ...]
