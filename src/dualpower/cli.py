"""The `dualpower` command (DESIGN.md 4.1): thin entry points over the services.

Any error a user can cause ends with exit status 2 and one line on stderr. `tally` is dispatched
before this module is imported (see entry.py); it is listed here for `--help`.

A command imports its services when it runs: the command tree and `--help` load neither the
database stack nor the services (tests/e2e/cli/test_cli_startup.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from dualpower.domain.errors import DomainError

app = typer.Typer(
    help="Council democracy: deputies elected from below and recallable at the first demand.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


def fail(message: str) -> NoReturn:
    typer.echo(f"dualpower: {message}", err=True)
    raise typer.Exit(2)


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as error:
        fail(str(error))
    except (OSError, ValueError) as error:
        fail(str(error))
    except Exception as error:
        if not _is_unusable_database(error):
            raise
        fail(f"cannot use the database: {error.orig}")  # type: ignore[attr-defined]


def _is_unusable_database(error: Exception) -> bool:
    """SQLAlchemy's OperationalError, looked up only if a command loaded SQLAlchemy (an error
    raised before it did cannot be one)."""
    exc = sys.modules.get("sqlalchemy.exc")
    return exc is not None and isinstance(error, exc.OperationalError)


def system(default_url: str | None = None, *, create: bool = False):  # type: ignore[no-untyped-def]
    """The database, refused unless its schema is this release's (`dualpower migrate`);
    `create` (init) gives a database with no tables its schema."""
    from dualpower import clock
    from dualpower.bootstrap import open_existing
    from dualpower.store.db import DEFAULT_URL

    if not create:
        _refuse_a_missing_default(default_url or DEFAULT_URL)
    sys_ = open_existing(default=default_url or DEFAULT_URL, create=create)
    clock.resume_demo(sys_)  # the demo's world keeps its own time, from 1917 on
    return sys_


def _refuse_a_missing_default(default_url: str) -> None:
    """With no DUALPOWER_DATABASE_URL, a command on the default SQLite file that is not there
    creates no empty one: it says what there is to open (issue 25: `serve` after `demo`)."""
    from sqlalchemy.engine import make_url

    from dualpower.store.db import DEMO_URL, database_url

    url = make_url(database_url(default_url))
    if url.get_backend_name() != "sqlite" or not url.database or Path(url.database).exists():
        return
    if url.database.startswith((":memory:", "file::memory:")):
        return  # refused as such when the engine is made (store/db.py)
    hint = "run `dualpower init` to found a federation, or `dualpower demo` for the demo"
    demo = make_url(DEMO_URL).database
    if demo and Path(demo).exists():
        hint += f"; to serve the demo built here: DUALPOWER_DATABASE_URL={DEMO_URL} dualpower serve"
    raise ValueError(f"there is no database at {url.database} (DUALPOWER_DATABASE_URL): {hint}")


@app.command()
def init(
    plan: Annotated[
        Path | None, typer.Option(help="A founding plan (JSON) to found the federation with.")
    ] = None,
) -> None:
    """Create a new database's schema; with --plan, found the federation (the bootstrap act).
    An existing database is upgraded by `dualpower migrate` alone."""
    with user_errors():
        founding = None
        if plan is not None:  # a bad plan is refused before the database is touched
            from dualpower.domain.founding import check_plan
            from dualpower.services.plans import plan_from_json

            founding = plan_from_json(plan.read_text(encoding="utf-8"))
            check_plan(founding)
        sys_ = system(create=True)
        if founding is not None:
            from dualpower.services.founding import found_federation

            found_federation(sys_.uow(), founding)
            typer.echo(f"founded the federation of {plan}")
        typer.echo(f"database ready: {sys_.engine.url.render_as_string(hide_password=True)}")


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the pages and the API."""
    with user_errors():
        sys_ = system()
    _serve(sys_, host, port)


def _serve(sys_, host: str, port: int) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    from dualpower import clock
    from dualpower.cli_ops import describe, proxies
    from dualpower.web.app import create_app
    from dualpower.web.observability import configure_logging
    from dualpower.web.warm import settle

    clock.start(sys_)
    if sys_.mailer is not None:  # notices any process wrote, mailed from here
        sys_.mailer.watch(clock.interval() * 10)
    typer.echo(describe(sys_))
    typer.echo(f"serving on http://{host}:{port}/")
    configure_logging()  # JSON lines on stderr (web/observability.py)
    served = create_app(sys_)
    settle()  # templates and languages loaded, the heap frozen: no long pass of the collector
    uvicorn.run(
        served,
        host=host,
        port=port,
        log_config=None,
        access_log=False,  # our own access lines carry the request id
        proxy_headers=True,
        forwarded_allow_ips=proxies(),  # X-Forwarded-* believed only from these
        timeout_graceful_shutdown=5,
    )


@app.command()
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build, then exit.")] = False,
    host: Host = "127.0.0.1",
    port: Port = 8000,
) -> None:
    """(Re)build the Petrograd 1917 scenario, then serve it (password of every member: demo)."""
    from rich.console import Console

    from dualpower.scenarios.petrograd import build_demo
    from dualpower.store.db import DEMO_URL, database_url

    with user_errors(), Console(stderr=True).status("building the demo") as status:
        sys_, summary = build_demo(
            database_url(DEMO_URL), lambda step: status.update(f"building the demo: {step}")
        )
    typer.echo(summary)
    if not no_serve:
        from dualpower import clock

        clock.resume_demo(sys_)  # served, the demo's time runs on from its last act
        _serve(sys_, host, port)


@app.command("import-roll")
def import_roll(
    file: Annotated[Path, typer.Argument(help="CSV with columns username,name[,unit].")],
    unit: Annotated[str | None, typer.Option(help="The base unit (name or id).")] = None,
) -> None:
    """Add the members of a roll file to a base unit: all rows or none."""
    from dualpower.services.authority import OPERATOR
    from dualpower.services.roll import import_roll as run

    with user_errors():
        text = file.read_text(encoding="utf-8")
        added = run(system().uow(), text, unit, actor=OPERATOR, is_operator=True)
    typer.echo(f"imported {added} members")


@app.command()
def check() -> None:
    """Verify the invariants of DESIGN.md 2.1-2.4 over the whole database."""
    from dualpower.services.check import check as run

    with user_errors():
        problems = run(system().uow())
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        typer.echo(f"{len(problems)} violation(s)", err=True)
        raise typer.Exit(1)
    typer.echo("every invariant holds")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check that no entry of the audit log was rewritten, inserted or dropped."""
    from dualpower.services.audit import verify_log

    with user_errors():
        report = verify_log(system().engine)
    if not report.ok:
        typer.echo(f"audit log broken: {report.reason}", err=True)
        raise typer.Exit(1)
    typer.echo(report.reason)


@app.command()
def export(
    directory: Annotated[
        Path, typer.Argument(help="Where to write the JSON files (new or empty).")
    ],
) -> None:
    """Write the public record as JSON files: never a secret ballot's voter."""
    from dualpower.services.export import export as run

    with user_errors():
        names = run(system().reader(), directory)
    typer.echo(f"wrote {len(names)} files to {directory}")


@app.command()
def passwd(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a member's password (an operator act, logged): the member is told, every session and
    token of theirs ends, and acts in sessions opened with it are marked in the log until they
    set their own. Prefer `dualpower invitations issue --member USERNAME`."""
    from dualpower.services.authority import OPERATOR
    from dualpower.services.credentials import operator_set_password

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    )
    with user_errors():
        ended = operator_set_password(system().uow(), username, password, actor=OPERATOR)
    typer.echo(f"password set for {username}; the member is told; {ended} sessions ended")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def tally(ctx: typer.Context) -> None:
    """Count a ballot file: dualpower tally FILE --method METHOD [--seats N] [--json] ..."""
    from dualpower.counting.cli import main

    raise typer.Exit(main(list(ctx.args)))


# -- offices (DESIGN.md 2.4): reading, and the operator's few acts, each logged as one -----------
# No superuser: the operator creates an office (no holder, no stipend) and files a unit's wage
# report; holders come only from the council's elections, stipends only from its motions.
office_app = typer.Typer(help="Offices, their holders and stipends.", no_args_is_help=True)
app.add_typer(office_app, name="office")


@office_app.command("list")
def office_list(
    council: Annotated[int | None, typer.Option(help="Only this council's offices.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
) -> None:
    """Offices with their holders, stipends and capabilities (public)."""
    import json

    from dualpower.services.offices_views import office_listing

    with user_errors():
        rows = office_listing(system().reader(), council)
    if as_json:
        keys = ("id", "council_id", "name", "holder_id", "stipend", "capabilities", "cap")
        typer.echo(json.dumps([{k: r[k] for k in keys} for r in rows]))
        return
    for r in rows:
        holder = f"{r['holder_name']} (member {r['holder_id']})" if r["holder_id"] else "vacant"
        cap = "unknown" if r["cap"] is None else f"{r['cap']:,}"
        rights = ", ".join(r["capabilities"]) or "-"
        typer.echo(
            f"{r['id']}\t{r['council_name']}\t{r['name']}\t{holder}\t"
            f"stipend {r['stipend']:,} (cap {cap})\t{rights}"
        )
    if not rows:
        typer.echo("no offices")


@office_app.command("create")
def office_create(
    council: Annotated[int, typer.Argument(help="The council's id.")],
    name: Annotated[str, typer.Argument(help="The office's name, e.g. 'secretary'.")],
    capability: Annotated[
        list[str] | None, typer.Option("--capability", help="A capability it carries; repeat.")
    ] = None,
) -> None:
    """Create an office of a council (an operator act, logged): vacant until the council elects
    its holder, at a stipend of 0 until the council adopts a stipend motion."""
    from dualpower.services.authority import OPERATOR
    from dualpower.services.offices import create_office

    with user_errors():
        office_id = create_office(system().uow(), council, name, capability or [], by=OPERATOR)
    typer.echo(f"created office {office_id}: vacant until the council elects its holder")


@office_app.command("report-wages")
def office_report_wages(
    file: Annotated[Path, typer.Argument(help="Lines of username,amount (monthly wages).")],
    unit: Annotated[str, typer.Option(help="The base unit (name or id).")],
) -> None:
    """File a base unit's whole wage report (an operator act, logged): it replaces the unit's
    previous one; stipends above a lower cap come down in the same act."""
    from dualpower.domain.offices import parse_wages
    from dualpower.services.offices import OPERATOR_CALLER, report_named_wages
    from dualpower.services.offices_views import unit_id

    with user_errors():
        wages = parse_wages(file.read_text(encoding="utf-8-sig"))
        sys_ = system()
        cap = report_named_wages(sys_.uow(), unit_id(sys_.reader(), unit), wages, OPERATOR_CALLER)
    typer.echo(f"reported {len(wages)} wages; the federation's cap is {cap:,}")


from dualpower.cli_member import member_app  # noqa: E402  (it imports the helpers above)

app.add_typer(member_app, name="member")

from dualpower.cli_cycle import due, elections_app  # noqa: E402  (it imports the helpers above)

app.add_typer(elections_app, name="elections")
app.command()(due)


# -- members getting in, and the roll changing (DESIGN.md 2.10): cli_members.py -----------------
from dualpower.cli_members import invitations_app, roll_app  # noqa: E402

app.add_typer(invitations_app, name="invitations", no_args_is_help=True)
app.add_typer(roll_app, name="roll", no_args_is_help=True)

# -- structure changes while founding (DESIGN.md 2.10): cli_structure.py ------------------------
from dualpower.cli_structure import structure_app  # noqa: E402

app.add_typer(structure_app, name="structure", no_args_is_help=True)


# -- operating the database (issue 23): cli_ops.py ----------------------------------------------
from dualpower.cli_ops import backup, migrate, restore  # noqa: E402

for _command in (migrate, backup, restore):
    app.command()(_command)


# -- votes on paper, entered by the electoral commission (DESIGN.md 2.9): cli_paper.py ----------
from dualpower.cli_paper import paper_app  # noqa: E402

app.add_typer(paper_app, name="paper")
