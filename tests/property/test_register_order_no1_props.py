"""The Order No. 1 rule over random council trees and random stance histories (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dualpower.domain import register as rule

KINDS = st.sampled_from(rule.KINDS)
T0 = datetime(1917, 3, 14, tzinfo=UTC)


@st.composite
def trees_and_histories(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 12))
    parent_of: dict[int, int | None] = {1: None}
    for c in range(2, n + 1):
        parent_of[c] = draw(st.integers(1, c - 1))
    directives = draw(st.integers(1, 3))
    history: list[rule.Stance] = []
    latest: dict[tuple[int, int], int] = {}
    for i in range(draw(st.integers(0, 30))):
        d, c, kind = draw(st.integers(1, directives)), draw(st.integers(1, n)), draw(KINDS)
        stance = rule.Stance(i + 1, d, c, kind, T0 + timedelta(days=i))
        previous = latest.get((d, c))
        if previous is not None:  # a new stance supersedes the council's previous one
            old = history[previous - 1]
            history[previous - 1] = rule.Stance(
                old.id,
                old.directive_id,
                old.council_id,
                old.kind,
                old.decided_at,
                superseded_by=stance.id,
            )
        history.append(stance)
        latest[(d, c)] = stance.id
    return parent_of, directives, history, latest


@settings(max_examples=150, deadline=None)
@given(trees_and_histories())
def test_binding_iff_no_current_countermand_on_the_path(data) -> None:  # type: ignore[no-untyped-def]
    parent_of, directives, history, latest = data
    current = rule.current_stances(history)
    assert {k: s.id for k, s in current.items()} == latest
    for d in range(1, directives + 1):
        for council in parent_of:
            answer = rule.binding(d, council, parent_of, current)
            # Independent restatement: walk up by hand.
            path, c = [], council
            while c is not None:
                path.append(c)
                c = parent_of[c]
            blockers = [
                c for c in path if (s := current.get((d, c))) and s.kind == rule.COUNTERMAND
            ]
            assert answer.binding == (not blockers)
            assert [b.council_id for b in answer.because] == blockers
            for b in answer.because:
                assert history[b.stance_id - 1].is_current
                assert b.decided_at == history[b.stance_id - 1].decided_at


@settings(max_examples=100, deadline=None)
@given(trees_and_histories())
def test_a_countermand_above_reaches_every_council_below(data) -> None:  # type: ignore[no-untyped-def]
    parent_of, directives, history, _ = data
    current = rule.current_stances(history)
    for d in range(1, directives + 1):
        for council in parent_of:
            if not rule.binding(d, council, parent_of, current).binding:
                below = [c for c in parent_of if council in rule.path_up(c, parent_of)]
                assert all(not rule.binding(d, c, parent_of, current).binding for c in below)
