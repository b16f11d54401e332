"""Languages of the pages: English (the source text) and Russian (web/locale/ru, a Babel
catalogue). A request's language is the `dp_lang` cookie the switch sets, else the best match of
the browser's Accept-Language, else English. The language of the request being rendered lives in a
ContextVar, so concurrent requests (sync routes run in a thread pool, each with a copy of the
context) never see each other's. Dates and numbers are formatted by Babel for the language; a date
before Russia's switch of calendars is given in both styles (domain/calendar_styles.py).

The JSON API stays English.
"""

from __future__ import annotations

import gettext as _gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_datetime, get_month_names
from babel.numbers import format_currency, format_decimal, get_currency_precision
from babel.support import Translations
from jinja2 import Environment, pass_context
from markupsafe import Markup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualpower.domain import calendar_styles as cal
from dualpower.domain.cycle import PLAIN_MOMENT
from dualpower.domain.speakers import steward_post_of
from dualpower.services import motion_titles

LANGUAGES = {"en": "English", "ru": "Русский"}
DEFAULT = "en"
COOKIE = "dp_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("dualpower_language", default=DEFAULT)


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


@cache
def translations(language: str) -> _gettext.NullTranslations:
    if language == DEFAULT:
        return _gettext.NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def current() -> str:
    return _current.get()


@contextmanager
def using(language: str) -> Iterator[None]:
    """Render in `language` within the block (in this thread or task only)."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def negotiate(accept_language: str | None) -> str | None:
    """The best of our languages for an Accept-Language header (RFC 9110 12.5.4), or None."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary == "*":
            primary = DEFAULT
        if primary in LANGUAGES and weight > 0:
            candidate = (-weight, position, primary)
            best = candidate if best is None or candidate < best else best
    return best[2] if best else None


def language_of(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    return negotiate(accept_language) or DEFAULT


def language_of_scope(scope: Scope) -> str:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    cookie = None
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            cookie = value
    return language_of(cookie, headers.get("accept-language"))


class LanguageMiddleware:
    """Sets the request's language for everything below it (a plain ASGI middleware, so the
    ContextVar is set in the task that runs the route) and says which language a page is in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        # The JSON API stays English; its pictures (SVG, shown in the pages) follow the reader.
        if scope["type"] != "http" or (
            path.startswith(("/api/", "/static/")) and not path.endswith(".svg")
        ):
            await self.app(scope, receive, send)
            return
        language = language_of_scope(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-language", language.encode()))
                headers.append((b"vary", b"Accept-Language, Cookie"))
                message = {**message, "headers": headers}
            await send(message)

        with using(language):
            await self.app(scope, receive, send_with_headers)


# Translation callables for the templates (jinja2.ext.i18n, newstyle).


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current()).npgettext(context, singular, plural, n)


_MISSING = re.compile(r"(?:there is )?no ([a-z ]+) (\d+)")
# A ballot's refusal by its method (domain/vote_methods.py), said with the number's plural.
N_("choose one candidate")
_AT_MOST = re.compile(r"choose at most (\d+) candidates")


def translated(message: Any) -> str:
    """A message known only at run time (an error's detail, a title from a table), translated if
    the catalogue has it (web/i18n_messages.py); plain text, escaped like any value (never
    trusted as markup). "no council 5" keeps its number."""
    if not message:
        return ""
    text = str(message)
    found = gettext(text)
    if found == text and (at_most := _AT_MOST.fullmatch(text)) is not None:
        n = int(at_most.group(1))
        return ngettext(
            "choose at most %(num)s candidate", "choose at most %(num)s candidates", n
        ) % {"num": n}
    if found == text and (missing := _MISSING.fullmatch(text)) is not None:
        msgid = f"no {missing.group(1)} %(id)s"
        pattern = gettext(msgid)
        if pattern != msgid:
            return pattern % {"id": missing.group(2)}
    if found == text and current() != DEFAULT:
        return _naming(text)
    return found


_QUOTED = re.compile(r"'(.*)'")


@cache
def _naming_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """web/i18n_messages.py NAMING as patterns over the English raised: "no council %(name)s"
    matches "no council 'East'" (read late: that module marks its messages with this one's N_)."""
    from dualpower.web.i18n_messages import NAMING

    compiled = []
    for sentence in NAMING:
        parts = re.split(r"%\((\w+)\)s", sentence)  # text, name, text, name, ..., text
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        compiled.append((re.compile(regex, re.DOTALL), sentence))
    return tuple(compiled)


def _naming(text: str) -> str:
    """A refusal that quotes what it refuses, in the page's language with the names kept (an
    office, a capability and a standing order said in it too)."""
    for pattern, sentence in _naming_patterns():
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = {}
        for name, value in found.groupdict().items():
            unquoted = value[1:-1] if _QUOTED.fullmatch(value) else value
            if name == "field":
                values[name] = pgettext("field", value)
            elif name == "order":
                values[name] = pgettext("standing order", value)
            elif name == "office":
                values[name] = f"«{office(unquoted)}»"
            elif name == "capability":
                values[name] = f"«{gettext(unquoted)}»"
            elif name in ("what", "when"):  # " when every elector has voted": the space kept
                said = value.lstrip()
                values[name] = value[: len(value) - len(said)] + translated(said)
            elif name == "status":
                values[name] = status(value)
            elif name in ("span", "delay"):
                values[name] = _duration(value)
            elif name in ("amount", "cap", "total") and value.replace(",", "").isdigit():
                values[name] = number(int(value.replace(",", "")))  # "12,050": 12 050
            elif unquoted != value:
                values[name] = f"«{unquoted}»"
            else:
                values[name] = value
        return gettext(sentence) % values
    return text


_SPAN = re.compile(r"(\d+) (second|minute|hour)s?")


def _duration(text: str) -> str:
    """A rate limit's span or wait ("10 minutes", "hour", "1 second"; domain/limits.py) in the
    page's language, with the number's plural."""
    found = _SPAN.fullmatch(text)
    if found is None:
        return gettext(text)
    n, unit = int(found.group(1)), found.group(2)
    return ngettext(f"%(num)s {unit}", f"%(num)s {unit}s", n) % {"num": n}


NO_FACTION = "no faction"  # the name views give the seats of deputies without a faction


def faction(name: Any) -> str:
    """A faction's name as it is, but "no faction" in the page's language."""
    if not name or name == NO_FACTION:
        return gettext("no faction")
    return str(name)


def office(name: Any) -> str:
    """An office's name in the page's language where the product made the name: a session's
    steward ("steward 1 of session 10", domain/speakers.py) and the standard offices of
    web/i18n_messages.py OFFICES; a name a federation typed itself shows as typed."""
    text = str(name or "")
    post = steward_post_of(text)
    if post is not None:
        session, number = post
        return gettext("steward %(num)s of session %(session)s") % {
            "num": number,
            "session": session,
        }
    return pgettext("office", text) if text else ""


def _field(view: Any, name: str) -> Any:
    """A view's field, of a dict or a dataclass."""
    return view.get(name) if isinstance(view, dict) else getattr(view, name, None)


def motion_title(motion: Any) -> str:
    """A motion's title (a view's dict with `title` and `title_as`) in the page's language: the
    product's title built again from its kind and parameters (services/motion_titles.py), a title
    a member typed as typed. An English page shows the title as stored, as the API does."""
    spec = _field(motion, "title_as")
    if not spec or current() == DEFAULT:
        return str(_field(motion, "title") or "")
    return motion_titles.render(spec, _words())


def motion_text(motion: Any) -> str:
    """A motion's text (a view's dict with `text` and `title_as`) in the page's language: the
    product's text built again from the same spec as its title (motion_titles.has_body), any
    other text as written. An English page shows the text as stored."""
    spec = _field(motion, "title_as")
    if not motion_titles.has_body(spec) or current() == DEFAULT:
        return str(_field(motion, "text") or "")
    return motion_titles.render_body(spec, _words())


def _words() -> motion_titles.Words:
    """How the page's language says the product's titles and texts (motion_titles.Words)."""
    return motion_titles.Words(
        gettext=gettext,
        ngettext=lambda singular, plural, n: ngettext(singular, plural, n),
        office=office,
        capability=gettext,
        position=status,
        money=money,
        quote=lambda text: f"«{text}»",
        standing_order=lambda word: pgettext("standing order", word),
    )


def holder(mandate: Any) -> str:
    """Whom a recall petition is against: a deputy's name, or an official's "Name (office)"
    with the office in the page's language (a view's `holder_person` and `office`)."""
    person, post = _field(mandate, "holder_person"), _field(mandate, "office")
    if person is not None and post:
        return f"{person} ({office(post)})"
    return str(_field(mandate, "holder_name") or "")


# Formatting for the language.


def number(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is int:  # seats and members: a page prints the same few thousand times
        return _whole(value, current())
    return format_decimal(value, locale=current())


@lru_cache(maxsize=8192)
def _whole(value: int, language: str) -> str:
    """A whole number as `language` writes it (babel's format_decimal, remembered: the alignment
    page formats ~1,800 numbers a view, and babel took a third of its rendering)."""
    return format_decimal(value, locale=language)


def money(minor: Any, currency: str | None = None) -> str:
    """An amount kept in the currency's minor unit (kopecks, cents), as the language writes
    money: "₽120.50" in English, "120,50 ₽" in Russian. XXX (no currency named) shows the
    amount alone, with the decimals of a minor unit of a hundredth."""
    if minor is None:
        return ""
    code = (currency or "XXX").upper()
    places = 2 if code == "XXX" else get_currency_precision(code)
    amount = Decimal(int(minor)).scaleb(-places)
    if code == "XXX":
        return format_decimal(amount, format=f"#,##0.{'0' * places}", locale=current())
    return format_currency(amount, code, locale=current())


def status(value: Any) -> str:
    """A status or a vote's position (web/i18n_messages.py STATUSES), in the page's language."""
    return pgettext("status", str(value))


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th; in Russian 1-й, 2-й."""
    if current() == "ru":
        return f"{n}-й"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10 if n % 100 not in (11, 12, 13) else 0, "th")
    return f"{n}{suffix}"


def _month(month: int) -> str:
    return str(get_month_names("wide", "format", current())[month])


def _new_style_day(day: date) -> str:
    if current() == "ru":
        return f"{day.day} {_month(day.month)} {day.year} г."
    return f"{day.day} {_month(day.month)} {day.year}"


def both_styles(day: date) -> str:
    """A date before Russia's switch of calendars as the sources give it, Old Style first:
    "1 March (14 March N.S.) 1917"; in Russian "1 (14) марта 1917 г." as Russian historians write
    it. A later date in the New Style alone."""
    if not cal.is_old_style_era(day):
        return _new_style_day(day)
    year, month, d = cal.old_style(day)
    russian = current() == "ru"
    if year != day.year:
        os_text = f"{d} {_month(month)} {year}"
        ns_text = f"{day.day} {_month(day.month)} {day.year}"
        if russian:
            return f"{os_text} ({ns_text}) г."
        return f"{os_text} ({ns_text} N.S.)"
    if russian:
        if month == day.month:
            return f"{d} ({day.day}) {_month(month)} {year} г."
        return f"{d} {_month(month)} ({day.day} {_month(day.month)}) {year} г."
    return f"{d} {_month(month)} ({day.day} {_month(day.month)} N.S.) {year}"


def _parsed(value: Any) -> Any:
    """A read model may give a moment as the API writes it (RFC 3339 text), a notice as people
    read it (domain/cycle.py `plain_moment`): read it back."""
    if not isinstance(value, str):
        return value
    if value.endswith(" UTC"):
        return datetime.strptime(value, PLAIN_MOMENT).replace(tzinfo=UTC)
    return datetime.fromisoformat(value)


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    return value


def day(value: date | datetime | str | None) -> Markup:
    """A date as a <time> element, in both styles where Russia still kept the Old Style."""
    if value is None:
        return Markup("")
    d = _as_date(_parsed(value))
    return Markup('<time datetime="{}">{}</time>').format(d.isoformat(), both_styles(d))


def moment(value: datetime | str | None) -> Markup:
    """A date and time (UTC), with the date in both styles where it is of the Old Style era."""
    if value is None:
        return Markup("")
    parsed: datetime = _parsed(value)
    at = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    at = at.astimezone(UTC)
    clock = format_datetime(at, "HH:mm", tzinfo=UTC, locale=current())
    return Markup('<time datetime="{}">{}, {} UTC</time>').format(
        at.isoformat(), both_styles(at.date()), clock
    )


_DOUBLE_STOP = " г.</time>."


def _one_stop(translate: Any) -> Any:
    """A Russian date ends in "г." (год): a sentence that ends on such a date takes no second
    full stop ("7 декабря 2026 г.", never "г..")."""

    @pass_context
    def translated_once(context: Any, *args: Any, **variables: Any) -> Any:
        text = translate(context, *args, **variables)
        if _DOUBLE_STOP not in text:
            return text
        fixed = str(text).replace(_DOUBLE_STOP, " г.</time>")  # str: Markup would escape
        return Markup(fixed) if isinstance(text, Markup) else fixed

    return translated_once


def install(env: Environment) -> None:
    from dualpower.web.round_notes import round_note  # it reads this module's gettext

    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):
        env.globals[name] = _one_stop(env.globals[name])
    env.filters.update(
        {
            "translated": translated,
            "faction": faction,
            "office": office,
            "motion_title": motion_title,
            "motion_text": motion_text,
            "holder": holder,
            "num": number,
            "money": money,
            "status": status,
            "ordinal": ordinal,
            "day": day,
            "moment": moment,
            "round_note": round_note,
        }
    )
    env.globals.update({"languages": LANGUAGES, "N_": N_})
