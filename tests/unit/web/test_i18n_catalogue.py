"""The Russian catalogue (src/dualpower/web/locale): every message the templates and web/*.py
mark has a Russian translation; the compiled .mo says what the .po says; no translation drops or
invents a placeholder or a tag. Refresh with `pybabel extract -F babel.cfg -k N_ --no-location
--sort-output -o src/dualpower/web/locale/messages.pot .`, `pybabel update -N -i ... -d
src/dualpower/web/locale`, translate, `pybabel compile -d src/dualpower/web/locale`."""

from __future__ import annotations

import gettext
import re
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "src/dualpower/web/locale/ru/LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%|\{\w+\}")
TAG = re.compile(r"</?([a-z]+)")


@cache
def catalogue() -> Catalog:
    with (LOCALE / "messages.po").open("rb") as f:
        return read_po(f, locale="ru")


def _key(context: str | None, msgid: str | tuple[str, ...]) -> tuple[str | None, str]:
    return context, msgid if isinstance(msgid, str) else msgid[0]


@cache
def extracted() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = dict(DEFAULT_KEYWORDS) | {"N_": None}
    return {
        _key(context, msgid)
        for _, _, msgid, _, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }


def _strings(message: Message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def _ids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def test_every_marked_message_has_a_russian_translation() -> None:
    translated = {
        _key(m.context, m.id)
        for m in catalogue()
        if m.id and not m.fuzzy and all(s.strip() for s in _strings(m))
    }
    assert len(extracted()) > 300  # the extraction found the templates at all
    missing = sorted(extracted() - translated, key=str)
    assert not missing, f"{len(missing)} messages lack a Russian translation: {missing[:20]}"


def test_russian_plurals_have_all_three_forms() -> None:
    assert catalogue().num_plurals == 3
    for m in catalogue():
        if m.pluralizable and m.id:
            assert len(_strings(m)) == 3 and all(_strings(m)), m.id


def test_translations_keep_every_placeholder_and_tag() -> None:
    bad = []
    for m in catalogue():
        if not m.id:
            continue
        source = _ids(m)[-1]
        for string in _strings(m):
            # A plural's singular may say "one" in words where the plural says %(num)s.
            wanted = sorted(set(PLACEHOLDER.findall(source)) - {"%(num)s"})
            got = sorted(set(PLACEHOLDER.findall(string)) - {"%(num)s"})
            if wanted != got or sorted(TAG.findall(source)) != sorted(TAG.findall(string)):
                bad.append(source)
    assert not bad, bad


def test_the_compiled_catalogue_says_what_the_po_says() -> None:
    with (LOCALE / "messages.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for m in catalogue():
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, str):
            got = compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id)
            if got != m.string:
                stale.append(m.id)
        else:
            for n, string in zip((1, 2, 5), _strings(m), strict=True):
                if m.context:
                    got = compiled.npgettext(m.context, m.id[0], m.id[1], n)
                else:
                    got = compiled.ngettext(m.id[0], m.id[1], n)
                if got != string:
                    stale.append(m.id[0])
    assert not stale, f"messages.mo is older than messages.po; run pybabel compile: {stale[:10]}"
