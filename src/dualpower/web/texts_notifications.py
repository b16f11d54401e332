"""Notifications in the page's language (issue 25, defect 7). The services store a notification's
subject as an English sentence, which the JSON API and e-mail give as it is; a page reads it back
against the sentences below (the services' own, with their names as placeholders) and shows the
translation with the same names. A subject no sentence matches shows as stored."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from markupsafe import Markup, escape

from dualpower.web.i18n import N_, gettext, moment, motion_title, pgettext

SENTENCES = (
    N_("An election of deputies to %(council)s is open: nominations until %(at)s"),
    N_("A by-election for a seat in %(council)s is open"),
    N_(
        "The by-election for a seat in %(council)s was closed uncounted: the general election "
        "%(id)s gave every seat"
    ),
    N_("A recall petition against your deputy was opened"),
    N_("A recall petition against an official of %(council)s was opened"),
    N_("A recall vote on your deputy is open"),
    N_("An election for the office %(office)s of %(council)s is open"),
    N_("An initiative from below is on your council's agenda: “%(title)s”"),
    N_("Your deputy voted %(position)s on “%(title)s” against your instruction (%(instructed)s)"),
    N_("A reply to you on %(title)s"),
    N_("Your faction's statement on %(title)s"),
    N_("You were drawn by lot to decide report %(id)s"),
    N_("A panel referred report %(id)s to the credentials committee"),
    N_("Report %(id)s: %(decision)s"),
    N_(
        "The server's operator set a new password for your account; your other sessions were "
        "ended. If you did not ask for it, set your own password now"
    ),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    compiled = []
    for sentence in SENTENCES:
        parts = _PLACEHOLDER.split(sentence)  # text, name, text, name, ..., text
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        compiled.append((re.compile(regex, re.DOTALL), sentence))
    return tuple(compiled)


def _value(name: str, value: str) -> Markup:
    if name == "at":
        return moment(value)
    if name in ("position", "instructed"):
        return escape(pgettext("status", value))
    if name == "decision":
        return escape(pgettext("decision", value))
    if name == "office":
        return escape(value.strip("'\""))
    return escape(value)


def subject(stored: str, about: Any = None) -> Markup:
    """The stored subject in the page's language, names and dates kept; the title of the motion
    it is `about` (notify.inbox), when the product wrote it, said in the page's language too."""
    for pattern, sentence in _patterns():
        found = pattern.fullmatch(stored)
        if found is not None:
            values = {k: _value(k, v) for k, v in found.groupdict().items()}
            if about and found.groupdict().get("title") == about["title"]:
                values["title"] = escape(motion_title(about))
            return Markup(escape(gettext(sentence)) % values)
    return escape(stored)
