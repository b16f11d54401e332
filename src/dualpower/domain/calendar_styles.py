"""Old Style and New Style: Russia kept the Julian calendar until 31 January 1918 (Old Style),
followed by 14 February 1918 (New Style, the Gregorian calendar; decree of the Council of People's
Commissars, 24 January 1918). Sources of 1917 date events in the Old Style.

Both calendars are converted through the Julian day number (a count of days), so the gap is
computed, not assumed: 10 days in 1582, 12 in the 19th century, 13 from 1 March 1900 (Old Style
29 February 1900, a day the Gregorian calendar does not have) to 28 February 2100. A Julian date
is a (year, month, day) triple, since Python's `date` is Gregorian and cannot hold 29 February 1900.
"""

from __future__ import annotations

from datetime import date

# The first New Style day of Russia's civil calendar (1 February 1918 Old Style).
RUSSIA_SWITCH = date(1918, 2, 14)
# The first day of the Gregorian calendar (Rome, 15 October 1582): no New Style before it.
GREGORIAN_START = date(1582, 10, 15)

JulianDate = tuple[int, int, int]


def _day_number(gregorian: date) -> int:
    """The Julian day number of a Gregorian date (noon of that day)."""
    return gregorian.toordinal() + 1_721_425


def _julian_from_day_number(jdn: int) -> JulianDate:
    # Richards' algorithm for the Julian calendar (Explanatory Supplement, 3rd ed., 15.11).
    c = jdn + 32_082
    d = (4 * c + 3) // 1461
    e = c - (1461 * d) // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    year = d - 4800 + m // 10
    return year, month, day


def _day_number_of_julian(year: int, month: int, day: int) -> int:
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32_083


def old_style(new_style: date) -> JulianDate:
    """The Julian (Old Style) date of a Gregorian (New Style) date."""
    return _julian_from_day_number(_day_number(new_style))


def new_style(year: int, month: int, day: int) -> date:
    """The Gregorian (New Style) date of a Julian (Old Style) date."""
    return date.fromordinal(_day_number_of_julian(year, month, day) - 1_721_425)


def is_old_style_era(new_style_day: date) -> bool:
    """Was the day dated in the Old Style in Russia (and has it a New Style date beside)?"""
    return GREGORIAN_START <= new_style_day < RUSSIA_SWITCH
