"""`dualpower structure` (DESIGN.md 2.10): units added, split, merged and moved, councils added,
by the operator while founding (before the chief council first sits), each a logged operator
act. Afterwards the council concerned decides by motion (services/structure.py) and these
commands are refused.
Thin commands over services/structure.py; any error a user can cause: exit 2 and one line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dualpower.cli import fail, system, user_errors

structure_app = typer.Typer(
    help="Units added, split, merged and moved, councils added, while founding."
)


def _ref(value: str) -> str | int:
    return int(value) if value.isdigit() else value


def _apply(change: dict[str, Any]) -> dict[str, Any]:
    from dualpower.services.authority import OPERATOR
    from dualpower.services.structure import apply_as_operator

    with user_errors():
        return apply_as_operator(system().uow(), change, actor=OPERATOR)


@structure_app.command("add-unit")
def add_unit(
    name: str,
    council: Annotated[str, typer.Option(help="The council it elects to (name or id).")],
    kind: Annotated[str, typer.Option(help="Its kind (as in the plan's units).")],
    section: Annotated[str, typer.Option(help="Its section (as in the plan's units).")],
) -> None:
    """A new base unit with an empty roll; it gets seats at its first election."""
    ref: str | int = int(council) if council.isdigit() else council
    done = _apply(
        {"kind": "add_unit", "name": name, "unit_kind": kind, "section": section, "council": ref}
    )
    typer.echo(f"unit {done['unit']} {name!r} added to council {done['council']}")


@structure_app.command("split-unit")
def split_unit(
    unit: str,
    into: Annotated[str, typer.Option("--into", help="The new unit's name.")],
    members: Annotated[
        Path, typer.Option(help="The usernames that move to the new unit, one a line.")
    ],
) -> None:
    """Split a unit: the members listed move to a new unit of the same council, kind and
    section, with their history kept; mandates stand until the next election."""
    try:
        lines = members.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {members}: {error}")
    usernames = [line.strip() for line in lines if line.strip()]
    done = _apply({"kind": "split_unit", "unit": unit, "name": into, "members": usernames})
    typer.echo(
        f"{len(done['members'])} members moved from unit {done['unit']} to the new unit "
        f"{done['new_unit']} {into!r}"
    )


@structure_app.command("merge-units")
def merge_units(
    unit: str, into: Annotated[str, typer.Option("--into", help="The unit that absorbs it.")]
) -> None:
    """Merge a unit into another of the same council: all its members move, with their history
    kept; the emptied unit gets no seat at its next election, mandates stand until then."""
    done = _apply({"kind": "merge_units", "unit": unit, "into": into})
    typer.echo(f"{len(done['members'])} members moved from unit {done['unit']} to {done['into']}")


@structure_app.command("move-unit")
def move_unit(
    unit: str,
    council: Annotated[str, typer.Option(help="The council it moves to (name or id).")],
) -> None:
    """Move a unit, its roll and its electorate to another council; its seats and mandates stand
    until its next election, held in the new council."""
    done = _apply({"kind": "move_unit", "unit": _ref(unit), "council": _ref(council)})
    typer.echo(
        f"unit {done['unit']} moved from council {done['from']} to council {done['council']}"
    )


@structure_app.command("add-council")
def add_council(
    name: str,
    parent: Annotated[str, typer.Option(help="The council it elects to (name or id).")],
) -> None:
    """A new council under a parent, with the parent's rules and standing orders and no unit yet
    (add units to it, or move units into it)."""
    done = _apply({"kind": "add_council", "name": name, "parent": _ref(parent)})
    typer.echo(f"council {done['council']} {name!r} added under council {done['parent']}")
