"""A federation with one election of each kind closed, through the services: a secret plurality
election, an open approval one with a tie settled by lot, a secret instant-runoff one, an open
block one, and a recall petition in the South Council decided by a secret recall vote."""

from __future__ import annotations

from dataclasses import dataclass, field

from dualpower.services.elections import OpenElection, cast_ballot, nominate
from dualpower.services.recall import close_recall_vote, open_recall, sign_recall
from factories import Small, username
from fixtures_services import close_election
from fixtures_services import open_election as open_


@dataclass
class Busy:
    fed: Small
    elections: dict[str, int] = field(default_factory=dict)
    receipts: dict[str, dict[int, str]] = field(
        default_factory=dict
    )  # election -> voter -> receipt
    choices: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    candidates: dict[str, list[int]] = field(default_factory=dict)


def unit_members(fed: Small, unit: str, size: int) -> list[int]:
    return [fed.members[username(unit, i)] for i in range(1, size + 1)]


def _election(
    busy: Busy, name: str, unit: str, size: int, method: str, *, secret: bool, stand: int
) -> tuple[int, list[int], list[int]]:
    fed = busy.fed
    uow = fed.system.uow
    with uow() as w:
        electorate = w.electorates.for_unit(fed.units[unit])
    election = open_(uow(), OpenElection(electorate.id, method, is_secret=secret))
    voters = unit_members(fed, unit, size)
    cands = [
        nominate(uow(), election, voters[i], fed.factions["RG"[i % 2]], None) for i in range(stand)
    ]
    busy.elections[name] = election
    busy.candidates[name] = cands
    busy.receipts[name], busy.choices[name] = {}, {}
    return election, voters, cands


def _cast(busy: Busy, name: str, voter: int, choices: list[int]) -> None:
    uow = busy.fed.system.uow
    busy.receipts[name][voter] = cast_ballot(uow(), busy.elections[name], voter, choices)
    busy.choices[name][voter] = choices


def busy_federation(fed: Small) -> Busy:
    busy = Busy(fed)
    uow = fed.system.uow
    # Forge: secret plurality, three candidates
    election, voters, (a, b, c) = _election(
        busy, "secret", "Forge", 12, "plurality", secret=True, stand=3
    )
    for i, v in enumerate(voters):
        _cast(busy, "secret", v, [(a, b, c, a)[i % 4]])
    close_election(uow(), election)
    # Mill: open approval, two seats, a tie for the second (settled by the published seed)
    election, voters, (a, b, c) = _election(
        busy, "approval", "Mill", 12, "approval", secret=False, stand=3
    )
    for i, v in enumerate(voters):
        _cast(busy, "approval", v, [[a, b], [a, c], [a], [b, c, a]][i % 4])
    close_election(uow(), election)
    # Barracks: secret instant-runoff, four candidates for its one seat, several rounds
    election, voters, (a, b, c, d) = _election(
        busy, "irv", "Barracks", 8, "irv", secret=True, stand=4
    )
    rankings = [[a, c], [a, d], [b, c, a], [b, a], [c, b], [c, d, b], [d, c, b], [c]]
    for v, ranking in zip(voters, rankings, strict=True):
        _cast(busy, "irv", v, ranking)
    close_election(uow(), election)
    # Farm: open block voting
    election, voters, cands = _election(busy, "block", "Farm", 8, "block", secret=False, stand=3)
    for i, v in enumerate(voters):
        _cast(busy, "block", v, [cands[i % 3]])
    close_election(uow(), election)
    # South Council recalls by vote: a Mill deputy's recall, decided by a secret referendum
    with uow() as w:
        mill = set(unit_members(fed, "Mill", 12))
        target = next(
            md
            for md in w.mandates.active_in_council(fed.councils["South Council"])
            if md.holder_id in mill
        )
    mill_ids = unit_members(fed, "Mill", 12)
    signers = [m for m in mill_ids if m != target.holder_id][:4]
    petition = open_recall(uow(), target.id, signers[0])
    state = petition
    for m in signers[1:]:
        state = sign_recall(uow(), petition.id, m)
    assert state.vote_election_id is not None, state
    busy.elections["referendum"] = state.vote_election_id
    busy.receipts["referendum"], busy.choices["referendum"] = {}, {}
    for i, v in enumerate(mill_ids[:9]):
        _cast(busy, "referendum", v, [1 if i % 3 else 0])
    close_recall_vote(uow(), state.vote_election_id)
    return busy
