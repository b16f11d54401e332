"""Issue 25, defect 7: every refusal a page can show reads in Russian on a Russian page, the
names and numbers it quotes kept (web/i18n.py `translated`; web/i18n_messages.py): those of every
module of domain/, services/ and web/ (but the command line's and the JSON API's, NOT_SHOWN), raised
directly, through a sentence named at the module's top, or returned by a "why not" helper. English
stays as raised. They are found here from the source, so a new one must be translated too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dualpower.domain import errors
from dualpower.web import i18n

ROOT = Path(__file__).resolve().parents[3] / "src/dualpower"
# Refusals no page shows: the founding plan, the roll import and the export are the command
# line's (in English), the log's proofs the JSON API's.
NOT_SHOWN = frozenset(
    {
        "domain/founding.py",
        "domain/apportionment_json.py",
        "services/founding.py",
        "services/plans.py",
        "services/export.py",
        "services/audit.py",
        "web/routes/audit.py",
        "web/ballot_fast_path.py",
    }
)
MODULES = tuple(
    path
    for path in sorted(
        [*ROOT.glob("domain/*.py"), *ROOT.rglob("services/**/*.py"), *ROOT.rglob("web/**/*.py")]
    )
    if path.relative_to(ROOT).as_posix() not in NOT_SHOWN
)
# The errors of domain/errors.py and their kin elsewhere in the domain, raised by name.
ERRORS = frozenset(
    {
        *(
            name
            for name, value in vars(errors).items()
            if isinstance(value, type) and issubclass(value, Exception)
        ),
        "StipendAboveCap",
        "NoQuorum",
        "RateLimited",
        "HTTPException",  # the pages' own: HTTPException(403, "...")
    }
)
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,})+\b")
ENGLISH_WORD = re.compile(r"\b(?!CSV|JSON|API|UTC|RatioRule|FixedSeats|true|false)[A-Za-z]{3,}\b")
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


def _constants(tree: ast.Module) -> dict[str, list[str]]:
    """A module's sentences named once at its top (NOT_ELECTOR = "...", UNVERIFIED = {...})."""
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            values = value.values if isinstance(value, ast.Dict) else [value]
            said = [s for v in values if v is not None and (s := _sample(v)) is not None]
            if isinstance(target, ast.Name) and said:
                found[target.id] = said
    return found


def _raised(node: ast.Call) -> bool:
    """`errors.Conflict(...)`, or `Conflict(...)` imported by name."""
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id in ("errors", "rules") and func.attr in ERRORS
    return isinstance(func, ast.Name) and func.id in ERRORS


def _said(node: ast.expr) -> list[str]:
    """The sentences an expression can say: a text, either branch of a condition, a sum."""
    if isinstance(node, ast.IfExp):
        return [*_said(node.body), *_said(node.orelse)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _said(node.left) for b in _said(node.right)]
    said = _sample(node)
    return [] if said is None else [said]


def _functions() -> dict[str, list[str]]:
    """What each function of the modules returns as text ("why not" helpers)."""
    found: dict[str, list[str]] = {}
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        found.setdefault(node.name, []).extend(_said(inner.value))
    return found


def _called(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return None


def refusals() -> list[str]:
    found: list[str] = []
    functions = _functions()
    for path in MODULES:
        tree = ast.parse(path.read_text())
        constants = _constants(tree)
        assigned = {  # why_not = rules.applicable(...): the refusal a helper returns
            target.id: name
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and (name := _called(node.value)) is not None
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _raised(node)):
                continue
            args = [a for a in node.args if not (isinstance(a, ast.Constant) and a.value is None)]
            if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, int):
                args = args[1:]  # the status of an HTTPException
            if not args:
                continue
            said = args[0]
            if isinstance(said, ast.Subscript):
                said = said.value
            if isinstance(said, ast.Name) and said.id in constants:
                found.extend(constants[said.id])
            elif isinstance(said, ast.Name) and said.id in assigned:
                found.extend(functions.get(assigned[said.id], []))
            elif (name := _called(said)) is not None and name != "str":
                found.extend(functions.get(name, []))
            else:
                found.extend(_said(said))
    return sorted(set(found))


# A refusal whose quoted part is said at run time: the sentence as it reaches a page.
AS_RAISED = {
    f"there is no {SAMPLE} {SAMPLE}": "there is no motion 7",
    f"a recall petition against this mandate is open{SAMPLE}": (
        "a recall petition against this mandate is open (petition 7)"
    ),
    "too many failed logins for this account from this address; try again in "
    f"{SAMPLE} second{SAMPLE}": (
        "too many failed logins for this account from this address; try again in 5 seconds"
    ),
    f"this vote closes{SAMPLE}, or earlier only when every elector has voted "
    f"({SAMPLE} of {SAMPLE} have)": (
        "this vote closes when every elector has voted, or earlier only when every elector "
        "has voted (3 of 9 have)"
    ),
}
# These quote a number (i18n._MISSING, _AT_MOST).
NUMBERED = re.compile(rf"(?:(?:there is )?no [a-z ]+|choose at most) {SAMPLE}(?: candidates)?")


def test_the_structure_refusals_are_found() -> None:
    found = refusals()
    assert len(found) >= 340
    assert len(MODULES) >= 150
    assert f"only the deputies of {SAMPLE} propose a change of its structure" in found


@pytest.mark.parametrize("english", refusals())
def test_each_structure_refusal_reads_in_russian(english: str) -> None:
    english = AS_RAISED.get(english, english)
    if NUMBERED.fullmatch(english):
        english = english.replace(SAMPLE, "7")
    with i18n.using("ru"):
        said = i18n.translated(english)
    assert said != english
    left = said.replace(SAMPLE, " ")
    # the kinds of change and the majorities are the API's words, quoted as they are typed
    left = re.sub(r"\b(?:add_unit|split_unit|merge_units|move_unit|add_council)\b", " ", left)
    left = re.sub(r"\b(?:simple|absolute|two_thirds|dualpower init)\b", " ", left)
    assert not ENGLISH_RUN.findall(left), said
    # nor one English word ("a decision — одно из"), but for what is quoted as typed: the API's
    # names ('unit', unit_id, {"voters": ...}, `dualpower init --plan`) and the method's words
    bare = re.sub(r"'[^']*'|\"[^\"]*\"|«[^»]*»|`[^`]*`|\{[^}]*\}|\([a-z_]+\)", " ", left)
    bare = re.sub(r"\w*_\w*|#\w+|--\w+", " ", bare)
    assert not ENGLISH_WORD.findall(bare), said
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
