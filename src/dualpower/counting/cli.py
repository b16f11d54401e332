"""`dualpower tally FILE --method METHOD ...` (DESIGN.md sections 3 and 4.1).

Called by `dualpower.entry` before Typer is imported, so that a count runs as a lean process:
argparse, NumPy and the counting package only; rich is imported for the table output alone.
Any error a user can cause ends with exit status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import NoReturn

from dualpower.counting import (
    METHODS,
    PARTY_LIST_METHODS,
    PRECISIONS,
    TIE_RULES,
    BallotFileError,
    CountError,
    CountResult,
    PartyVotes,
    Profile,
    Round,
    check_candidates,
    count,
    default_seats,
)

PROG = "dualpower tally"


class UsageError(Exception):
    """A bad argument: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> _Parser:
    p = _Parser(prog=PROG, description="Count a ballot file and explain the count round by round.")
    p.add_argument("file", metavar="FILE", help="ballots (BLT, CSV or JSON) or party,votes CSV")
    p.add_argument("--method", required=True, metavar="METHOD", help=" | ".join(METHODS))
    p.add_argument("--seats", type=int, help="seats to fill (default: the BLT header, or 1)")
    p.add_argument("--format", choices=("blt", "csv", "json"), help="default: from the suffix")
    p.add_argument("--threshold", type=float, default=0.0, metavar="SHARE", help="party lists")
    p.add_argument("--first-divisor", default="1", metavar="D", help="sainte-lague's first")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--seed", type=int, default=0, help="seed of the lot for unbroken ties")
    p.add_argument(
        "--ties",
        choices=TIE_RULES,
        default=TIE_RULES[0],
        help="tie rule of the ranked methods: look back then lot (default), lot alone, or the "
        "candidates' order (a [tie] line of the BLT file when present)",
    )
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=PRECISIONS[0],
        help="stv-meek: float64 (default) or exact rational arithmetic",
    )
    return p


def _check(args: argparse.Namespace) -> None:
    if args.method not in METHODS:
        raise UsageError(f"unknown method {args.method!r}; choose one of {', '.join(METHODS)}")
    if args.seats is not None and args.seats < 1:
        raise UsageError(f"--seats must be at least 1, not {args.seats}")
    if not 0 <= args.threshold < 1:
        raise UsageError(f"--threshold must be a share in [0, 1), not {args.threshold:g}")
    try:
        divisor = float(args.first_divisor)
    except ValueError:
        raise UsageError(f"--first-divisor must be a number, not {args.first_divisor!r}") from None
    if not divisor > 0:
        raise UsageError(f"--first-divisor must be positive, not {args.first_divisor}")
    party = args.method in PARTY_LIST_METHODS
    if not party and (args.threshold != 0 or divisor != 1):
        raise UsageError("--threshold and --first-divisor apply only to party-list methods")
    if party and args.format not in (None, "csv"):
        raise UsageError(f"{args.method} reads a CSV of party,votes, not {args.format}")
    if party and args.ties != TIE_RULES[0]:
        raise UsageError("--ties applies only to ranked methods")
    if args.precision != PRECISIONS[0] and args.method != "stv-meek":
        raise UsageError("--precision applies only to stv-meek (the other methods are exact)")


def _read(args: argparse.Namespace) -> Profile | PartyVotes:
    from dualpower.counting.readers import blt_candidates, read_party_votes, read_profile

    if args.method in PARTY_LIST_METHODS:
        return read_party_votes(args.file)
    candidates = blt_candidates(args.file, args.format)
    if candidates is not None:  # too many: refused before a million ballots are read
        check_candidates(args.method, candidates)
    return read_profile(args.file, args.format)


def run(args: argparse.Namespace) -> CountResult:
    data = _read(args)
    seats = args.seats if args.seats is not None else default_seats(data, args.method)
    return count(
        data,
        args.method,
        seats,
        seed=args.seed,
        threshold=args.threshold,
        first_divisor=args.first_divisor,
        ties=args.ties,
        precision=args.precision,
    )


def main(argv: list[str]) -> int:
    """Run `dualpower tally` with `argv` (without the word `tally`); return the exit status."""
    try:
        args = _parser().parse_args(argv)
        _check(args)
        result = run(args)
    except UsageError as exc:
        return _fail(str(exc))
    except (BallotFileError, CountError) as exc:
        return _fail(str(exc))
    except FileNotFoundError as exc:
        return _fail(f"{exc.filename}: no such file")
    except IsADirectoryError as exc:
        return _fail(f"{exc.filename}: is a directory, not a ballot file")
    except OSError as exc:
        return _fail(f"{getattr(exc, 'filename', None) or argv[0]}: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        return _fail(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
    except (ValueError, MemoryError, OverflowError, RecursionError) as exc:
        return _fail(str(exc) or type(exc).__name__)
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        print_table(result)
    return 0


def run_and_exit(argv: list[str]) -> NoReturn:
    """`main`, then end the process at once (the console script): a count's arrays and the
    interpreter's modules need no tearing down, which would cost a tenth of a fast count."""
    code = main(argv)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: as Python's own exit reports a failed flush
        code = 120
    os._exit(code)


def _fail(message: str) -> int:
    line = " ".join(message.split())
    sys.stderr.write(f"{PROG}: error: {line}\n")
    return 2


def print_table(result: CountResult) -> None:
    """The count as a rich table: candidates by rounds (lists by seats for party lists)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    title = f"{result.method}: {result.seats} seat(s), {result.ballots} ballots"
    if result.allocation is not None:
        table = Table("Round", "Elected", "Excluded", "Note", title=title)
        for r in result.rounds:
            table.add_row(str(r.number), ", ".join(r.elected), ", ".join(r.excluded), r.note)
        console.print(table)
        seats = Table("Party", "Seats", title="Allocation")
        for party, n in result.allocation.items():
            seats.add_row(party, str(n))
        console.print(seats)
    else:
        table = Table("Candidate", *(f"R{r.number}" for r in result.rounds), title=title)
        names = list(dict.fromkeys(n for r in result.rounds for n in r.totals))
        for name in names:
            table.add_row(name, *(_cell(r, name) for r in result.rounds))
        table.add_row("non-transferable", *(f"{r.non_transferable:g}" for r in result.rounds))
        console.print(table)
        for r in result.rounds:
            console.print(f"R{r.number}: {r.note}", highlight=False)
    if result.quota is not None:
        console.print(f"Quota: {result.quota}", highlight=False)
    for tie in result.ties:
        console.print(f"Tie: {tie}", highlight=False)
    console.print(f"Elected: {', '.join(result.winners)}", highlight=False)


def _cell(r: Round, name: str) -> str:
    if name not in r.totals:
        return ""
    mark = " elected" if name in r.elected else " excluded" if name in r.excluded else ""
    return f"{r.totals[name]:g}{mark}"
