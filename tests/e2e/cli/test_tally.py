"""`dualpower tally` as a whole process: every method, the JSON shape, and exit status 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
EXE = Path(sys.executable).with_name("dualpower")
DUALPOWER = str(EXE) if EXE.exists() else shutil.which("dualpower")

BLT = """4 2
60 1 2 0
20 1 3 0
25 2 0
30 3 0
15 4 2 0
0
"Alice"
"Bob"
"Carol"
"Dave"
"Test ward"
"""
PARTIES = "party,votes\nReds,954048\nGreens,811169\nBlues,678051\nSmall,20385\n"
RANKED = ["plurality", "block", "approval", "irv", "stv-scottish", "stv-meek"]
PARTY = ["dhondt", "sainte-lague", "hare"]


def tally(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert DUALPOWER, "the dualpower console script is not installed"
    return subprocess.run(
        [DUALPOWER, "tally", *map(str, args)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def blt(tmp_path: Path) -> Path:
    path = tmp_path / "ward.blt"
    path.write_text(BLT)
    return path


@pytest.fixture
def parties(tmp_path: Path) -> Path:
    path = tmp_path / "lists.csv"
    path.write_text(PARTIES)
    return path


@pytest.mark.parametrize("method", RANKED)
def test_ranked_methods_json(blt: Path, method: str) -> None:
    seats = ["--seats", "1"] if method == "irv" else []
    proc = tally(blt, "--method", method, "--json", *seats)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"method", "seats", "winners", "rounds", "ballots"} <= set(out)
    assert out["method"] == method
    assert out["ballots"] == 150
    assert out["seats"] == (1 if method == "irv" else 2)  # the BLT header says 2
    assert len(out["winners"]) == out["seats"]
    assert set(out["winners"]) <= {"Alice", "Bob", "Carol", "Dave"}
    assert out["rounds"] and all("totals" in r for r in out["rounds"])
    assert "allocation" not in out


def test_known_winners(blt: Path) -> None:
    def winners(*args: str) -> list[str]:
        proc = tally(blt, "--json", *args)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["winners"]

    assert winners("--method", "plurality", "--seats", "1") == ["Alice"]
    assert winners("--method", "block") == ["Bob", "Alice"]
    assert winners("--method", "stv-meek") == ["Alice", "Bob"]
    assert winners("--method", "irv") == ["Alice"]


@pytest.mark.parametrize("method", PARTY)
def test_party_list_methods_json(parties: Path, method: str) -> None:
    proc = tally(parties, "--method", method, "--seats", "12", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["method"] == method and out["seats"] == 12
    assert sum(out["allocation"].values()) == 12
    assert set(out["allocation"]) == {"Reds", "Greens", "Blues", "Small"}
    assert len(out["winners"]) == 12
    assert out["ballots"] == 954048 + 811169 + 678051 + 20385


def test_dhondt_order_and_threshold(parties: Path) -> None:
    out = json.loads(tally(parties, "--method", "dhondt", "--seats", "5", "--json").stdout)
    assert out["winners"] == ["Reds", "Greens", "Blues", "Reds", "Greens"]
    with_threshold = tally(
        parties, "--method", "sainte-lague", "--seats", "100", "--threshold", "0.05", "--json"
    )
    assert json.loads(with_threshold.stdout)["allocation"]["Small"] == 0
    without = tally(parties, "--method", "sainte-lague", "--seats", "100", "--json")
    assert json.loads(without.stdout)["allocation"]["Small"] == 1


def test_first_divisor(tmp_path: Path) -> None:
    path = tmp_path / "se.csv"
    path.write_text("party,votes\nA,30\nB,12\n")
    plain = tally(path, "--method", "sainte-lague", "--seats", "2", "--json")
    swedish = tally(
        path, "--method", "sainte-lague", "--seats", "2", "--first-divisor", "1.2", "--json"
    )
    assert json.loads(plain.stdout)["allocation"] == {"A": 1, "B": 1}
    assert json.loads(swedish.stdout)["allocation"] == {"A": 2, "B": 0}


def test_rctab_file() -> None:
    proc = tally(SHARED / "data/irv-us/duplicate_test.blt", "--method", "irv", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["winners"] == ["Kumquat"]


def test_table_output(blt: Path) -> None:
    proc = tally(blt, "--method", "stv-meek")
    assert proc.returncode == 0, proc.stderr
    assert "Alice" in proc.stdout and "Elected: Alice, Bob" in proc.stdout
    party = tally(blt.with_name("x.csv"), "--method", "dhondt", "--seats", "2")
    assert party.returncode == 2


def test_party_table_output(parties: Path) -> None:
    proc = tally(parties, "--method", "hare", "--seats", "7")
    assert proc.returncode == 0, proc.stderr
    assert "Reds" in proc.stdout and "Allocation" in proc.stdout


def test_csv_and_json_ballots(tmp_path: Path) -> None:
    csv = tmp_path / "b.csv"
    csv.write_text("Alice,Bob\nBob\nBob,Alice\n")
    js = tmp_path / "b.json"
    js.write_text(json.dumps({"candidates": ["A", "B"], "ballots": [{"ranking": ["B"]}]}))
    assert json.loads(tally(csv, "--method", "irv", "--json").stdout)["winners"] == ["Bob"]
    out = tally(js, "--method", "plurality", "--format", "json", "--json")
    assert json.loads(out.stdout)["winners"] == ["B"]


def _fails(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stdout
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("dualpower tally: error:")
    for word in words:
        assert word in last


def test_exit_2_on_bad_arguments(blt: Path, parties: Path) -> None:
    _fails(tally(blt, "--method", "borda"), "borda")
    _fails(tally(blt, "--method", "irv", "--seats", "0"), "--seats")
    _fails(tally(blt, "--method", "stv-meek", "--seats", "-2"), "--seats")
    _fails(tally(blt, "--method", "stv-meek", "--seats", "9"), "seats")
    _fails(tally(blt, "--method", "irv", "--seats", "2"), "irv")
    _fails(tally(blt, "--method", "irv", "--seats", "two"))
    _fails(tally(blt, "--seats", "1"), "--method")
    _fails(tally(parties, "--method", "dhondt", "--seats", "3", "--threshold", "1"), "threshold")
    _fails(tally(parties, "--method", "dhondt", "--seats", "3", "--threshold", "-0.1"))
    _fails(tally(parties, "--method", "dhondt"), "seats")
    _fails(tally(parties, "--method", "sainte-lague", "--seats", "3", "--first-divisor", "x"))
    _fails(tally(parties, "--method", "sainte-lague", "--seats", "3", "--first-divisor", "0"))
    _fails(tally(blt, "--method", "irv", "--threshold", "0.1"), "threshold")
    _fails(tally(blt, "--method", "irv", "--format", "xml"))


def test_exit_2_on_bad_files(tmp_path: Path, blt: Path) -> None:
    _fails(tally(tmp_path / "missing.blt", "--method", "irv"), "missing.blt")
    _fails(tally(tmp_path, "--method", "irv"))
    bad = tmp_path / "bad.blt"
    bad.write_text('3 1\n4 1 2 0\n2 1 7 0\n0\n"A"\n"B"\n"C"\n')
    _fails(tally(bad, "--method", "irv"), "line 3")
    header = tmp_path / "header.blt"
    header.write_text("three one\n")
    _fails(tally(header, "--method", "irv"), "line 1")
    votes = tmp_path / "votes.csv"
    votes.write_text("party,votes\nA,10\nB,lots\n")
    _fails(tally(votes, "--method", "dhondt", "--seats", "2"), "line 3")
    binary = tmp_path / "junk.json"
    binary.write_bytes(b"\x00\xff{{")
    _fails(tally(binary, "--method", "irv"))
