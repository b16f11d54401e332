"""Repeat every panel drawn by lot from the public record alone (DESIGN.md 2.4a, 2.11).

    python tools/repeat_draw.py EXPORT_DIR [--report N]
    python tools/repeat_draw.py audit_log.json [--report N]

Reads the audit log of an export (`dualpower export DIR` writes DIR/audit_log.json; the same
entries come from GET /api/v1/audit/entries). For each `report.draw` and `report.redraw` entry:

1. the seed is not the server's choice: a first draw's seed must be the hash of the entry it
   names (`seed_entry`), which must come exactly `seed_after` places after that report's
   `report.open` entry (its payload names `seed_after`; 0, the entry itself, in logs written
   before the delay), and this script recomputes that hash from the entry's fields (SHA-256 of
   the canonical JSON of seq, act, payload, actor, is_operator, recorded_at, prev_hash): the
   seed did not exist when the report was filed, and the acts logged after it fixed it. A
   redraw's seed must be SHA-256 hex of "{previous seed}:{round}";
2. the inputs are who could be drawn, fixed at the filing, before the seed existed: the `pool`
   the report's `report.open` entry published (members of the report's earlier panels left out
   while at least the panel's size of others remain; a `report.open` entry without a pool, from
   logs written before pools were published, is not checked here);
3. the panel must be the draw of `domain/lot.py` ("sha256-fisher-yates-v1"), repeated here:
   the k-th number is the first 8 bytes (big-endian) of SHA-256 of "{seed}:{k}"; uniform(n) skips
   a number x >= 2**64 - 2**64 % n, else gives x % n; Fisher-Yates from the end over the sorted
   inputs; the panel is the first `size` of the shuffle.

Prints one line per draw and exits 0 when every draw repeats, 1 otherwise, 2 on a bad file.
Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ALGORITHM = "sha256-fisher-yates-v1"
HASHED = ("seq", "act", "payload", "actor", "is_operator", "recorded_at", "prev_hash")


def canonical(value: Any) -> bytes:
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: entry[k] for k in HASHED})).hexdigest()


def draw(seed: str, inputs: list[int], size: int) -> list[int]:
    items = sorted(set(inputs))
    k = 0

    def uniform(n: int) -> int:
        nonlocal k
        limit = 2**64 - (2**64 % n)
        while True:
            digest = hashlib.sha256(f"{seed}:{k}".encode("ascii")).digest()
            k += 1
            x = int.from_bytes(digest[:8], "big")
            if x < limit:
                return x % n

    for i in range(len(items) - 1, 0, -1):
        j = uniform(i + 1)
        items[i], items[j] = items[j], items[i]
    return items[:size]


def next_seed(seed: str, round_: int) -> str:
    return hashlib.sha256(f"{seed}:{round_}".encode("ascii")).hexdigest()


def check_seed(
    p: dict[str, Any], act: str, log: dict[int, dict[str, Any]], seeds: dict[Any, str]
) -> str | None:
    """Why the draw's seed is not the one the rules fix, or None."""
    report, round_, seed = p.get("report"), p.get("round"), p.get("seed")
    if act == "report.redraw":
        before = seeds.get((report, round_ - 1)) if isinstance(round_, int) else None
        if before is None:
            return f"no earlier draw (round {round_ - 1 if isinstance(round_, int) else '?'})"
        if seed != next_seed(before, round_):
            return "the redraw's seed does not follow from the previous one"
        return None
    opened = opened_entry(log, report)
    if len(opened) != 1:
        return f"report {report} has {len(opened)} report.open entries, not one"
    after = (opened[0].get("payload") or {}).get("seed_after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        return f"the report.open entry of report {report} names no valid seed_after"
    if p.get("seed_entry") != opened[0].get("seq", 0) + after:
        return (
            f"the seed's entry {p.get('seed_entry')} is not {after} places after the"
            f" report.open entry {opened[0].get('seq')}"
        )
    source = log.get(p.get("seed_entry"))  # type: ignore[arg-type]
    if source is None:
        return f"the seed's entry {p.get('seed_entry')} is not in the log"
    if entry_hash(source) != source.get("entry_hash"):
        return f"entry {source.get('seq')} does not hash to its entry_hash"
    if seed != source.get("entry_hash"):
        return f"the seed is not the hash of entry {source.get('seq')}"
    return None


def opened_entry(log: dict[int, dict[str, Any]], report: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in log.values()
        if e.get("act") == "report.open" and (e.get("payload") or {}).get("report") == report
    ]


def check_inputs(
    p: dict[str, Any], log: dict[int, dict[str, Any]], panels: dict[Any, list[int]]
) -> str | None:
    """Why the draw's inputs are not the pool published at the filing, or None."""
    report, round_ = p.get("report"), p.get("round")
    opened = opened_entry(log, report)
    if len(opened) != 1 or "pool" not in (opened[0].get("payload") or {}):
        return None  # no pool published (an older log): the seed's check names a missing entry
    pool = opened[0]["payload"]["pool"]
    if not isinstance(pool, list) or pool != sorted(set(pool)):
        return f"the pool of report {report} is not a sorted list of distinct ids"
    earlier = {
        m
        for (r, n), panel in panels.items()
        if r == report and isinstance(n, int) and isinstance(round_, int) and n < round_
        for m in panel
    }
    fresh = [m for m in pool if m not in earlier]
    size = len(p.get("panel") or [])
    expected = fresh if len(fresh) >= size else pool
    if list(p.get("inputs") or []) != expected:
        return f"the inputs are not the pool published when report {report} was filed"
    return None


def repeat(entries: list[dict[str, Any]], only: int | None = None) -> tuple[list[str], int]:
    """(lines to print, number of draws that do not repeat)."""
    log = {e.get("seq"): e for e in entries}
    seeds: dict[Any, str] = {}
    panels: dict[Any, list[int]] = {}
    lines, bad = [], 0
    for e in sorted(entries, key=lambda e: e.get("seq", 0)):
        act = e.get("act")
        if act not in ("report.draw", "report.redraw"):
            continue
        p = e.get("payload") or {}
        seeds[(p.get("report"), p.get("round"))] = p.get("seed", "")
        panels[(p.get("report"), p.get("round"))] = list(p.get("panel") or [])
        if only is not None and p.get("report") != only:
            continue
        where = f"report {p.get('report')} round {p.get('round')} (entry {e.get('seq')})"
        panel, inputs = list(p.get("panel") or []), list(p.get("inputs") or [])
        problems = []
        if p.get("algorithm") != ALGORITHM:
            problems.append(f"unknown algorithm {p.get('algorithm')!r}")
        why = check_seed(p, act, log, seeds)
        if why:
            problems.append(why)
        if inputs != sorted(set(inputs)):
            problems.append("the inputs are not sorted and distinct")
        why = check_inputs(p, log, panels)
        if why:
            problems.append(why)
        if not panel or draw(p.get("seed", ""), inputs, len(panel)) != panel:
            problems.append("the panel is not the draw of its seed and inputs")
        if problems:
            bad += 1
            lines.append(f"MISMATCH {where}: " + "; ".join(problems))
        else:
            lines.append(f"ok {where}: seed {p['seed'][:16]}... panel {panel}")
    return lines, bad


def load(path: Path) -> list[dict[str, Any]]:
    file = path / "audit_log.json" if path.is_dir() else path
    entries = json.loads(file.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{file} is not a list of audit entries")
    return entries


def main(argv: list[str]) -> int:
    only = None
    if len(argv) == 3 and argv[1] == "--report" and argv[2].isdigit():
        only = int(argv[2])
    elif len(argv) != 1:
        print(
            "usage: python repeat_draw.py EXPORT_DIR|audit_log.json [--report N]", file=sys.stderr
        )
        return 2
    try:
        entries = load(Path(argv[0]))
    except (OSError, ValueError) as exc:
        print(f"repeat_draw: {exc}", file=sys.stderr)
        return 2
    lines, bad = repeat(entries, only)
    for line in lines:
        print(line)
    if not lines:
        print("no panel was drawn in this log")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
