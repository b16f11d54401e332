"""`dualpower elections open-founding` and `dualpower due` (DESIGN.md 2.9, 4.1): thin entry
points over services/cycle.py and services/due.py."""

from __future__ import annotations

import typer

from dualpower.cli import system, user_errors

elections_app = typer.Typer(help="Elections of deputies.", no_args_is_help=True)


@elections_app.command("open-founding")
def open_founding() -> None:
    """Open every base unit's founding election (the bootstrap, a logged operator act); the
    clock opens each next level's when the level below is seated."""
    from dualpower.services.cycle import open_founding as run

    with user_errors():
        opened = run(system().uow())
    if not opened:
        typer.echo("no founding election to open: every base unit has or had one")
        return
    typer.echo(f"opened {len(opened)} founding election(s): {', '.join(map(str, opened))}")


def due() -> None:
    """Do once whatever is due (closes, recall votes, next founding levels); print each act."""
    from dualpower.services.due import run_due

    with user_errors():
        done = run_due(system().uow)
    for act in done:
        typer.echo(str(act))
    typer.echo(f"{len(done)} act(s) done")
