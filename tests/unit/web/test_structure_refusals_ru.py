"""Issue 25, defect 7: the refusals of structure changes (domain/structure.py and
services/structure.py), and of the motions the product drafts (stipends, stances, instructions,
standing orders, capabilities), read in Russian on a Russian page, the names they quote kept, as
the other domain errors do (web/i18n.py `translated`; web/i18n_messages.py); English stays as
raised. Every refusal those modules raise is found here from their source, so a new one must be
translated too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dualpower.web import i18n

ROOT = Path(__file__).resolve().parents[3] / "src/dualpower"
MODULES = tuple(
    ROOT / path
    for path in (
        "domain/structure.py",
        "services/structure.py",
        "services/stipends.py",
        "services/stance_motions.py",
        "services/instructions.py",
        "services/standing_orders.py",
        "services/capability_motions.py",
        "domain/standing_orders.py",
    )
)
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,})+\b")
SAMPLE = "Zzq"  # stands for a name or a number the refusal quotes


def _sample(node: ast.expr) -> str | None:
    """The refusal an `errors.X(...)` argument says, with SAMPLE for each value it quotes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return None
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        else:
            assert isinstance(value, ast.FormattedValue)
            parts.append(repr(SAMPLE) if value.conversion == ord("r") else SAMPLE)
    return "".join(parts)


def refusals() -> list[str]:
    found = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "errors"
                and node.args
            ):
                said = _sample(node.args[0])
                if said is not None:
                    found.append(said)
    return sorted(set(found))


def test_the_structure_refusals_are_found() -> None:
    found = refusals()
    assert len(found) >= 20
    assert f"only the deputies of {SAMPLE} propose a change of its structure" in found


@pytest.mark.parametrize("english", refusals())
def test_each_structure_refusal_reads_in_russian(english: str) -> None:
    if re.fullmatch(r"(?:there is )?no (?:breach|directive) Zzq", english):
        english = english.replace(SAMPLE, "7")  # these quote a number (i18n._MISSING)
    with i18n.using("ru"):
        said = i18n.translated(english)
    assert said != english
    left = said.replace(SAMPLE, " ")
    # the kinds of change and the majorities are the API's words, quoted as they are typed
    left = re.sub(r"\b(?:add_unit|split_unit|merge_units|move_unit|add_council)\b", " ", left)
    left = re.sub(r"\b(?:simple|absolute|two_thirds|dualpower init)\b", " ", left)
    assert not ENGLISH_RUN.findall(left), said
    assert SAMPLE in said or SAMPLE not in english, said
    assert "7" in said or "7" not in english, said
    with i18n.using("en"):
        assert i18n.translated(english) == english


def test_names_are_kept_and_quoted_the_russian_way() -> None:
    with i18n.using("ru"):
        said = i18n.translated("there is a council 'East' already")
        assert "«East»" in said and "'" not in said
        said = i18n.translated("Forge and Mill are units of different councils: move one first")
        assert "Forge" in said and "Mill" in said
        said = i18n.translated("the chair does not have the capability 'report wages'")
        assert said == "у должности «председатель» нет полномочия «сообщать заработки»"
        said = i18n.translated("recall_trigger_bp is at most 10000")
        assert said.startswith("порог петиции об отзыве")
        # a message of another topic is not mistaken for one of these
        assert i18n.translated("no council 5") == "совет 5 не найден"
