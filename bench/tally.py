"""Benchmark `dualpower tally` against pyrankvote and VoteKit (a script, not a test).

    .venv/bin/python bench/tally.py [--ballots 1000000] [--repeat 3] [--workdir DIR]
                                    [--no-scottish] [--no-baselines] [--limits]

1. Generates `--ballots` ranked ballots over 12 candidates from a Plackett-Luce model (fixed seed;
   each ballot truncated to a length drawn uniformly from 1 to 12) and writes them as BLT with
   ONE LINE PER BALLOT, weight 1 (not grouped: grouping is the reader's job, and is timed).
2. For IRV and 3-seat STV, runs each contender as a fresh process and records its wall time and
   peak memory (max RSS from `os.wait4` of that very child):
   - `dualpower tally FILE --method irv|stv-scottish --json` (the console script);
   - pyrankvote: a plain BLT parse grouped with `collections.Counter`, one `Ballot` per distinct
     ranking repeated by its weight, `instant_runoff_voting` / `single_transferable_vote`;
   - VoteKit: the same parse, a `RankProfile` built from a DataFrame of the distinct rankings with
     their weights, `FastIRV` / `FastSTV(n_seats=3)` (fractional transfer, Droop quota).
   Inside each child the read (parse + building the library's objects) and the count alone are
   timed too; the whole-process figure is the parent's wall clock around the child.
3. Counts every Scottish file (`shared/data/scottish-stv/ballots/**/*.blt`) with stv-scottish
   in one process and reports the total time.

With `--limits` it measures the size limits of `dualpower.counting` instead (issue 26): files
of `--ballots` ballots with 1-6 preferences over many candidates (Zipf-like worths, fixed seed),
counted once each as a fresh process: irv and stv-scottish at `MAX_CANDIDATES`, stv-meek at
`MAX_MEEK_CANDIDATES`, and irv with 100,000 candidates (refused: exit status 2, one line).

Figures are the best of `--repeat` runs; ratios are baseline / dualpower (above 1: we are faster
or smaller).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CANDIDATES = 12
SEED = 20170417
DUALPOWER = str(Path(sys.executable).with_name("dualpower"))


# ---------------------------------------------------------------- the ballot file


def generate(path: Path, n: int) -> int:
    """Write `n` Plackett-Luce ballots as BLT, one line each; return the distinct rankings."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    support = rng.gamma(1.0, 1.0, CANDIDATES)  # Plackett-Luce worths, fixed by the seed
    # Gumbel-max: sorting log-worth + Gumbel noise samples a Plackett-Luce ranking.
    keys = np.log(support) + rng.gumbel(size=(n, CANDIDATES))
    order = np.argsort(-keys, axis=1) + 1
    lengths = rng.integers(1, CANDIDATES + 1, n)
    lines = [
        "1 " + " ".join(map(str, row[:k])) + " 0"
        for row, k in zip(order.tolist(), lengths.tolist(), strict=True)
    ]
    names = "\n".join(f'"Candidate {chr(65 + i)}"' for i in range(CANDIDATES))
    path.write_text(f"{CANDIDATES} 3\n" + "\n".join(lines) + f'\n0\n{names}\n"Bench"\n')
    return len(set(lines))


def generate_wide(path: Path, candidates: int, n: int) -> None:
    """Write `n` ballots of 1-6 distinct preferences over `candidates` (worths ~ Gamma(0.5))."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    worth = rng.gamma(0.5, 1.0, candidates)
    picks = rng.choice(candidates, size=(n, 6), p=worth / worth.sum()) + 1
    lengths = rng.integers(1, 7, n)
    lines = [
        "1 " + " ".join(map(str, dict.fromkeys(row[:k]))) + " 0"
        for row, k in zip(picks.tolist(), lengths.tolist(), strict=True)
    ]
    names = "\n".join(f'"C{i}"' for i in range(candidates))
    path.write_text(f"{candidates} 1\n" + "\n".join(lines) + f"\n0\n{names}\n")


def limits(work: Path, ballots: int) -> None:
    from dualpower.counting import MAX_CANDIDATES, MAX_MEEK_CANDIDATES

    runs = (
        ("irv", MAX_CANDIDATES, 1),
        ("stv-scottish", MAX_CANDIDATES, 3),
        ("stv-meek", MAX_MEEK_CANDIDATES, 3),
        ("irv", 100_000, 1),
    )
    print(
        f"{'method':<13} {'candidates':>10} {'ballots':>9} {'whole s':>8} {'cpu s':>7} "
        f"{'peak MiB':>9}  result"
    )
    for method, candidates, seats in runs:
        path = work / f"wide-{candidates}-{ballots}.blt"
        if not path.exists():
            gen = [sys.executable, __file__, "--generate-wide", str(candidates), str(ballots)]
            subprocess.run([*gen, str(path)], check=True)
        argv = [DUALPOWER, "tally", str(path), "--method", method, "--seats", str(seats)]
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen([*argv, "--json"], stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            err.seek(0)
            message = err.read().decode().strip()
        code = os.waitstatus_to_exitcode(status)
        result = "counted" if code == 0 else f"exit {code}: {message}"
        print(
            f"{method:<13} {candidates:>10,} {ballots:>9,} {wall:>8.2f} "
            f"{usage.ru_utime + usage.ru_stime:>7.2f} {usage.ru_maxrss / 1024:>9.1f}  {result}"
        )


def compile_package() -> None:
    """Compile dualpower's modules to bytecode once, as `pip install` does for the baselines:
    a checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile them in every run."""
    import compileall

    package = ROOT / "src" / "dualpower"
    for target in (package / "__init__.py", package / "entry.py"):
        compileall.compile_file(str(target), quiet=2)
    compileall.compile_dir(str(package / "counting"), quiet=2)


# ---------------------------------------------------------------- children


def read_blt_plain(path: str) -> tuple[list[str], list[tuple[list[int], int]]]:
    """A plain BLT parse for the baselines, grouped with Counter: [(ranking 0-based, weight)]."""
    from collections import Counter

    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    n_cands = int(lines[0].split()[0])
    end = lines.index(b"0", 1)
    groups = Counter(lines[1:end])
    ballots = []
    for line, count in groups.items():
        tokens = line.split()
        ballots.append(([int(t) - 1 for t in tokens[1:-1]], int(tokens[0]) * count))
    names = [ln.decode().strip('"') for ln in lines[end + 1 : end + 1 + n_cands]]
    return names, ballots


def child_pyrankvote(path: str, method: str) -> dict:
    t0 = time.perf_counter()
    import pyrankvote

    names, groups = read_blt_plain(path)
    cands = [pyrankvote.Candidate(n) for n in names]
    ballots: list = []
    for ranking, weight in groups:
        ballots += [pyrankvote.Ballot([cands[c] for c in ranking])] * weight
    t1 = time.perf_counter()
    if method == "irv":
        result = pyrankvote.instant_runoff_voting(cands, ballots)
    else:
        result = pyrankvote.single_transferable_vote(cands, ballots, number_of_seats=3)
    t2 = time.perf_counter()
    return {"read": t1 - t0, "count": t2 - t1, "winners": [c.name for c in result.get_winners()]}


def child_votekit(path: str, method: str) -> dict:
    t0 = time.perf_counter()
    import numpy as np
    import pandas as pd
    from votekit.elections.election_types.ranking.stv.stv import FastIRV, FastSTV
    from votekit.pref_profile import RankProfile

    names, groups = read_blt_plain(path)
    width = max(len(r) for r, _ in groups)
    cells = np.array([frozenset({n}) for n in names] + [frozenset({"~"})], dtype=object)
    index = np.full((len(groups), width), len(names), dtype=np.int64)
    for i, (ranking, _) in enumerate(groups):
        index[i, : len(ranking)] = ranking
    data = {f"Ranking_{j + 1}": cells[index[:, j]] for j in range(width)}
    data["Voter Set"] = [set() for _ in groups]
    data["Weight"] = np.asarray([w for _, w in groups], dtype=np.float64)
    df = pd.DataFrame(data)
    df.index.name = "Ballot Index"
    profile = RankProfile(df=df, candidates=tuple(names), max_ranking_length=width)
    t1 = time.perf_counter()
    if method == "irv":
        election = FastIRV(profile)
    else:
        election = FastSTV(profile, n_seats=3)
    winners = [c for group in election.get_elected() for c in sorted(group)]
    t2 = time.perf_counter()
    return {"read": t1 - t0, "count": t2 - t1, "winners": winners}


def child_dualpower(path: str, method: str) -> dict:
    t0 = time.perf_counter()
    from dualpower.counting import count
    from dualpower.counting.readers import read_profile

    profile = read_profile(path)
    t1 = time.perf_counter()
    result = count(profile, method, 1 if method == "irv" else 3)
    t2 = time.perf_counter()
    return {
        "read": t1 - t0,
        "count": t2 - t1,
        "winners": list(result.winners),
        "distinct": int(profile.rankings.shape[0]),
    }


CHILDREN = {"pyrankvote": child_pyrankvote, "votekit": child_votekit, "dualpower": child_dualpower}


# ---------------------------------------------------------------- measuring


def measure(argv: list[str]) -> tuple[float, float, str, float]:
    """Run `argv` as a fresh process: (wall seconds, peak RSS in MiB, stdout, CPU seconds).
    The CPU time (user + system, of that child alone, from `os.wait4`) is the figure a shared,
    loaded machine does not stretch: the wall clock counts the time spent waiting for a core."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[:4]} failed ({proc.returncode}): {err[-2000:]}")
        out.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return wall, usage.ru_maxrss / 1024, out.read().decode(), cpu


def best(argv: list[str], repeat: int) -> tuple[float, float, str, float]:
    runs = [measure(argv) for _ in range(repeat)]
    return (
        min(r[0] for r in runs),
        min(r[1] for r in runs),
        runs[0][2],
        min(r[3] for r in runs),
    )


def bench_file(path: Path, repeat: int, baselines: bool) -> list[dict]:
    rows = []
    for method, ours in (("irv", "irv"), ("stv3", "stv-scottish"), ("stv3-meek", "stv-meek")):
        cli = [DUALPOWER, "tally", str(path), "--method", ours, "--json"]
        cli += ["--seats", "1" if method == "irv" else "3"]
        wall, rss, out, cpu = best(cli, repeat)
        inner = json.loads(best(_child("dualpower", path, ours), repeat)[2])
        rows.append(
            {
                "method": method,
                "who": f"dualpower tally ({ours})",
                "wall": wall,
                "cpu": cpu,
                "rss": rss,
                "read": inner["read"],
                "count": inner["count"],
                "winners": json.loads(out)["winners"],
                "distinct": inner["distinct"],
            }
        )
        if not baselines or method == "stv3-meek":
            continue
        for lib in ("pyrankvote", "votekit"):
            wall, rss, out, cpu = best(_child(lib, path, method), repeat)
            inner = json.loads(out)
            rows.append(
                {"method": method, "who": lib, "wall": wall, "cpu": cpu, "rss": rss, **inner}
            )
    return rows


def _child(lib: str, path: Path, method: str) -> list[str]:
    return [sys.executable, __file__, "--child", lib, method, str(path)]


def scottish() -> tuple[int, float, int]:
    """Count every Scottish file with stv-scottish in this process: (files, seconds, failures)."""
    from dualpower.counting import count
    from dualpower.counting.readers import read_profile

    files = sorted((SHARED / "data/scottish-stv/ballots").glob("**/*.blt"))
    failures = 0
    start = time.perf_counter()
    for f in files:
        try:
            profile = read_profile(f)
            count(profile, "stv-scottish", profile.seats or 1)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            failures += 1
            print(f"  {f.name}: {exc}", file=sys.stderr)
    return len(files), time.perf_counter() - start, failures


# ---------------------------------------------------------------- report


def report(rows: list[dict]) -> None:
    head = f"{'method':<10} {'contender':<32} {'whole s':>8} {'cpu s':>7} {'read s':>8} "
    head += f"{'count s':>8} {'peak MiB':>9} {'x whole':>8} {'x cpu':>6} {'x count':>8} "
    head += f"{'x mem':>7}  winners"
    print(head)
    print("-" * len(head))
    for row in rows:
        ours = next(r for r in rows if r["method"] == row["method"] and r["who"].startswith("dual"))
        ratios = ""
        if row is not ours:
            ratios = (
                f"{row['wall'] / ours['wall']:>8.1f} {row['cpu'] / ours['cpu']:>6.1f} "
                f"{row['count'] / ours['count']:>8.1f} {row['rss'] / ours['rss']:>7.2f}"
            )
        else:
            ratios = f"{'':>8} {'':>6} {'':>8} {'':>7}"
        print(
            f"{row['method']:<10} {row['who']:<32} {row['wall']:>8.3f} {row['cpu']:>7.3f} "
            f"{row['read']:>8.3f} {row['count']:>8.3f} {row['rss']:>9.1f} {ratios}  "
            f"{', '.join(row['winners'])}"
        )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--generate":
        print(generate(Path(sys.argv[3]), int(sys.argv[2])))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--generate-wide":
        generate_wide(Path(sys.argv[4]), int(sys.argv[2]), int(sys.argv[3]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        lib, method, path = sys.argv[2:5]
        print(json.dumps(CHILDREN[lib](path, method)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep the ballot file here")
    parser.add_argument("--no-scottish", action="store_true")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--limits", action="store_true", help="measure the size limits only")
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.limits:
            limits(work, args.ballots)
            return 0
        path = work / f"pl-{args.ballots}.blt"
        start = time.perf_counter()
        # In a child, so that this process stays small: a forked child's peak RSS counts the
        # parent's pages until it execs.
        gen = [sys.executable, __file__, "--generate", str(args.ballots), str(path)]
        distinct = int(subprocess.run(gen, check=True, capture_output=True, text=True).stdout)
        size = path.stat().st_size / 2**20
        print(
            f"{args.ballots} ballots, {CANDIDATES} candidates, Plackett-Luce seed {SEED}: "
            f"{path.name}, {size:.1f} MiB, one line per ballot (weight 1), {distinct} distinct "
            f"rankings; written in {time.perf_counter() - start:.1f} s"
        )
        print(f"best of {args.repeat} runs; x = baseline / dualpower\n")
        report(bench_file(path, args.repeat, not args.no_baselines))
    if not args.no_scottish:
        files, seconds, failures = scottish()
        print(
            f"\nScottish STV: {files} files counted with stv-scottish in {seconds:.2f} s "
            f"({1000 * seconds / files:.1f} ms a file, read + count, one process); "
            f"{failures} failures"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
