"""`dualpower paper ballots|signatures`: the electoral commission's paper sheets entered from a
file (DESIGN.md 2.9; services/paper.py).

Entering votes is never the operator's own power (DESIGN.md 2.4: no superuser): the command
acts for a member of the commission, named by `--as`, whose own password it asks for (or reads
from standard input with `--password-stdin`); the commission's capability is checked in the
act's transaction as on the pages. The entries are logged with that member as actor and marked
as operator acts (they came through the server's command line). A bad file: exit 2 with one
line on stderr, nothing entered.

The founding elections are the one exception (the bootstrap, DESIGN.md 2.4): no commission
exists yet, so `--operator` enters a founding election's ballots as the operator's own act,
logged with the actor `operator`; in any other election it is refused.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from dualpower.cli import fail, system, user_errors

paper_app = typer.Typer(
    help="Votes on paper: the electoral commission's ballots and signature sheets.",
    no_args_is_help=True,
)
As = Annotated[
    str, typer.Option("--as", help="Your username: a member of the electoral commission.")
]
AsOrOperator = Annotated[
    str | None, typer.Option("--as", help="Your username: a member of the electoral commission.")
]
Operator = Annotated[
    bool,
    typer.Option(
        "--operator",
        help="Enter a founding election's ballots as the operator (no commission exists yet).",
    ),
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read your password from standard input.")
]
File = Annotated[Path, typer.Argument(help="The sheet: JSON or CSV (see docs/paper.md).")]


def _commissioner(sys_, username: str, password_stdin: bool):  # type: ignore[no-untyped-def]
    from dualpower.services import accounts, paper

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt(f"password of {username}", hide_input=True)
    )
    member = accounts.check_password(sys_.uow(), username, password, address="command line")
    return paper.Enterer(member.id, by_command_line=True)


@paper_app.command("ballots")
def ballots(
    election: Annotated[int, typer.Argument(help="The election's id.")],
    file: File,
    as_: AsOrOperator = None,
    operator: Operator = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Enter a meeting's paper ballots and the members who voted on paper: all or none."""
    from dualpower.domain.paper import ballot_sheet
    from dualpower.services import paper

    if operator == (as_ is not None):
        fail("name the commissioner with --as USERNAME, or --operator in a founding election")
    with user_errors():
        sheet = ballot_sheet(file.read_text(encoding="utf-8-sig"))
        sys_ = system()
        by = paper.Enterer.operator() if as_ is None else _commissioner(sys_, as_, password_stdin)
        cmd = paper.PaperBallots(election, sheet.voters, sheet.ballots)
        entered = paper.enter_ballots(sys_.uow(), cmd, by)
    typer.echo(f"entered {entered.ballots} paper ballot(s) in election {election}; receipts:")
    for receipt in entered.receipts:
        typer.echo(receipt)


@paper_app.command("signatures")
def signatures(
    recall: Annotated[int, typer.Argument(help="The recall petition's id.")],
    file: File,
    as_: As,
    password_stdin: PasswordStdin = False,
) -> None:
    """Enter a recall petition's paper signature sheet: all or none."""
    from dualpower.domain.paper import signature_sheet
    from dualpower.services import paper

    with user_errors():
        members = signature_sheet(file.read_text(encoding="utf-8-sig"))
        sys_ = system()
        by = _commissioner(sys_, as_, password_stdin)
        state = paper.enter_signatures(sys_.uow(), paper.PaperSignatures(recall, members), by)
    typer.echo(
        f"entered {len(members)} paper signature(s) on petition {recall}: {state.signatures} "
        f"of {state.threshold}, {state.status}"
    )
