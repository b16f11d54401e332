"""Tie-breaking rules shared by the ranked methods (`--ties RULE`, `count(..., ties=RULE)`).

- `backward-then-lot` (the default): look back through the earlier rounds, latest first, and
  decide by the first one in which the tied candidates' totals differed (the fewest then is
  excluded; the most then goes first); if they were equal in every round, draw a lot. This is
  the rule of the Scottish Local Government Elections Order 2007 (SSI 2007/42, schedule 1,
  rules 49(2)-(3) and 51(2)), and of most IRV statutes that name one.
- `lot`: draw a lot at once, without looking back (OpenSTV's and Droop's "random" tie-break).
- `order`: no lot at all: the tie goes by a fixed order of the candidates, the earlier ones
  favoured (the later one is excluded; the earlier one is elected or has its surplus moved
  first). The order is the file's `[tie ...]` line when it has one (Droop's BLT extension),
  else the order in which the file lists the candidates (the "index" order of Droop and of
  several STV crates' fixtures).

Every lot is drawn with `random.Random(seed)` (`choice` over the tied candidates in ballot-file
order, or `sample` for several places at once), so a count can be repeated by anyone with the
seed, and every tie that no earlier round settled is written to `CountResult.ties`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dualpower.counting.model import CountError

if TYPE_CHECKING:
    import random

TIE_RULES = ("backward-then-lot", "lot", "order")
DEFAULT_TIE_RULE = "backward-then-lot"


def check_rule(rule: str) -> str:
    if rule not in TIE_RULES:
        raise CountError(f"unknown tie rule {rule!r}; choose one of {', '.join(TIE_RULES)}")
    return rule


class TieBreaker:
    """Settles ties by one rule for one count; lots come from one `random.Random(seed)`."""

    def __init__(
        self,
        rule: str,
        seed: int,
        names: Sequence[str],
        order: Sequence[int] | None = None,
    ) -> None:
        self.rule = check_rule(rule)
        self.seed = seed
        self.names = names
        self.from_file = order is not None
        place = list(order) if order is not None else list(range(len(names)))
        self.place = {c: i for i, c in enumerate(place)}
        self._rng: random.Random | None = None

    @property
    def rng(self) -> random.Random:
        if self._rng is None:
            import random  # here: most counts draw no lot

            self._rng = random.Random(self.seed)
        return self._rng

    @property
    def source(self) -> str:
        return "the file's [tie] order" if self.from_file else "the candidates' order"

    def pick(
        self,
        tied: Sequence[int],
        history: Sequence[Any],
        *,
        lowest: bool,
        tol: Any = 0,
        what: str = "excluded",
    ) -> tuple[int, str | None]:
        """One of `tied` (the lowest when `lowest`, else the highest); and, when neither the
        totals nor the earlier rounds decided, a line saying how the rule did."""
        group = sorted(tied)
        if self.rule == "backward-then-lot":
            for totals in reversed(history):
                if len(group) == 1:
                    break
                vals = [totals[c] for c in group]
                low, high = min(vals), max(vals)
                if high - low <= tol:  # equal in that round too: look further back
                    continue
                target = low if lowest else high
                group = [c for c, v in zip(group, vals, strict=True) if abs(v - target) <= tol]
        if len(group) == 1:
            return group[0], None
        shown = ", ".join(self.names[c] for c in group)
        if self.rule == "order":
            ranked = sorted(group, key=lambda c: self.place.get(c, len(self.place) + c))
            chosen = ranked[-1] if lowest else ranked[0]
            return chosen, f"tie between {shown}; by {self.source}, {what} {self.names[chosen]}"
        chosen = self.rng.choice(group)
        how = " in every round; lot" if self.rule == "backward-then-lot" else "; lot"
        return chosen, f"tie between {shown}{how} (seed {self.seed}) {what} {self.names[chosen]}"

    def several(self, tied: Sequence[int], need: int) -> list[int]:
        """`need` of `tied` to take the last places (one round: no earlier round to look at)."""
        if self.rule == "order":
            ranked = sorted(tied, key=lambda c: self.place.get(c, len(self.place) + c))
            return sorted(ranked[:need])
        return sorted(self.rng.sample(list(tied), need))
