"""Opening the elections of deputies (DESIGN.md 2.9).

- A general election of an electorate's seats is opened by the electoral commission of the
  council the seats belong to (an office holding `run_election`); while nobody in that council
  holds `run_election`, by any of its deputies (the bootstrap rule of office elections).
- The founding elections are the one bootstrap act: the operator opens every base unit's
  (`dualpower elections open-founding`); when every seat of a level is filled, the clock opens
  the founding elections of the level above, until the chief council sits.

Every election opened here takes its windows (nominations, then voting) and, for a founding
election, its secrecy from the council's standing orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from dualpower.domain import capabilities as caps
from dualpower.domain import errors
from dualpower.domain.cycle import plain_moment
from dualpower.domain.model import Council, Election, Electorate
from dualpower.services import office_terms
from dualpower.services.authority import OPERATOR
from dualpower.services.elections import check_method, open_in_windows
from dualpower.services.notify import notify_rolls
from dualpower.store.tables_recall import Notice, roll_of
from dualpower.store.uow import UnitOfWork


@dataclass(frozen=True)
class GeneralElection:
    """`POST /councils/{id}/elections`: the seats of one of the council's electorates, named by
    its source (a base unit, or a lower council)."""

    council_id: int
    source_kind: str  # "unit" | "council"
    source_id: int
    method: str | None = None  # the council's seat method when None
    is_secret: bool | None = None  # the council's standing orders when None


def _electorate_of(uow: UnitOfWork, cmd: GeneralElection) -> Electorate:
    if cmd.source_kind == "unit":
        electorate = uow.electorates.for_unit(cmd.source_id)
    elif cmd.source_kind == "council":
        electorate = uow.electorates.for_source_council(cmd.source_id)
    else:
        raise errors.InvalidRequest("an electorate's kind is 'unit' or 'council'")
    if electorate is None or electorate.council_id != cmd.council_id:
        raise errors.NotFound(
            f"council {cmd.council_id} has no seats elected by {cmd.source_kind} {cmd.source_id}"
        )
    return electorate


def runs_elections(uow: UnitOfWork, member_id: int, council_id: int) -> bool:
    """Whether the member may open the council's elections now: its electoral commission, or,
    while nobody in the council holds `run_election`, any of its deputies."""
    commission = uow.offices.holders_of(caps.RUN_ELECTION, council_id)
    if member_id in commission:
        return True
    deputies = office_terms.deputies(uow, council_id)
    return member_id in deputies and not commission & deputies


def may_run_elections(uow: UnitOfWork, member_id: int, council_id: int) -> None:
    """Pass if the member may open the council's elections now (`runs_elections`)."""
    if runs_elections(uow, member_id, council_id):
        return
    raise errors.NotAllowed(
        "this needs the capability 'run election' of an office of this council, held now "
        "(while nobody holds it, any of its deputies may)"
    )


def open_general(uow: UnitOfWork, cmd: GeneralElection, member_id: int) -> int:
    """Open a general election of an electorate's seats; one transaction."""
    with uow:
        council = uow.councils.get(cmd.council_id)
        if council is None:
            raise errors.NotFound(f"no council {cmd.council_id}")
        electorate = _electorate_of(uow, cmd)
        may_run_elections(uow, member_id, council.id)
        uow.electorates.lock(electorate.id)
        if uow.elections.has_open(electorate.id):
            raise errors.Conflict("an election of these seats is open already")
        election = _open(uow, council, electorate, "general", str(member_id), cmd)
        uow.commit()
    return election.id


def _open(
    uow: UnitOfWork,
    council: Council,
    electorate: Electorate,
    kind: str,
    actor: str,
    cmd: GeneralElection | None = None,
) -> Election:
    orders = uow.standing_orders.of(council_id=council.id)
    method = (cmd.method if cmd else None) or council.seat_method
    check_method(method, kind)
    is_secret = cmd.is_secret if cmd is not None and cmd.is_secret is not None else None
    if is_secret is None:
        is_secret = bool(orders["secret_elections"])
    election = open_in_windows(uow, electorate, method, is_secret, kind, actor)
    assert election.nominations_close_at is not None
    notify_rolls(
        uow,
        [
            Notice(
                roll_of(electorate),
                "election",
                f"An election of deputies to {council.name} is open: nominations until "
                f"{plain_moment(election.nominations_close_at)}",
                f"/elections/{election.id}",
            )
        ],
    )
    return election


def _unseated(uow: UnitOfWork, electorates: list[Electorate]) -> list[Electorate]:
    """Electorates with seats that never had a mandate and have no open election."""
    ever = uow.mandates.ever_seated()
    return [
        e
        for e in electorates
        if e.id not in ever and e.seats > 0 and not uow.elections.has_open(e.id)
    ]


def open_founding_in(uow: UnitOfWork, electorates: list[Electorate], actor: str) -> list[int]:
    opened = []
    for electorate in electorates:
        uow.electorates.lock(electorate.id)  # a second opener waits, then finds it open
        if uow.elections.has_open(electorate.id):
            continue
        council = uow.councils.get(electorate.council_id)
        assert council is not None
        opened.append(_open(uow, council, electorate, "founding", actor).id)
    return opened


def open_founding(uow: UnitOfWork) -> list[int]:
    """The bootstrap (a logged operator act): open every base unit's founding election."""
    with uow:
        if uow.federations.only() is None:
            raise errors.NotFound("no federation yet: found one with `dualpower init --plan`")
        units = [e for e in uow.electorates.list() if e.kind == "unit"]
        opened = open_founding_in(uow, _unseated(uow, units), OPERATOR)
        uow.record(
            "elections.open_founding", {"elections": opened}, actor=OPERATOR, is_operator=True
        )
        uow.commit()
    return opened


def _depths(councils: list[Council]) -> dict[int, int]:
    parent = {c.id: c.parent_id for c in councils}
    depth: dict[int, int] = {}
    for c in councils:
        d, at = 0, c.id
        while parent.get(at) is not None:
            at = parent[at]  # type: ignore[assignment]
            d += 1
        depth[c.id] = d
    return depth


def next_founding_in(uow: UnitOfWork, actor: str) -> list[int]:
    """When every seat of a level is filled, open the founding elections of the level above:
    the seats a council's deputies elect in its parent, for councils whose whole level sits."""
    councils = uow.councils.list()
    depth = _depths(councils)
    electorates = uow.electorates.list()
    seated = uow.mandates.seated_by_electorate()
    full: dict[int, bool] = {}
    for e in electorates:  # a level is the councils of one depth; its seats, their electorates'
        level = depth[e.council_id]
        full[level] = full.get(level, True) and seated.get(e.id, 0) >= e.seats
    ready = [
        e
        for e in electorates
        if e.kind == "council"
        and e.source_council_id is not None
        and full.get(depth[e.source_council_id], False)
    ]
    return open_founding_in(uow, _unseated(uow, ready), actor)
