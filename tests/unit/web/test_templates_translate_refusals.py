"""Issue 25, defect 7: a page prints a refusal in its reader's language. Every template that
shows an `error` passes it through the `translated` filter (web/i18n.py), directly or through a
variable set from it; printed raw, a Russian page would show the service's English."""

from __future__ import annotations

import re
from pathlib import Path

import dualpower.web

TEMPLATES = Path(dualpower.web.__file__).parent / "templates"
PRINTED = re.compile(r"{{-?\s*(error\b[^}]*)}}")


def test_every_printed_error_is_translated() -> None:
    raw = [
        f"{path.relative_to(TEMPLATES)}: {{{{ {shown.strip()} }}}}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for shown in PRINTED.findall(path.read_text(encoding="utf-8"))
        if "|translated" not in shown.replace(" ", "")
    ]
    assert raw == []


def test_the_check_sees_a_raw_error() -> None:
    assert PRINTED.findall('<p role="alert">{{ error }}</p>') == ["error "]
    assert PRINTED.findall("{{ error[:1]|upper }}") == ["error[:1]|upper "]
