"""Issue 25, defect 7: a Russian sentence that ends on a date ends with the date's own "г."
(7 декабря 2026 г.), not "г.."; English keeps its full stop."""

from __future__ import annotations

from datetime import date

from jinja2 import Environment

from dualpower.web import i18n


def _render(language: str) -> str:
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    i18n.install(env)
    page = env.from_string(
        '{{ _("Recorded %(day)s.", day=d|day) }} '
        '{{ pgettext("x", "Recorded %(day)s.", day=d|day) }}'
    )
    with i18n.using(language):
        return page.render(d=date(2026, 12, 7))


def test_no_double_full_stop_after_a_russian_date() -> None:
    russian = _render("ru")
    assert "г.." not in russian and "г.</time>" in russian
    english = _render("en")
    assert english.count("2026</time>.") == 2
