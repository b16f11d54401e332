"""Old Style and New Style (domain/calendar_styles.py): the Julian date of every Gregorian day from
the reform of 1582 to 2100 equals the one an independent day-by-day walk of both calendars gives;
the conversion goes both ways; it agrees with the register's fixed 13-day lag where that holds."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from dualpower.domain import calendar_styles as cal
from dualpower.domain import register

FIRST, LAST = date(1582, 10, 15), date(2100, 12, 31)
days = st.dates(min_value=FIRST, max_value=LAST)


def _julian_next(y: int, m: int, d: int) -> tuple[int, int, int]:
    """The next day of the Julian calendar: every fourth year is a leap year, no exception."""
    lengths = [31, 29 if y % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if d < lengths[m - 1]:
        return y, m, d + 1
    return (y, m + 1, 1) if m < 12 else (y + 1, 1, 1)


@cache
def walked() -> dict[date, tuple[int, int, int]]:
    """Both calendars stepped a day at a time from the reform: Thursday 4 October 1582 (Julian)
    was followed by Friday 15 October 1582 (Gregorian)."""
    table, julian, day = {}, (1582, 10, 5), FIRST
    while day <= LAST:
        table[day] = julian
        day, julian = day + timedelta(days=1), _julian_next(*julian)
    return table


def test_old_style_matches_a_day_by_day_walk() -> None:
    table = walked()  # built once, outside Hypothesis's per-example deadline

    @given(days)
    def check(day: date) -> None:
        assert cal.old_style(day) == table[day]

    check()
    assert all(cal.old_style(day) == table[day] for day in list(table)[::97])


@given(days)
def test_new_style_inverts_old_style(day: date) -> None:
    assert cal.new_style(*cal.old_style(day)) == day


@given(st.dates(min_value=date(1900, 3, 14), max_value=date(2100, 2, 28)))
def test_agrees_with_the_registers_thirteen_days(day: date) -> None:
    assert cal.old_style(day) == register.old_style(day).timetuple()[:3]


def test_the_gap_grows_as_julian_leap_days_pile_up() -> None:
    assert cal.old_style(date(1582, 10, 15)) == (1582, 10, 5)  # 10 days at the reform
    assert cal.old_style(date(1800, 3, 12)) == (1800, 2, 29)  # 11, then 12 from here
    assert cal.old_style(date(1900, 3, 13)) == (1900, 2, 29)  # a day Gregorian lacks
    assert cal.old_style(date(1900, 3, 14)) == (1900, 3, 1)  # 13 from here
    assert cal.old_style(date(1917, 3, 14)) == (1917, 3, 1)
    assert cal.old_style(date(1917, 11, 7)) == (1917, 10, 25)  # the October revolution
    assert cal.new_style(1918, 1, 31) == date(1918, 2, 13)


def test_only_days_before_russias_switch_have_an_old_style() -> None:
    assert cal.is_old_style_era(date(1918, 2, 13))
    assert not cal.is_old_style_era(date(1918, 2, 14))
    assert cal.old_style(date(1918, 2, 14)) == (1918, 2, 1)
    assert not cal.is_old_style_era(date(1582, 10, 14))
