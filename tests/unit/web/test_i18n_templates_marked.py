"""Issue 25, defect 7: no template carries English text outside the translation calls, so no
page can show an English sentence in Russian that the catalogue never saw (the catalogue test,
tests/unit/web/test_i18n_catalogue.py, then holds every marked one translated)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[3] / "src/dualpower/web/templates"
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
UNSHOWN = re.compile(r"<(script|style|code|pre)\b.*?</\1>", re.S)
SHOWN_ATTRIBUTE = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')
TAG = re.compile(r"<[^>]*>", re.S)
WORD = re.compile(r"[A-Za-z]{2,}")


def literal_english(source: str) -> list[str]:
    """Words a reader sees that no translation call wraps (paths like /api/v1/pay aside)."""
    text = UNSHOWN.sub(" ", JINJA.sub(" ", source))
    shown = SHOWN_ATTRIBUTE.findall(text) + [TAG.sub(" ", text)]
    tokens = [t for chunk in shown for t in chunk.split() if "/" not in t]
    return [w for t in tokens for w in WORD.findall(t)]


def test_literal_english_is_found() -> None:
    assert literal_english('<h2 aria-label="Main">Text</h2>{{ _("Fine") }}') == ["Main", "Text"]
    assert literal_english('<a href="/x">/api/v1/pay</a>{% if a %}{# note #}{% endif %}') == []


def test_no_template_shows_english_outside_the_translation_calls() -> None:
    found = {
        str(path.relative_to(TEMPLATES)): words
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (words := literal_english(path.read_text(encoding="utf-8")))
    }
    assert len(list(TEMPLATES.rglob("*.html"))) > 30
    assert not found, found
