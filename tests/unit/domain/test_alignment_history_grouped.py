"""The history of compositions (domain/alignment.history) from mandates grouped by council,
faction and times (`Tenure.seats`, as store/tables_alignment.AlignmentRepo.spans reads them,
issue 24) is the one from the mandates one by one."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dualpower.domain import alignment as al

T0 = datetime(1917, 3, 1, tzinfo=UTC)

mandate = st.tuples(
    st.integers(1, 3),  # council
    st.sampled_from(["Reds", "Greens", al.NO_FACTION]),
    st.integers(0, 4),  # start, in days
    st.one_of(st.none(), st.integers(1, 4)),  # length, in days (None: active)
)


@given(st.lists(mandate, max_size=25))
def test_grouped_mandates_make_the_same_history(
    mandates: list[tuple[int, str, int, int | None]],
) -> None:
    def span(m: tuple[int, str, int, int | None]) -> tuple[int, str, datetime, datetime | None]:
        c, f, start, length = m
        at = T0 + timedelta(days=start)
        return c, f, at, None if length is None else at + timedelta(days=length)

    one_by_one = al.history(al.Tenure(*span(m)) for m in mandates)
    grouped = al.history(al.Tenure(*s, n) for s, n in Counter(map(span, mandates)).items())
    assert grouped == one_by_one
