"""The road to majority (DESIGN.md 2.7): for a faction F, the fewest base-council seats that
must change hands (by recall and by-election) for F to hold a majority of the chief council,
through the levels.

The model (exact within it):

- A *base seat* is a seat a base unit fills in some council. Changing hands costs 1: a seat
  held by another faction, or vacant, goes to F (or, never useful but allowed, one of F's goes).
- Every council above re-elects its delegates from the council below under that electorate's
  rule, F against all the other factions together (the road must hold whatever the others do
  together, so they are counted as one bloc, the worst case for F):
  * `block` (block plurality, plurality, approval, IRV): a majority of the lower council takes
    all its delegates; without a majority F takes none;
  * a party list (`dhondt`, `sainte-lague`, `hare`): `counting.party_list.allocate` over the two
    blocs' seats, ties against F; STV counts as a D'Hondt party list of first preferences.
- A majority of the chief council is more than half of all its seats.

The algorithm, by dynamic programming over the tree, children before parents: for each council
c, a table `cost_c[k]` = the fewest base seat changes in c's subtree for F to hold exactly k of
c's seats (infinite when impossible). c's own base seats give `|k - held|`; a child d turns its
table into `best_d[j]` = min over x with delegates_d(x) = j of cost_d[x]; then
`cost_c = base (+) best_d1 (+) best_d2 ...` where (+) is min-plus convolution. The answer is
min over k > S_root / 2 of cost_root[k]; pointers kept at each convolution give back which
seats to win in which base council.

Complexity: with S_c the seats of council c, a child's conversion is O(S_d) and each
convolution O(S_c * (D_d + 1)) where D_d <= S_c is what d sends up, so the whole run is
O(sum over councils of S_c * (u_c + sum of D_d over its children)) <= O(sum S_c^2) time and
O(sum S_c) memory for the tables (plus the pointers, of the same order as the time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from dualpower.counting.party_list import allocate
from dualpower.domain import vote_methods

INF = float("inf")
BLOCK = "block"


def rule_for(seat_method: str) -> str:
    """The upward rule for a vote method (its `road` in domain/vote_methods.py): block for
    plurality, block, approval and irv, D'Hondt for STV, a party list's own rule."""
    method = vote_methods.find(seat_method)
    return method.road if method is not None else BLOCK


@dataclass(frozen=True)
class RoadCouncil:
    id: int
    parent_id: int | None
    base_seats: int  # seats this council's base units fill in it
    held: int  # of those, held by F now
    delegates: int = 0  # seats it fills in its parent (0 for the chief)
    rule: str = BLOCK  # how it elects them (rule_for of the electorate's method)


@cache
def delegates(rule: str, x: int, seats: int, sent: int) -> int:
    """Delegates F wins when it holds x of the lower council's `seats` and `sent` are elected."""
    if sent == 0 or seats == 0:
        return 0
    if rule == BLOCK:
        return sent if 2 * x > seats else 0
    return allocate([seats - x, x], sent, rule)[1]  # the others listed first: ties go to them


@dataclass
class Road:
    cost: float  # fewest base seats to change; inf when no road exists
    target: int  # F's seats in the chief council at the end of the road
    seats: int  # the chief council's seats
    changes: dict[int, int] = field(default_factory=dict)  # council -> base seats to win (+/-)
    holds: dict[int, int] = field(default_factory=dict)  # council -> F's seats on the road

    @property
    def exists(self) -> bool:
        return self.cost != INF


def _minplus(a: list[float], b: list[float]) -> tuple[list[float], list[int]]:
    out = [INF] * (len(a) + len(b) - 1)
    split = [0] * len(out)
    for j, bj in enumerate(b):
        if bj == INF:
            continue
        for i, ai in enumerate(a):
            if ai + bj < out[i + j]:
                out[i + j] = ai + bj
                split[i + j] = j
    return out, split


@dataclass
class _Table:
    cost: list[float]
    steps: list[tuple[int, list[int]]]  # (child id, split pointers) in convolution order
    pick: list[int]  # for this council as a child: j -> x that achieves best[j]


def _children(councils: dict[int, RoadCouncil]) -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {c: [] for c in councils}
    for c in councils.values():
        if c.parent_id is not None:
            kids[c.parent_id].append(c.id)
    return kids


def _postorder(root: int, kids: dict[int, list[int]]) -> list[int]:
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(kids[node])
    return order[::-1]


def _table(c: RoadCouncil, kids: list[int], tables: dict[int, _Table], all_: dict) -> _Table:  # type: ignore[type-arg]
    acc: list[float] = [abs(k - c.held) for k in range(c.base_seats + 1)]
    steps = []
    for kid in kids:
        d = all_[kid]
        best, pick = [INF] * (d.delegates + 1), [0] * (d.delegates + 1)
        seats_d = len(tables[kid].cost) - 1
        for x, cost in enumerate(tables[kid].cost):
            j = delegates(d.rule, x, seats_d, d.delegates)
            if cost < best[j]:
                best[j], pick[j] = cost, x
        tables[kid].pick = pick
        acc, split = _minplus(acc, best)
        steps.append((kid, split))
    return _Table(acc, steps, [])


def road(councils: Iterable[RoadCouncil]) -> Road:
    """The cheapest road to a majority of the chief council (see the module docstring)."""
    by_id = {c.id: c for c in councils}
    root = next(c.id for c in by_id.values() if c.parent_id is None)
    kids = _children(by_id)
    tables: dict[int, _Table] = {}
    for cid in _postorder(root, kids):
        tables[cid] = _table(by_id[cid], kids[cid], tables, by_id)
    top = tables[root].cost
    seats = len(top) - 1
    wanted = [k for k in range(seats + 1) if 2 * k > seats]
    if not wanted:
        return Road(INF, 0, seats)
    target = min(wanted, key=lambda k: (top[k], k))
    out = Road(top[target], target, seats)
    if out.exists:
        _walk(root, target, tables, by_id, out)
    return out


def _walk(cid: int, k: int, tables: dict[int, _Table], by_id: dict, out: Road) -> None:  # type: ignore[type-arg]
    out.holds[cid] = k
    for kid, split in reversed(tables[cid].steps):
        j = split[k]
        k -= j
        _walk(kid, tables[kid].pick[j], tables, by_id, out)
    change = k - by_id[cid].held
    if change:
        out.changes[cid] = change


def evaluate(councils: Iterable[RoadCouncil], held: dict[int, int]) -> dict[int, int]:
    """F's seats in every council when F holds `held[c]` of each council's base seats and every
    level re-elects its delegates under its rule (used to check a road, and by the tests)."""
    by_id = {c.id: c for c in councils}
    root = next(c.id for c in by_id.values() if c.parent_id is None)
    kids = _children(by_id)
    seats: dict[int, int] = {}
    total: dict[int, int] = {}
    for cid in _postorder(root, kids):
        c = by_id[cid]
        total[cid] = c.base_seats + sum(by_id[k].delegates for k in kids[cid])
        seats[cid] = held[cid] + sum(
            delegates(by_id[k].rule, seats[k], total[k], by_id[k].delegates) for k in kids[cid]
        )
    return seats
