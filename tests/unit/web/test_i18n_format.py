"""web/i18n.py: the language a request gets (cookie, then Accept-Language, then English), and
dates and numbers in each language: 1917 dates in both styles, Old Style first."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from dualpower.domain import calendar_styles as cal
from dualpower.web import i18n


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-GB,en;q=0.9,ru;q=0.8", "en"),
        ("de-DE,de;q=0.9,ru;q=0.5", "ru"),  # German is not offered: the next best is
        ("en;q=0.4, ru;q=0.6", "ru"),  # weights, not order, decide
        ("ru;q=0, en", "en"),  # q=0 means "not this one"
        ("RU", "ru"),
        ("*", "en"),
        ("fr-FR,de", None),
        ("", None),
        (None, None),
        ("ru;q=banana", None),  # a broken weight counts as 0
    ],
)
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert i18n.negotiate(header) == expected


def test_the_cookie_wins_over_the_browser_and_english_is_the_fallback() -> None:
    assert i18n.language_of("en", "ru-RU,ru") == "en"
    assert i18n.language_of("ru", "en-US") == "ru"
    assert i18n.language_of("xx", "ru") == "ru"  # an unknown cookie is ignored
    assert i18n.language_of(None, "fr") == "en"


@pytest.mark.parametrize(
    ("day", "english", "russian"),
    [
        (date(1917, 3, 14), "1 March (14 March N.S.) 1917", "1 (14) марта 1917 г."),
        (date(1917, 5, 1), "18 April (1 May N.S.) 1917", "18 апреля (1 мая) 1917 г."),
        (date(1917, 11, 7), "25 October (7 November N.S.) 1917", "25 октября (7 ноября) 1917 г."),
        (
            date(1918, 1, 13),
            "31 December 1917 (13 January 1918 N.S.)",
            "31 декабря 1917 (13 января 1918) г.",
        ),
        (date(1918, 2, 14), "14 February 1918", "14 февраля 1918 г."),  # the switch
        (date(2026, 5, 1), "1 May 2026", "1 мая 2026 г."),
    ],
)
def test_dates_in_both_styles(day: date, english: str, russian: str) -> None:
    with i18n.using("en"):
        assert i18n.both_styles(day) == english
    with i18n.using("ru"):
        assert i18n.both_styles(day) == russian


@given(st.dates(min_value=date(1600, 1, 1), max_value=date(1918, 2, 13)))
def test_an_old_style_date_shows_both_days_computed_not_assumed(day: date) -> None:
    year, month, d = cal.old_style(day)
    with i18n.using("en"):
        text = i18n.both_styles(day)
    assert text.startswith(f"{d} ")
    assert f"({day.day} " in text and text.count("N.S.") == 1
    assert str(year) in text and str(day.year) in text
    assert cal.new_style(year, month, d) == day


def test_a_date_is_a_time_element_with_the_new_style_day() -> None:
    moment = datetime(1917, 3, 14, 9, 30, tzinfo=UTC)
    with i18n.using("ru"):
        assert i18n.day(moment) == '<time datetime="1917-03-14">1 (14) марта 1917 г.</time>'
        assert "09:30 UTC" in i18n.moment(moment)


def test_numbers_group_digits_as_each_language_does() -> None:
    with i18n.using("en"):
        assert i18n.number(3000) == "3,000"
        assert i18n.ordinal(2) == "2nd" and i18n.ordinal(12) == "12th"
    with i18n.using("ru"):
        assert i18n.number(3000) == "3\xa0000"
        assert i18n.ordinal(2) == "2-й"


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["en", "ru"]))
def test_whole_numbers_remembered_read_as_babel_writes_them(value: int, language: str) -> None:
    """i18n.number remembers whole numbers per language: the same text as babel's, in each
    language, whichever language asked first."""
    with i18n.using("ru" if language == "en" else "en"):
        i18n.number(value)
    with i18n.using(language):
        assert i18n.number(value) == format_decimal(value, locale=language)
        assert i18n.number(value + 0.5) == format_decimal(value + 0.5, locale=language)


def test_run_time_messages_are_translated_as_plain_text() -> None:
    with i18n.using("ru"):
        assert (
            i18n.translated("wrong username or password") == "неверное имя пользователя или пароль"
        )
        assert i18n.translated("there is no council 12") == "совет 12 не найден"
        assert i18n.translated("no election 7") == "выборы 7 не найдены"
        assert i18n.translated("<b>something unknown</b>") == "<b>something unknown</b>"
        assert type(i18n.translated("no faction")) is str  # escaped where shown, never markup
    with i18n.using("en"):
        assert i18n.translated("there is no council 12") == "there is no council 12"


def test_each_thread_keeps_its_own_language() -> None:
    seen: dict[str, list[str]] = {"en": [], "ru": []}
    barrier = threading.Barrier(8)

    def work(language: str) -> None:
        with i18n.using(language):
            barrier.wait()
            for _ in range(200):
                seen[language].append(i18n.gettext("Councils"))

    threads = [threading.Thread(target=work, args=("en" if i % 2 else "ru",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(seen["en"]) == {"Councils"} and set(seen["ru"]) == {"Советы"}
