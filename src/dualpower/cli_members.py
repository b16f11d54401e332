"""`dualpower invitations` and `dualpower roll` (DESIGN.md 2.10, 4.1): members getting in, and the
roll changing. Thin commands over services/invitations.py and services/roll_changes.py; every
act is a logged operator act. Any error a user can cause: exit 2 and one line on stderr."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Annotated

import typer

from dualpower.cli import fail, system, user_errors
from dualpower.domain.roll import LANGUAGES

invitations_app = typer.Typer(help="Invitations: one-time codes to set a password.")
roll_app = typer.Typer(help="The roll: members join, leave and move between units.")
Unit = Annotated[str, typer.Option(help="The base unit (name or id).")]


def _csv(codes: list, path: Path) -> None:  # type: ignore[type-arg]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["username", "code", "expires_at"])
    for c in codes:
        writer.writerow([c.username, c.code, c.expires_at.isoformat()])
    if str(path) == "-":
        typer.echo(out.getvalue(), nl=False)
        return
    with path.open("x", encoding="utf-8") as file:  # never overwrite an earlier sheet
        file.write(out.getvalue())
    os.chmod(path, 0o600)


@invitations_app.command("issue")
def invitations_issue(
    unit: Annotated[str | None, typer.Option(help="Only this base unit (name or id).")] = None,
    member: Annotated[
        list[str] | None,
        typer.Option("--member", help="Only this member (repeat); also one with a password."),
    ] = None,
    mail: Annotated[bool, typer.Option("--mail", help="Mail each member with an address.")] = False,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="Write username,code,expires_at here ('-': standard output)."),
    ] = None,
    sheet: Annotated[
        Path | None, typer.Option("--sheet", help="Write a printable HTML sheet of slips here.")
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            help="The sheet's language: en or ru (default the federation's); a member with a "
            "language of their own gets their slip in it."
        ),
    ] = None,
) -> None:
    """One-time codes for the members without a password (a new code replaces an unused one).
    With --mail the members with an address are mailed; the others' codes go to --csv/--sheet."""
    from dualpower.services.authority import OPERATOR
    from dualpower.services.invitations import issue_invitations

    if not (mail or csv_file or sheet):
        fail("say where the codes go: --mail, --csv FILE and/or --sheet FILE")
    if language is not None and language not in LANGUAGES:
        fail(f"no language {language!r}: {' or '.join(LANGUAGES)}")
    for target in (csv_file, sheet):
        if target is not None and str(target) != "-" and target.exists():
            fail(f"{target} exists already; codes are written to a new file")
    with user_errors():
        sys_ = system()
        if mail and sys_.mailer is None:
            fail("no mail server: set DUALPOWER_SMTP_HOST (and DUALPOWER_SMTP_PORT ...)")
        codes = issue_invitations(sys_.uow(), unit, usernames=member, mail=mail, actor=OPERATOR)
        mailed = [c for c in codes if mail and c.email]
        rest = [c for c in codes if not (mail and c.email)]
        if csv_file is not None:
            _csv(rest, csv_file)
        if sheet is not None:
            _sheet(sys_, rest, sheet, language)
        if mailed:
            sys_.mailer.drain()
    typer.echo(
        f"issued {len(codes)} code{'' if len(codes) == 1 else 's'}: {len(mailed)} mailed, "
        f"{len(rest)} to print",
        err=str(csv_file) == "-",
    )


def _sheet(sys_, codes: list, path: Path, language: str | None) -> None:  # type: ignore[no-untyped-def, type-arg]
    from dualpower.web.invitation_sheet import sheet

    with sys_.reader() as reader:
        federation = reader.federations.only()
    if language is None:
        language = federation.language if federation else "en"
    base = os.environ.get("DUALPOWER_BASE_URL") or "http://127.0.0.1:8000"
    html = sheet(
        codes, federation=federation.name if federation else "", base_url=base, language=language
    )
    with path.open("x", encoding="utf-8") as file:
        file.write(html)
    os.chmod(path, 0o600)


@roll_app.command("add")
def roll_add(
    username: str,
    name: str,
    unit: Unit,
    email: Annotated[str | None, typer.Option(help="Where mail goes.")] = None,
) -> None:
    """A member joins a unit's roll (then: dualpower invitations issue --member USERNAME)."""
    from dualpower.services.offices import OPERATOR_CALLER
    from dualpower.services.roll_changes import add_member

    with user_errors():
        member_id = add_member(system().uow(), username, name, unit, OPERATOR_CALLER, email=email)
    typer.echo(f"added {username} (member {member_id}) to {unit}")


@roll_app.command("leave")
def roll_leave(username: str) -> None:
    """A member leaves the roll; seats of their unit they held end (by-elections open)."""
    from dualpower.services.offices import OPERATOR_CALLER
    from dualpower.services.roll_changes import end_membership

    with user_errors():
        by = end_membership(system().uow(), username, OPERATOR_CALLER)
    typer.echo(f"{username} left the roll" + (f"; by-elections {by} opened" if by else ""))


@roll_app.command("move")
def roll_move(
    username: str, to: Annotated[str, typer.Option("--to", help="The new unit (name or id).")]
) -> None:
    """A member moves to another unit (history kept); seats of the old unit end."""
    from dualpower.services.offices import OPERATOR_CALLER
    from dualpower.services.roll_changes import transfer

    with user_errors():
        by = transfer(system().uow(), username, to, OPERATOR_CALLER)
    typer.echo(f"{username} moved to {to}" + (f"; by-elections {by} opened" if by else ""))


@roll_app.command("sync")
def roll_sync(
    file: Annotated[Path, typer.Argument(help="CSV with columns username,name[,email].")],
    unit: Unit,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would change.")
    ] = False,
) -> None:
    """Make a unit's roll what the file says (joins, leaves, moves in, new names and
    addresses): every change or none."""
    from dualpower.services.offices import OPERATOR_CALLER
    from dualpower.services.roll_changes import sync

    with user_errors():
        text = file.read_text(encoding="utf-8")
        plan = sync(system().uow(), text, unit, OPERATOR_CALLER, dry_run=dry_run)
    would = "would " if dry_run else ""
    for label, names in (
        ("join", plan.joins),
        ("move in", plan.moves_in),
        ("leave", plan.leaves),
        ("change name", plan.renamed),
        ("change e-mail", plan.new_email),
    ):
        for username in names:
            typer.echo(f"{label}\t{username}")
    typer.echo(
        f"{plan.unit}: {would}{len(plan.joins)} join, {len(plan.moves_in)} move in, "
        f"{len(plan.leaves)} leave, {len(plan.renamed)} change name, "
        f"{len(plan.new_email)} change e-mail; {plan.mandates_ended} mandates {would}end"
        + ("" if dry_run else "; applied")
    )
