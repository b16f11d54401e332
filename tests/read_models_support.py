"""A small federation with something on every page (tests/factories.py `small_federation`):
offices in the North Council, a petition against a deputy still open, a recall by vote decided
and another still voting, a petition against an official, the by-election the decided recall
opened, a session of the North Council voting on a stipend, and a comment reported to a panel.
What the read model tests (tests/unit/services/test_read_models.py) read."""

from __future__ import annotations

from dataclasses import dataclass, field

from discussion_support import post, report
from dualpower.services import motions, recall, sessions, stipends
from dualpower.services.elections import cast_ballot
from factories import Small, username
from fixtures_services import show_of_hands
from offices_support import setup_offices, sit


@dataclass
class Busy:
    fed: Small
    petitions: list[int] = field(default_factory=list)  # every petition opened
    elections: list[int] = field(default_factory=list)  # every election, open and closed
    members: list[int] = field(default_factory=list)  # viewers: deputies, an official, electors


def _unit_deputies(fed: Small, unit: str) -> list[int]:
    with fed.system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units[unit])
        assert electorate is not None
        found = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
        return sorted(md.id for md in found)


def busy_world(fed: Small) -> Busy:
    system = fed.system
    offices = setup_offices(fed)
    forge = [fed.members[username("Forge", i)] for i in range(1, 13)]
    mill = [fed.members[username("Mill", i)] for i in range(1, 13)]
    busy = Busy(fed, members=[forge[0], forge[4], mill[0], mill[11], offices.holder["chair"]])

    # A petition against a deputy of the North Council (direct recall), open, two signatures.
    open_one = recall.open_recall(system.uow(), _unit_deputies(fed, "Forge")[0], forge[0])
    recall.sign_many(system.uow(), open_one.id, forge[:2])
    # Two recalls by vote in the South Council: one decided (recalled: a by-election opens),
    # one still voting.
    first, second = _unit_deputies(fed, "Mill")
    decided = recall.open_recall(system.uow(), first, mill[0])
    state = recall.sign_many(system.uow(), decided.id, mill[: decided.threshold])
    assert state.vote_election_id is not None
    for i, voter in enumerate(mill):
        cast_ballot(system.uow(), state.vote_election_id, voter, [1 if i < 8 else 0])
    assert recall.close_recall_vote(system.uow(), state.vote_election_id) == "recalled"
    voting = recall.open_recall(system.uow(), second, mill[1])
    still = recall.sign_many(system.uow(), voting.id, mill[1 : 1 + voting.threshold])
    assert still.vote_election_id is not None
    cast_ballot(system.uow(), still.vote_election_id, mill[2], [0])
    # A petition against the North Council's chair (an official), by the council's deputies.
    with system.uow() as uow:
        term = uow.office_terms.active_of_office(offices.office["chair"])
        assert term is not None
    official = recall.open_office_recall(system.uow(), term.id, offices.deputies[1])
    recall.sign_recall(system.uow(), official.id, offices.deputies[1])
    # The North Council in session, voting on the chair's stipend: one deputy has voted.
    session, chair = sit(offices), offices.holder["chair"]
    motion = stipends.propose_stipend(system.uow(), offices.deputies[-1], term.office_id, 90)
    sessions.add_to_agenda(system.uow(), chair, session, motion)
    motions.open_vote(system.uow(), motion, chair)
    show_of_hands(system.uow(), motion, [(offices.deputies[0], "yes")])
    # A comment on the petition still voting, reported: a panel is drawn to decide it.
    opened = report(fed, mill[4], post(fed, mill[3], voting.id))
    assert opened.panel, "the panel is drawn at once"
    busy.members.append(opened.panel[0])

    busy.petitions = [open_one.id, decided.id, voting.id, official.id]
    with system.uow() as uow:
        busy.elections = [e.id for e in uow.elections.list()]
    return busy
