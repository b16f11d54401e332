"""The printable sheet of invitations (DESIGN.md 2.10): one slip a member, to cut and hand out at
a meeting, each in its member's own language (`IssuedCode.language`), else in the sheet's (the
CLI's --language, by default the federation's)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from dualpower.domain.invitations import IssuedCode
from dualpower.web.texts_members import TEXTS, texts

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates" / "invitations"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def sheet(
    codes: Sequence[IssuedCode],
    *,
    federation: str,
    base_url: str,
    language: str = "en",
) -> str:
    """The HTML of the sheet."""

    def lang_of(code: IssuedCode) -> str:
        chosen = code.language or language
        return chosen if chosen in TEXTS else "en"

    return _env.get_template("sheet.html").render(
        codes=codes,
        federation=federation,
        base_url=base_url.rstrip("/"),
        lang=language if language in TEXTS else "en",
        t=texts(language),
        texts=lambda code: texts(lang_of(code)),
        c_lang=lang_of,
    )
