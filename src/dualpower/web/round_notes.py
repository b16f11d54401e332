"""A count's round notes in the page's language (issue 25, defect 7).

The counting engine explains each round in one English line (counting/, also in the result JSON
and the export, which stay English). A page shows it in the reader's language: the line is cut
at "; " into its parts, each part read by the pattern of a sentence the engine writes, and said
again from the catalogue; a part no pattern knows stays as written. Candidates' names are put in
before (services/views.py), so the patterns take any text where a name stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dualpower.web.i18n import gettext, ngettext

_Say = Callable[[re.Match[str]], str]


def _block(m: re.Match[str]) -> str:
    n = int(m["n"] or 1)
    if n == 1:
        return gettext("one vote for its first choice; elected: %(names)s") % {"names": m["names"]}
    return ngettext(
        "one vote for each of its first %(num)s choice; elected: %(names)s",
        "one vote for each of its first %(num)s choices; elected: %(names)s",
        n,
    ) % {"num": n, "names": m["names"]}


def _tie(m: re.Match[str]) -> str:
    return gettext(
        "tie at %(votes)s votes between %(names)s; lot (seed %(seed)s) elected %(elected)s"
    ) % {"votes": m["votes"], "names": m["names"], "seed": m["seed"], "elected": m["elected"]}


def _excluded(m: re.Match[str]) -> str:
    if m["tie"]:
        return gettext("%(name)s excluded: lowest total, tie broken") % {"name": m["name"]}
    return gettext("%(name)s excluded: lowest total") % {"name": m["name"]}


_WHOLE: tuple[tuple[re.Pattern[str], _Say], ...] = (
    # plurality and block (counting/plurality.py), with the tie the lot broke, if any
    (
        re.compile(
            r"one vote for (?:its first choice|each of its first (?P<n>\d+) choices?); "
            r"(?P<names>.+?) elected(?: \((?P<tie>tie at .+)\))?"
        ),
        lambda m: _block(m) + (f" ({_part(m['tie'])})" if m["tie"] else ""),
    ),
)

_PARTS: tuple[tuple[re.Pattern[str], _Say], ...] = (
    (
        re.compile(
            r"tie at (?P<votes>\d+) votes between (?P<names>.+); "
            r"lot \(seed (?P<seed>\d+)\) elected (?P<elected>.+)"
        ),
        _tie,
    ),
    (re.compile(r"first preferences"), lambda m: gettext("first preferences")),
    (
        re.compile(r"surplus of (?P<name>.+) transferred"),
        lambda m: gettext("surplus of %(name)s transferred") % {"name": m["name"]},
    ),
    (re.compile(r"(?P<name>.+) excluded: lowest total(?P<tie>, tie broken)?"), _excluded),
    (
        re.compile(r"the remaining candidates fill the remaining seats"),
        lambda m: gettext("the remaining candidates fill the remaining seats"),
    ),
)


def _part(text: str) -> str:
    for pattern, say in _PARTS:
        if (m := pattern.fullmatch(text)) is not None:
            return say(m)
    return text


def round_note(note: str) -> str:
    """The note in the page's language; English notes the engine writes awkwardly ("its first
    1 choices") read rightly in English too."""
    if not note:
        return ""
    for pattern, say in _WHOLE:
        if (m := pattern.fullmatch(note)) is not None:
            return say(m)
    return "; ".join(_part(p) for p in note.split("; "))
