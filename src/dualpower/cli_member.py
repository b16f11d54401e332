"""`dualpower member ...`: the operator's acts on one member's record (DESIGN.md 2.11)."""

from __future__ import annotations

from typing import Annotated

import typer

from dualpower.cli import system, user_errors

member_app = typer.Typer(help="A member's record: forgetting their personal data.")


@member_app.command("forget")
def forget(username: Annotated[str, typer.Argument(help="The member's username.")]) -> None:
    """Erase a member's personal data (name, username, e-mail, password, sessions, wages
    reported); the log, which names them by number, still verifies. Refused while they hold a
    mandate or an office. A logged operator act."""
    from dualpower.services.authority import OPERATOR
    from dualpower.services.forget import forget_member

    with user_errors():
        done = forget_member(system().uow(), username, actor=OPERATOR)
    kept = " (their name stays on the offices they held)" if done.kept_name else ""
    typer.echo(f"forgot member {done.member_id}{kept}")
