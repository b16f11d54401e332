"""The acts' chance (services/chance.py): the system's randomness, or a seed's for the demo."""

from __future__ import annotations

from dualpower.services import chance


def test_a_seed_draws_the_same_receipts_lots_and_orders_and_only_inside_its_block() -> None:
    def draw() -> tuple[str, int, list[int]]:
        order = list(range(20))
        chance.shuffle(order)
        return chance.token_hex(10), chance.randbits(31), order

    with chance.seeded(1917):
        first = draw()
    with chance.seeded(1917):
        second = draw()
    assert first == second
    assert len(first[0]) == 20
    assert draw() != draw()  # outside: the operating system's randomness again
