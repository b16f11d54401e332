"""`dualpower tally` on hostile files (issue 26): exact at 2^63 - 1, 2^63 and 10^30 or exit 2
with one line; duplicate names, no valid ballot, sizes past the limits; --ties; --precision."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("dualpower")
DUALPOWER = str(EXE) if EXE.exists() else shutil.which("dualpower")
RANKED = ["plurality", "block", "approval", "irv", "stv-scottish", "stv-meek"]
WINNER = {"plurality": "A", "block": "A", "approval": "B"}  # the others: B (see test_exact.py)


def tally(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert DUALPOWER, "the dualpower console script is not installed"
    return subprocess.run(
        [DUALPOWER, "tally", *map(str, args)], capture_output=True, text=True, timeout=60
    )


def refused(run: subprocess.CompletedProcess[str], words: str) -> None:
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in run.stderr


@pytest.mark.slow  # 24 processes
@pytest.mark.parametrize("w", [2**63 - 1, 2**63, 10**30])
def test_every_method_is_exact_or_refuses_huge_weights(tmp_path: Path, w: int) -> None:
    blt = tmp_path / "huge.blt"
    blt.write_text(f'3 1\n{w} 1 0\n{w - 1} 2 0\n2 3 2 0\n0\n"A"\n"B"\n"C"\n')
    for method in RANKED:
        run = tally(blt, "--method", method, "--seats", "1", "--json")
        if method == "stv-meek":
            refused(run, "--precision exact")
            run = tally(blt, "--method", method, "--precision", "exact", "--json")
        assert run.returncode == 0, (method, run.stderr)
        out = json.loads(run.stdout)
        assert out["winners"] == [WINNER.get(method, "B")], method
        assert out["ballots"] == 2 * w + 1
    parties = tmp_path / "parties.csv"
    parties.write_text(f"party,votes\nX,{w}\nY,{w - 1}\n")
    for method in ("dhondt", "sainte-lague", "hare"):
        run = tally(parties, "--method", method, "--seats", "3", "--json")
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["allocation"] == {"X": 2, "Y": 1}


def test_refusals_are_one_line_with_exit_2(tmp_path: Path) -> None:
    twice = tmp_path / "twice.blt"
    twice.write_text('2 1\n3 1 0\n2 2 0\n0\n"Ann"\n"Ann"\n')
    refused(tally(twice, "--method", "irv"), "line 6: candidate name 'Ann' given twice")
    empty = tmp_path / "empty.blt"
    empty.write_text("2 1\n5 0\n0\nA\nB\n")
    for method in RANKED:
        refused(tally(empty, "--method", method, "--seats", "1"), "no valid ballot")
    big = tmp_path / "seats.csv"
    big.write_text("party,votes\nX,10\nY,5\n")
    refused(tally(big, "--method", "dhondt", "--seats", "100000000"), "at most 10,000 seats")
    refused(tally(big, "--method", "dhondt", "--seats", "2", "--ties", "lot"), "--ties")
    refused(tally(empty, "--method", "irv", "--precision", "exact"), "only to stv-meek")


def test_ties_and_precision_options_are_recorded(tmp_path: Path) -> None:
    blt = tmp_path / "tie.blt"
    blt.write_text("3 1\n[tie 2 1 3]\n3 1 0\n3 2 0\n5 3 0\n0\nA\nB\nC\n")
    out = json.loads(tally(blt, "--method", "irv", "--ties", "order", "--json").stdout)
    assert out["rounds"][0]["excluded"] == ["A"]
    assert out["tie_rule"] == "order" and out["seed"] == 0
    out = json.loads(tally(blt, "--method", "irv", "--seed", "5", "--json").stdout)
    assert out["tie_rule"] == "backward-then-lot" and out["seed"] == 5 and len(out["ties"]) == 1
    run = tally(blt, "--method", "stv-meek", "--precision", "exact", "--ties", "order", "--json")
    out = json.loads(run.stdout)
    assert out["precision"].startswith("exact") and out["winners"] == ["C"]
    refused(tally(blt, "--method", "irv", "--ties", "coin"), "--ties")
