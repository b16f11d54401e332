"""The `dualpower` console script.

`dualpower tally` must start fast (it is measured against other counters as a whole process),
so it is dispatched before Typer, the web stack or the database stack are imported.
"""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "tally":
        from dualpower.counting.cli import run_and_exit

        run_and_exit(argv[1:])
    from dualpower.cli import app

    app(prog_name="dualpower")
