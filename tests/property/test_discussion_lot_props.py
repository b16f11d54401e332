"""The lot (domain/lot.py): a draw repeats from its published seed and inputs, draws distinct
eligible members, never a party, and reads the inputs in their published (sorted) form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dualpower.domain import lot

ids = st.sets(st.integers(min_value=1, max_value=10_000), min_size=0, max_size=60)
seeds = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)


@given(seed=seeds, eligible=ids, parties=ids, earlier=ids, size=st.integers(1, 12))
def test_a_draw_repeats_and_leaves_out_the_parties(seed, eligible, parties, earlier, size):  # type: ignore[no-untyped-def]
    inputs = lot.panel_inputs(eligible, parties, earlier, size)
    assert inputs == sorted(inputs) and not set(inputs) & parties
    assert set(inputs) <= eligible
    if not inputs:
        return
    panel = lot.draw(seed, inputs, size)
    assert panel == lot.draw(seed, list(reversed(inputs)), size)  # order of the roll is moot
    assert lot.repeats(seed, inputs, size, panel)
    assert len(panel) == min(size, len(inputs)) == len(set(panel))
    assert set(panel) <= set(inputs)
    fresh = eligible - parties - earlier
    if len(fresh) >= size:
        assert set(panel).isdisjoint(earlier)


@given(seed=seeds, eligible=st.sets(st.integers(1, 500), min_size=2, max_size=40))
def test_a_changed_seed_or_panel_is_caught(seed, eligible):  # type: ignore[no-untyped-def]
    inputs = lot.inputs_of(eligible)
    panel = lot.draw(seed, inputs, 5)
    assert not lot.repeats(seed, inputs, 5, list(reversed(panel)) + [0])
    assert not lot.repeats(seed, list(reversed(inputs)), 5, panel)  # inputs must be sorted


def test_the_published_recipe_gives_the_same_panel() -> None:
    namespace: dict[str, object] = {}
    exec(lot.HOW_TO_REPEAT, namespace)  # the snippet shown on every report page
    recipe = namespace["draw"]
    for seed in ("a", "0f" * 16, "seed"):
        inputs = list(range(3, 90, 7))
        assert recipe(seed, inputs, 5) == lot.draw(seed, inputs, 5)  # type: ignore[operator]


def test_the_shuffle_is_not_biased_to_the_first_members() -> None:
    inputs = list(range(10))
    firsts = [lot.draw(f"s{i}", inputs, 1)[0] for i in range(2000)]
    counts = [firsts.count(m) for m in inputs]
    assert min(counts) > 140 and max(counts) < 260  # expected 200 each
