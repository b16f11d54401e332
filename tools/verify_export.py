#!/usr/bin/env python3
"""Check a public export of dualpower without dualpower: `python tools/verify_export.py DIR`.

DIR is what `dualpower export DIR` wrote. This script imports nothing but the standard library,
so anyone can read it in one sitting and run it on their own machine. Exit status 0 when
everything agrees, 1 with one line per disagreement, 2 when DIR is not an export.

What it RECOMPUTES from the published data:
  - the audit log: every entry's hash (SHA-256 of the canonical JSON of seq, act, payload, actor,
    is_operator, recorded_at, prev_hash: keys sorted, no spaces, UTF-8), the chain (seq from 0,
    prev_hash of entry 0 is 64 zeros), and the RFC 9162 Merkle root over the entries (a leaf is
    an entry's canonical JSON with its entry_hash), against audit_head.json;
  - every closed election's tally from its published ballots, without the candidates it names
    as withdrawn (no longer eligible at the close; also named in its election.close act):
    plurality, block and approval
    (totals, winners, ties drawn by the published seed exactly as the counting engine draws
    them); instant-runoff (every round's totals, who was excluded and why, the winner); recall
    votes (yes, no, ballots); party lists (each list's votes);
  - for STV (Scottish and Meek): the first round's totals and the Scottish Droop quota only; the
    later rounds (fractional transfers) are checked for consistency, not recounted.
What it CHECKS FOR CONSISTENCY with the log (every public file is tied to the hashed log):
  - elections: the election.open act (electorate or office, seats, method, secrecy, kind), the
    nominations (in order), the ballots (an open ballot's ballot.cast act; a secret election's
    ballots as published in its election.close act), the winners; no voter beside a secret ballot;
  - mandates: their mandate.start and mandate.end acts, and the winners of their election;
  - recalls: recall.open, the signers (replaying recall.sign / recall.withdraw), the decision;
  - the register: authority.record, directive.record and stance.take acts;
  - councils, units, factions, the federation: the founding act (names, parents, kinds,
    sections), ids and cross references between the files.
Not checkable from an export: numbers that no act records (e.g. apportionment parameters or a
council's recall trigger), texts that acts do not carry, and anything done outside the log.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

GENESIS = "00" * 32
ENTRY_FIELDS = (
    "seq",
    "act",
    "payload",
    "actor",
    "is_operator",
    "recorded_at",
    "prev_hash",
    "entry_hash",
)
REQUIRED = ("audit_log", "audit_head", "elections", "mandates", "councils", "federation")


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked: Counter[str] = Counter()

    def bad(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def same(self, where: str, what: str, published: Any, recomputed: Any) -> bool:
        self.checked[where.split(" ")[0]] += 1
        if published != recomputed:
            self.bad(where, f"{what} is {published!r} but should be {recomputed!r}")
            return False
        return True


# --- the audit log ------------------------------------------------------------------------


def canonical(value: Any) -> bytes:
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    body = {name: entry[name] for name in ENTRY_FIELDS if name != "entry_hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def merkle_root(leaves: Iterable[bytes]) -> str:
    """RFC 9162 2.1.1: the largest perfect subtrees, folded from the right."""
    stack: list[tuple[int, bytes]] = []
    for data in leaves:
        height, node = 0, hashlib.sha256(b"\x00" + data).digest()
        while stack and stack[-1][0] == height:
            node = hashlib.sha256(b"\x01" + stack.pop()[1] + node).digest()
            height += 1
        stack.append((height, node))
    if not stack:
        return hashlib.sha256(b"").hexdigest()
    node = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        node = hashlib.sha256(b"\x01" + left + node).digest()
    return node.hex()


def check_log(log: list[dict[str, Any]], head: dict[str, Any], r: Report) -> None:
    prev = GENESIS
    for i, entry in enumerate(log):
        where = f"audit_log.json entry {i}"
        if not isinstance(entry, dict) or set(entry) != set(ENTRY_FIELDS):
            r.bad(where, f"must have exactly the fields {', '.join(ENTRY_FIELDS)}")
            return
        r.same(where, "seq", entry["seq"], i)
        try:
            computed = entry_hash(entry)
        except (TypeError, ValueError) as exc:
            r.bad(where, f"not canonical JSON: {exc}")
            return
        r.same(where, "entry_hash", entry["entry_hash"], computed)
        r.same(where, "prev_hash", entry["prev_hash"], prev)
        prev = entry["entry_hash"]
    r.same("audit_head.json", "size", head.get("size"), len(log))
    r.same("audit_head.json", "root", head.get("root"), merkle_root(canonical(e) for e in log))


def acts(log: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e["payload"] for e in log if e.get("act") == name and isinstance(e["payload"], dict)]


def by_key(payloads: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {p.get(key): p for p in payloads}


# --- counting -----------------------------------------------------------------------------


def count_marks(method: str, seats: int, cands: list[str], ballots: list[list[str]]) -> list[int]:
    idx = {c: i for i, c in enumerate(cands)}
    totals = [0] * len(cands)
    for ballot in ballots:
        if method == "plurality":
            marked = ballot[:1]
        elif method == "block":
            marked = list(dict.fromkeys(ballot))[:seats]
        else:  # approval
            marked = list(dict.fromkeys(ballot))
        for c in marked:
            totals[idx[c]] += 1
    return totals


def top(totals: list[int], seats: int, seed: int) -> list[int]:
    """The winners as the engine picks them: most votes; a tie at the cut by a seeded lot."""
    order = sorted(range(len(totals)), key=lambda c: (-totals[c], c))
    cut = totals[order[seats - 1]]
    sure = [c for c in order if totals[c] > cut]
    tied = [c for c in order if totals[c] == cut]
    need = seats - len(sure)
    if need == len(tied):
        return sure + tied
    return sure + sorted(random.Random(seed).sample(tied, need))


def count_irv(cands: list[str], ballots: list[list[str]], seed: int) -> list[dict[str, Any]]:
    """Instant-runoff round by round, as the engine counts (dualpower/counting/irv.py)."""
    idx = {c: i for i, c in enumerate(cands)}
    rows = [[idx[c] for c in b] for b in ballots]
    hopeful = list(range(len(cands)))
    rng = random.Random(seed)
    history: list[list[int]] = []
    rounds: list[dict[str, Any]] = []
    while True:
        alive = set(hopeful)
        totals = [0] * len(cands)
        for row in rows:
            first = next((c for c in row if c in alive), None)
            if first is not None:
                totals[first] += 1
        active = sum(totals[c] for c in hopeful)
        shown = {cands[c]: totals[c] for c in hopeful}
        best = max(hopeful, key=lambda c: (totals[c], -c))
        moved = {cands[c]: totals[c] - history[-1][c] for c in hopeful} if history else {}
        for name in rounds[-1]["excluded"] if rounds else []:
            moved[name] = -history[-1][idx[name]]
        rnd = {"totals": shown, "non_transferable": len(rows) - active, "transfers": moved}
        if 2 * totals[best] > active or len(hopeful) == 1:
            rounds.append(rnd | {"elected": [cands[best]], "excluded": []})
            return rounds
        zero = [c for c in hopeful if totals[c] == 0]
        if zero and len(zero) < len(hopeful):
            out = zero
        else:
            low = min(totals[c] for c in hopeful)
            group = sorted(c for c in hopeful if totals[c] == low)
            for past in reversed(history):
                if len(group) == 1:
                    break
                least = min(past[c] for c in group)
                group = [c for c in group if past[c] == least]
            out = [group[0] if len(group) == 1 else rng.choice(group)]
        history.append(totals)
        rounds.append(rnd | {"elected": [], "excluded": [cands[c] for c in out]})
        hopeful = [c for c in hopeful if c not in out]


def check_tally(where: str, e: dict[str, Any], r: Report) -> None:
    result, ballots = e.get("result") or {}, e.get("ballots") or []
    choices = [b.get("choices") for b in ballots]
    method = e["method"]
    r.same(where, "result.ballots", result.get("ballots"), len(ballots))
    if method == "referendum":
        r.same(where, "result.yes", result.get("yes"), sum(c == [1] for c in choices))
        r.same(where, "result.no", result.get("no"), sum(c == [0] for c in choices))
        return
    cands = [str(c["id"]) for c in e.get("candidates", [])]
    ranked = [[str(x) for x in c] for c in choices]
    unknown = {x for b in ranked for x in b} - set(cands)
    if unknown:
        r.bad(where, f"ballots name candidates {sorted(unknown)} not standing")
        return
    # Candidates no longer eligible at the close are counted as if never nominated.
    withdrawn = [str(c) for c in result.get("withdrawn", [])]
    if not set(withdrawn) <= set(cands):
        r.bad(where, f"withdrawn {sorted(set(withdrawn) - set(cands))} were never candidates")
        return
    cands = [c for c in cands if c not in withdrawn]
    ranked = [[x for x in b if x not in withdrawn] for b in ranked]
    seats = min(e["seats"], len(cands))
    r.same(where, "result.seats", result.get("seats"), seats)
    r.same(where, "result.method", result.get("method"), method)
    rounds = result.get("rounds") or [{}]
    numbers = [rnd.get("round") for rnd in rounds]
    r.same(where, "round numbers", numbers, list(range(1, len(rounds) + 1)))
    seed = result.get("seed", 0)
    if method in ("plurality", "block", "approval"):
        totals = count_marks(method, seats, cands, ranked)
        r.same(
            where, "round 1 totals", rounds[0].get("totals"), dict(zip(cands, totals, strict=True))
        )
        empty = sum(1 for b in ranked if not b)
        r.same(where, "round 1 non_transferable", rounds[0].get("non_transferable"), empty)
        r.same(
            where, "winners", result.get("winners"), [cands[c] for c in top(totals, seats, seed)]
        )
    elif method == "irv":
        recount = count_irv(cands, ranked, seed)
        r.same(where, "number of rounds", len(rounds), len(recount))
        for n, (pub, mine) in enumerate(zip(rounds, recount, strict=False), start=1):
            for key in ("totals", "elected", "excluded", "non_transferable", "transfers"):
                r.same(where, f"round {n} {key}", pub.get(key), mine[key])
        r.same(where, "winners", result.get("winners"), recount[-1]["elected"])
        last = recount[-1]
        active = sum(last["totals"].values())
        r.same(where, "quota", result.get("quota"), active // 2 + 1)
    elif method in ("stv-scottish", "stv-meek"):
        firsts = Counter(b[0] for b in ranked if b)
        r.same(where, "round 1 totals", rounds[0].get("totals"), {c: firsts[c] for c in cands})
        empty = len(ranked) - sum(firsts.values())
        r.same(where, "round 1 non_transferable", rounds[0].get("non_transferable"), empty)
        if method == "stv-scottish" and "quota" in result:
            valid = sum(firsts.values())
            r.same(where, "quota", result["quota"], valid // (seats + 1) + 1)
        elected = [x for rnd in rounds for x in rnd.get("elected", [])]
        winners = result.get("winners") or []
        if (
            len(set(winners)) != seats
            or not set(winners) <= set(cands)
            or set(elected) != set(winners)
        ):
            r.bad(where, f"STV winners {winners} are not the {seats} elected in the rounds")
    elif method in ("dhondt", "sainte-lague", "hare"):
        check_lists(where, e, ranked, result, r, withdrawn)
    else:
        r.bad(where, f"unknown counting method {method!r}")


def check_lists(
    where: str,
    e: dict[str, Any],
    ranked: list[list[str]],
    result: dict[str, Any],
    r: Report,
    withdrawn: list[str],
) -> None:
    personal = Counter(b[0] for b in ranked if b)
    lists: dict[str, int] = {}
    for c in e["candidates"]:
        if str(c["id"]) in withdrawn:
            continue
        key = (
            f"faction {c['faction_id']}" if c["faction_id"] is not None else f"candidate {c['id']}"
        )
        lists[key] = lists.get(key, 0) + personal[str(c["id"])]
    rounds = result.get("rounds") or [{}]
    r.same(where, "list votes", rounds[0].get("totals"), lists)
    allocation = result.get("allocation") or result.get("lists") or {}
    if sum(allocation.values()) != len(result.get("winners") or []):
        r.bad(where, "the lists' seats do not add up to the winners")


# --- elections and the log -------------------------------------------------------------------


def check_elections(ex: dict[str, Any], r: Report) -> None:
    log = ex["audit_log"]
    opens = by_key(acts(log, "election.open"), "election")
    closes = by_key(acts(log, "election.close"), "election")
    supersedes = by_key(acts(log, "election.supersede"), "election")
    voids = by_key(acts(log, "election.void"), "election")
    noms: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    for p in acts(log, "election.nominate"):
        noms[p.get("election")].append((p.get("member"), p.get("faction")))
    cast: dict[Any, list[Any]] = defaultdict(list)
    for p in acts(log, "ballot.cast"):
        cast[p.get("election")].append((p.get("member"), p.get("receipt"), p.get("choices")))
    took_part: Counter[Any] = Counter()
    for p in acts(log, "election.participate"):  # one entry names one voter or a whole batch
        members = p.get("members")
        took_part[p.get("election")] += len(members) if isinstance(members, list) else 1
    for e in ex["elections"]:
        where = f"elections.json election {e.get('id')}"
        opened = opens.get(e.get("id"))
        if opened is None:
            r.bad(where, "no election.open act in the log")
            continue
        for key, field in (("seats", "seats"), ("method", "method"), ("is_secret", "is_secret")):
            r.same(where, field, e.get(field), opened.get(key))
        r.same(where, "kind", e.get("kind"), opened.get("kind", e.get("kind")))
        r.same(where, "electorate_id", e.get("electorate_id"), opened.get("electorate"))
        r.same(where, "office_id", e.get("office_id"), opened.get("office"))
        cands = sorted(e.get("candidates", []), key=lambda c: c["id"])
        r.same(
            where,
            "candidates (member, faction)",
            [(c["member_id"], c["faction_id"]) for c in cands],
            noms.get(e["id"], []),
        )
        r.same(where, "federation_id", e.get("federation_id"), ex["federation"].get("id"))
        if any(c.get("election_id") != e["id"] for c in cands):
            r.bad(where, "a candidate belongs to another election")
        if e.get("status") == "open":
            if e.get("id") in closes or e.get("id") in supersedes or e.get("id") in voids:
                r.bad(where, "published as open but the log closed it")
            continue
        superseded = supersedes.get(e["id"])
        if superseded is not None:  # a by-election closed uncounted by a general election
            by = superseded.get("by")
            r.same(where, "superseded_by", (e.get("result") or {}).get("superseded_by"), by)
            r.same(where, "winners", (e.get("result") or {}).get("winners"), [])
            if by not in closes:
                r.bad(where, f"superseded by election {by}, which the log never closed")
            continue
        voided = voids.get(e["id"])
        if voided is not None:  # closed uncounted by the clock (no candidate or no ballot)
            r.same(where, "result.void", (e.get("result") or {}).get("void"), voided.get("reason"))
            r.same(where, "winners", (e.get("result") or {}).get("winners"), [])
            cast_here = cast.get(e["id"], [])
            check_ballots(where, e, {"ballots": []}, cast_here, took_part[e["id"]], r)
            continue
        closed = closes.get(e["id"])
        if closed is None:
            r.bad(where, "closed, but no election.close act in the log")
            continue
        check_ballots(where, e, closed, cast.get(e["id"], []), took_part[e["id"]], r)
        check_tally(where, e, r)
        if e["method"] == "referendum":
            r.same(where, "result.yes", e["result"].get("yes"), closed.get("yes"))
            r.same(where, "result.no", e["result"].get("no"), closed.get("no"))
        else:
            r.same(
                where,
                "winners",
                [str(w) for w in closed.get("winners", [])],
                (e.get("result") or {}).get("winners"),
            )
            r.same(
                where,
                "withdrawn",
                [str(w) for w in closed.get("withdrawn", [])],
                (e.get("result") or {}).get("withdrawn", []),
            )


def check_ballots(
    where: str,
    e: dict[str, Any],
    closed: dict[str, Any],
    cast: list[Any],
    took_part: int,
    r: Report,
) -> None:
    ballots = e.get("ballots") or []
    receipts = [b.get("receipt") for b in ballots]
    if len(set(receipts)) != len(receipts):
        r.bad(where, "two ballots share a receipt")
    if e["is_secret"]:
        if any(set(b) != {"receipt", "choices"} for b in ballots):
            r.bad(where, "a secret ballot carries more than its receipt and choices")
        mine = Counter(canonical([b.get("receipt"), b.get("choices")]) for b in ballots)
        logged = Counter(canonical([b.get("receipt"), b.get("choices")]) for b in closed["ballots"])
        r.same(where, "ballots (as logged at the close)", mine == logged, True)
        r.same(where, "number of ballots", len(ballots), took_part)
    else:
        mine = Counter(
            canonical([b.get("voter_id"), b.get("receipt"), b.get("choices")]) for b in ballots
        )
        logged = Counter(canonical(list(c)) for c in cast)
        r.same(where, "ballots (as cast in the log)", mine == logged, True)
        voters = [b.get("voter_id") for b in ballots]
        if len(set(voters)) != len(voters):
            r.bad(where, "a voter has two ballots")


# --- mandates, recalls, the register, the structure ------------------------------------------


def check_mandates(ex: dict[str, Any], r: Report) -> None:
    log = ex["audit_log"]
    starts = by_key(acts(log, "mandate.start"), "mandate")
    ends = by_key(acts(log, "mandate.end"), "mandate")
    pairs = (("council", "council_id"), ("seat", "seat_no"), ("holder", "holder_id"))
    pairs += (("faction", "faction_id"), ("election", "election_id"))
    seen = set()
    for md in ex["mandates"]:
        where = f"mandates.json mandate {md.get('id')}"
        seen.add(md.get("id"))
        start = starts.get(md.get("id"))
        if start is None:
            r.bad(where, "no mandate.start act in the log")
            continue
        for key, field in pairs:
            r.same(where, field, md.get(field), start.get(key))
        end = ends.get(md.get("id"))
        r.same(where, "end_reason", md.get("end_reason"), end.get("reason") if end else None)
        r.same(where, "ended", md.get("end_at") is not None, end is not None)
    check_mandate_links(ex, r)
    for mandate in set(starts) - seen:
        r.bad("mandates.json", f"mandate {mandate} started in the log but is not published")
    held: dict[Any, set[Any]] = defaultdict(set)
    for md in ex["mandates"]:
        held[md.get("election_id")].add(md.get("holder_id"))
    for e in ex["elections"]:
        if e.get("status") == "open" or e.get("office_id") is not None:
            continue
        if e.get("method") == "referendum":
            continue
        members = {str(c["id"]): c["member_id"] for c in e.get("candidates", [])}
        winners = {members.get(w) for w in (e.get("result") or {}).get("winners", [])}
        r.same(f"elections.json election {e['id']}", "holders of its seats", held[e["id"]], winners)


def check_mandate_links(ex: dict[str, Any], r: Report) -> None:
    """What no act records about a mandate follows from what they do: its electorate is its
    election's, a by-election fills the seat it named, a seat in a higher council rests on a
    seat of the same holder in the council that elects it."""
    elections = {e.get("id"): e for e in ex["elections"]}
    electorates = {el.get("id"): el for el in ex.get("electorates", [])}
    mandates = {md.get("id"): md for md in ex["mandates"]}
    factions = {f.get("id") for f in ex.get("factions", [])}
    for md in ex["mandates"]:
        where = f"mandates.json mandate {md.get('id')}"
        e = elections.get(md.get("election_id"), {})
        if e.get("electorate_id") is not None:
            r.same(where, "electorate_id", md.get("electorate_id"), e.get("electorate_id"))
        if e.get("kind") == "by":
            r.same(where, "seat_no (the by-election's seat)", md.get("seat_no"), e.get("seat_no"))
        if md.get("faction_id") is not None and md.get("faction_id") not in factions:
            r.bad(where, "faction_id names no faction")
        el = electorates.get(md.get("electorate_id"), {})
        r.same(where, "council_id (its electorate's)", md.get("council_id"), el.get("council_id"))
        below = mandates.get(md.get("depends_on_id"))
        if el.get("kind") == "council":
            if below is None:
                r.bad(where, "a seat elected by a council rests on no seat in it")
            else:
                r.same(where, "depends_on (holder)", below.get("holder_id"), md.get("holder_id"))
                r.same(
                    where,
                    "depends_on (council)",
                    below.get("council_id"),
                    el.get("source_council_id"),
                )
        elif md.get("depends_on_id") is not None:
            r.bad(where, "a seat elected by a unit rests on another seat")


def check_recalls(ex: dict[str, Any], r: Report) -> None:
    log = ex["audit_log"]
    opened = {p.get("petition"): p for p in acts(log, "recall.open")}
    decided = by_key(acts(log, "recall.decide"), "petition")
    openers = {
        e["payload"].get("petition"): e.get("actor") for e in log if e.get("act") == "recall.open"
    }
    rejected = {p.get("petition") for p in acts(log, "recall.reject")}
    votes = {p.get("petition"): p.get("vote") for p in acts(log, "recall.trigger")}
    signers: dict[Any, set[Any]] = defaultdict(set)
    for e in log:
        p = e.get("payload") or {}
        if e.get("act") == "recall.sign":
            signers[p.get("petition")].add(p.get("member"))
        elif e.get("act") == "recall.withdraw":
            signers[p.get("petition")].discard(p.get("member"))
    for petition in ex.get("recalls", []):
        where = f"recalls.json petition {petition.get('id')}"
        act = opened.get(petition.get("id"))
        if act is None:
            r.bad(where, "no recall.open act in the log")
            continue
        r.same(where, "mandate_id", petition.get("mandate_id"), act.get("mandate"))
        r.same(where, "office_term_id", petition.get("office_term_id"), act.get("office_term"))
        r.same(
            where, "signers", sorted(petition.get("signers", [])), sorted(signers[petition["id"]])
        )
        status = petition.get("status")
        r.same(
            where, "vote_election_id", petition.get("vote_election_id"), votes.get(petition["id"])
        )
        r.same(where, "opened_by", str(petition.get("opened_by")), openers.get(petition["id"]))
        r.same(where, "recalled", status == "recalled", petition["id"] in decided)
        if petition["id"] in decided:
            by = decided[petition["id"]].get("by_elections") or [None]
            r.same(where, "by_election_id", petition.get("by_election_id"), by[0])
        r.same(where, "rejected", status == "rejected", petition["id"] in rejected)


def check_register(ex: dict[str, Any], r: Report) -> None:
    log = ex["audit_log"]
    spec = (
        ("authorities", "authority.record", "authority", (("name", "name"),)),
        (
            "directives",
            "directive.record",
            "directive",
            (
                ("authority", "authority_id"),
                ("title", "title"),
                ("issued_on", "issued_on"),
                ("is_old_style", "is_old_style"),
                ("council", "recorded_by_council_id"),
            ),
        ),
        (
            "stances",
            "stance.take",
            "stance",
            (("directive", "directive_id"), ("council", "council_id"), ("kind", "kind")),
        ),
    )
    for name, act, key, pairs in spec:
        logged = by_key(acts(log, act), key)
        for row in ex.get(name, []):
            where = f"{name}.json {key} {row.get('id')}"
            found = logged.get(row.get("id"))
            if found is None:
                r.bad(where, f"no {act} act in the log")
                continue
            for k, field in pairs:
                r.same(where, field, row.get(field), found.get(k))
        if len(ex.get(name, [])) != len(logged):
            r.bad(f"{name}.json", f"{len(ex.get(name, []))} rows but {len(logged)} {act} acts")
    stances = {s.get("id"): s for s in ex.get("stances", [])}
    for p in acts(log, "stance.take"):
        if p.get("supersedes") is not None:
            old = stances.get(p["supersedes"], {})
            r.same(
                f"stances.json stance {p['supersedes']}",
                "superseded_by",
                old.get("superseded_by"),
                p.get("stance"),
            )


def check_structure(ex: dict[str, Any], r: Report) -> None:
    found = acts(ex["audit_log"], "federation.found")
    fed = ex["federation"]
    councils = {c.get("id"): c for c in ex["councils"]}
    units = {u.get("id"): u for u in ex.get("units", [])}
    names = {c.get("name"): c.get("id") for c in ex["councils"]}
    for where, rows in (("councils.json", ex["councils"]), ("units.json", ex.get("units", []))):
        for row in rows:
            r.same(
                f"{where} {row.get('id')}", "federation_id", row.get("federation_id"), fed.get("id")
            )
    for f in ex.get("factions", []):
        r.same(
            f"factions.json {f.get('id')}", "federation_id", f.get("federation_id"), fed.get("id")
        )
    if len(found) != 1:
        r.bad("audit_log.json", f"{len(found)} federation.found acts, not one")
        return
    plan = found[0]
    r.same("federation.json", "name", fed.get("name"), plan.get("name"))
    for name, parent in plan.get("councils", []):
        c = councils.get(names.get(name), {})
        r.same(f"councils.json {name!r}", "parent_id", c.get("parent_id"), names.get(parent))
    for name, kind, section, council in plan.get("units", []):
        u = next((u for u in units.values() if u.get("name") == name), {})
        where = f"units.json {name!r}"
        r.same(
            where,
            "kind, section, council_id",
            [u.get("kind"), u.get("section"), u.get("council_id")],
            [kind, section, names.get(council)],
        )
    r.same(
        "factions.json",
        "names",
        [f.get("name") for f in ex.get("factions", [])][: len(plan.get("factions", []))],
        plan.get("factions"),
    )
    scopes = {  # the last word on each council's scope: an adopted standing-orders motion
        p.get("council"): p.get("scope") for p in acts(ex["audit_log"], "council.set_pay_cap_scope")
    }  # (older logs: the operator's setter)
    for p in acts(ex["audit_log"], "council.standing_orders"):
        if "pay_cap_scope" in p:
            scopes[p.get("council")] = p.get("pay_cap_scope")
    for council_id, scope in scopes.items():
        c = councils.get(council_id, {})
        r.same(f"councils.json {council_id}", "pay_cap_scope", c.get("pay_cap_scope"), scope)
    for name in ("councils", "units", "factions", "electorates", "mandates", "elections"):
        ids = [row.get("id") for row in ex.get(name, [])]
        if len(set(ids)) != len(ids):
            r.bad(f"{name}.json", "two rows share an id")
    sources = Counter(
        (el.get("kind"), el.get("unit_id") or el.get("source_council_id"))
        for el in ex.get("electorates", [])
    )
    expected = Counter(("unit", u) for u in units) + Counter(
        ("council", c) for c, row in councils.items() if row.get("parent_id") is not None
    )
    r.same("electorates.json", "sources (each unit and each lower council once)", sources, expected)
    known = {el.get("id") for el in ex.get("electorates", [])}
    for e in ex["elections"]:
        if e.get("electorate_id") is not None and e["electorate_id"] not in known:
            r.bad(f"elections.json election {e.get('id')}", "electorate_id names no electorate")
    for el in ex.get("electorates", []):
        where = f"electorates.json {el.get('id')}"
        if el.get("council_id") not in councils:
            r.bad(where, "council_id names no council")
        if el.get("kind") == "unit":
            unit = units.get(el.get("unit_id"))
            if unit is None:
                r.bad(where, "unit_id names no unit")
            else:
                r.same(
                    where,
                    "council_id (its unit's council)",
                    el.get("council_id"),
                    unit.get("council_id"),
                )
        else:
            source = councils.get(el.get("source_council_id"))
            r.same(
                where,
                "council_id (the parent of its source)",
                el.get("council_id"),
                (source or {}).get("parent_id"),
            )
        general = [
            e
            for e in ex["elections"]
            if e.get("electorate_id") == el.get("id") and e.get("kind") in ("general", "founding")
        ]
        if general:
            latest = max(general, key=lambda e: e["id"])
            r.same(
                where,
                "seats (as at its latest general election)",
                el.get("seats"),
                latest.get("seats"),
            )


# --- the command ----------------------------------------------------------------------------


def load(directory: Path) -> dict[str, Any]:
    export: dict[str, Any] = {}
    for path in sorted(directory.glob("*.json")):
        export[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in REQUIRED if name not in export]
    if missing:
        raise ValueError(
            f"{directory} is not an export: no {', '.join(n + '.json' for n in missing)}"
        )
    return export


def check_roll_calls(ex: dict[str, Any], r: Report) -> None:
    """Each decided motion's totals are the log's, and a council's roll-call is the log's
    `motion.vote` acts, deputy by deputy (older exports have no roll_calls.json)."""
    log = ex["audit_log"]
    decided = by_key(acts(log, "motion.adopt") + acts(log, "motion.reject"), "motion")
    adopted = {p.get("motion") for p in acts(log, "motion.adopt")}
    cast: dict[Any, list[Any]] = defaultdict(list)
    for p in acts(log, "motion.vote"):
        cast[p.get("motion")].append([p.get("member"), p.get("position")])
    for call in ex.get("roll_calls", []):
        where = f"roll_calls.json motion {call.get('motion_id')}"
        act = decided.get(call.get("motion_id"))
        if act is None:
            r.bad(where, "no motion.adopt or motion.reject act in the log")
            continue
        for key in ("yes", "no", "abstain", "seats", "majority"):
            r.same(where, key, call.get(key), act.get(key))
        r.same(where, "status", call.get("status") == "adopted", call["motion_id"] in adopted)
        if call.get("votes"):
            votes = sorted([v.get("member_id"), v.get("position")] for v in call["votes"])
            r.same(where, "votes (as cast in the log)", votes, sorted(cast[call["motion_id"]]))
    check_secret_motions(log, decided, r)


def check_secret_motions(
    log: list[dict[str, Any]], decided: dict[Any, dict[str, Any]], r: Report
) -> None:
    """A secret vote's totals recount from the ballots its decision published, and there are
    as many ballots as voters in its one `motion.participate` act (DESIGN.md 2.8, 2.11)."""
    voted = by_key(acts(log, "motion.participate"), "motion")
    for motion_id, act in decided.items():
        ballots = act.get("ballots")
        if not isinstance(ballots, list):
            continue
        where = f"secret_vote motion {motion_id}"
        counted = Counter(b.get("position") for b in ballots)
        for key in ("yes", "no", "abstain"):
            r.same(where, f"{key} (recounted from its ballots)", act.get(key), counted[key])
        members = (voted.get(motion_id) or {}).get("members")
        if isinstance(members, list):
            r.same(where, "ballots (one per voter)", len(ballots), len(set(members)))


def verify(export: dict[str, Any]) -> Report:
    r = Report()
    check_log(export["audit_log"], export["audit_head"], r)
    checks = (check_elections, check_mandates, check_recalls, check_register, check_structure)
    for check in (*checks, check_roll_calls):
        try:
            check(export, r)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            r.bad(
                check.__name__.removeprefix("check_"),
                f"malformed export ({type(exc).__name__}: {exc})",
            )
    return r


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python verify_export.py DIR", file=sys.stderr)
        return 2
    try:
        export = load(Path(argv[0]))
    except (OSError, ValueError) as exc:
        print(f"verify_export: {exc}", file=sys.stderr)
        return 2
    report = verify(export)
    for line in report.problems:
        print(f"MISMATCH {line}")
    checked = sum(report.checked.values())
    if report.problems:
        print(f"{len(report.problems)} of {checked} checks failed", file=sys.stderr)
        return 1
    print(
        f"ok: {checked} checks, {len(export['audit_log'])} log entries, "
        f"root {export['audit_head']['root']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
