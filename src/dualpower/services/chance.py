"""Where the acts draw their chance: receipt codes, the seed of a count's lot, the order in which
secret ballots are stored and published, a password's salt.

By default it is the operating system's randomness (`secrets`). The demo draws it from a
`random.Random` of its fixed seed while it builds (`seeded`), so the same seed builds the same
database (issue 25); nothing else may, as a predictable receipt or lot is no secret.
The source is process-wide, not per thread: the ballot writer's thread draws from it too.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Iterator, MutableSequence
from contextlib import contextmanager
from typing import Any

_SYSTEM = secrets.SystemRandom()
_source: random.Random = _SYSTEM
_lock = threading.Lock()


def token_hex(nbytes: int) -> str:
    """Like `secrets.token_hex`."""
    with _lock:
        return _source.randbytes(nbytes).hex()


def token_bytes(nbytes: int) -> bytes:
    with _lock:
        return _source.randbytes(nbytes)


def randbits(k: int) -> int:
    with _lock:
        return _source.getrandbits(k)


def shuffle(items: MutableSequence[Any]) -> None:
    with _lock:
        _source.shuffle(items)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Draw from `random.Random(seed)` until the block ends (the demo's build only)."""
    global _source
    with _lock:
        before, _source = _source, random.Random(seed)
    try:
        yield
    finally:
        with _lock:
            _source = before
