"""Recall at the first demand (DESIGN.md 2.2): open, sign, withdraw, and the recall vote.

The deciding signature (or the recall vote's close) ends the mandate in the same transaction as
itself: the cascade to higher seats and offices, and a by-election for every seat it empties.
The petition row is locked while a signature is counted, so concurrent signatures queue and the
threshold is crossed exactly once.

Officials are recalled the same way by the council that elected them: a petition against an
office term, whose electors are the council's deputies now, under the council's recall rule. The
deciding signature (or the recall vote) ends the term and opens an office by-election.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from dualpower.domain import errors
from dualpower.domain import recall as rules
from dualpower.domain.events import DeputyRecalled, PetitionChanged
from dualpower.domain.model import Council, Electorate, Mandate, RecallPetition
from dualpower.domain.offices import OfficeTerm
from dualpower.services import limits, office_terms
from dualpower.services.elections import (
    BY_ELECTION_DAYS,
    OpenElection,
    electors,
    open_by_election,
    open_in,
    open_office_in,
)
from dualpower.services.mandates import end_mandate
from dualpower.services.notify import notify
from dualpower.services.secrecy import unlink_ballots
from dualpower.store.uow import UnitOfWork

RECALL_VOTE_DAYS = 7


@dataclass(frozen=True)
class PetitionState:
    id: int
    mandate_id: int | None
    status: str
    signatures: int
    threshold: int
    vote_election_id: int | None
    by_election_id: int | None
    office_term_id: int | None = None


def _context(uow: UnitOfWork, mandate: Mandate) -> tuple[Electorate, Council, set[int]]:
    electorate = uow.electorates.get(mandate.electorate_id)
    council = uow.councils.get(mandate.council_id)
    assert electorate is not None and council is not None
    return electorate, council, electors(uow, electorate)


def _term_context(uow: UnitOfWork, term: OfficeTerm) -> tuple[Council, set[int]]:
    office = office_terms.get_office(uow, term.office_id)
    council = uow.councils.get(office.council_id)
    assert council is not None
    return council, office_terms.deputies(uow, council.id)


def _target(uow: UnitOfWork, petition: RecallPetition) -> tuple[Council, set[int]]:
    """The council whose recall rule applies, and who may sign now."""
    if petition.office_term_id is not None:
        term = uow.office_terms.get(petition.office_term_id)
        assert term is not None
        return _term_context(uow, term)
    mandate = uow.mandates.get(petition.mandate_id or 0)
    assert mandate is not None
    _, council, eligible = _context(uow, mandate)
    return council, eligible


def _state(uow: UnitOfWork, petition: RecallPetition) -> PetitionState:
    council, eligible = _target(uow, petition)
    valid = len(uow.recalls.signers(petition.id) & eligible)
    return PetitionState(
        id=petition.id,
        mandate_id=petition.mandate_id,
        status=petition.status,
        signatures=valid,
        threshold=rules.threshold(council.recall_rule, council.recall_trigger_bp, len(eligible)),
        vote_election_id=petition.vote_election_id,
        by_election_id=petition.by_election_id,
        office_term_id=petition.office_term_id,
    )


def _changed(uow: UnitOfWork, petition_id: int) -> PetitionState:
    petition = uow.recalls.get(petition_id)
    assert petition is not None
    state = _state(uow, petition)
    uow.emit(PetitionChanged(state.id, state.status, state.signatures, state.threshold))
    return state


def open_recall(uow: UnitOfWork, mandate_id: int, opener_id: int) -> PetitionState:
    """Any elector of the seat's electorate opens a petition; no reason is asked."""
    with uow:
        limits.hit(uow, limits.PETITIONS, opener_id)
        mandate = uow.mandates.get(mandate_id)
        if mandate is None:
            raise errors.NotFound(f"no mandate {mandate_id}")
        if not mandate.is_active:
            raise errors.Conflict("this mandate has already ended")
        _, _, eligible = _context(uow, mandate)
        if opener_id not in eligible:
            raise errors.NotAllowed("only electors of this seat's electorate may open a recall")
        try:
            with uow.conn.begin_nested():
                petition_id = uow.recalls.add(
                    mandate_id=mandate.id, opened_by=opener_id, opened_at=uow.now(), status="open"
                )
        except IntegrityError:
            existing = uow.recalls.undecided_for(mandate.id)
            which = f" (petition {existing.id})" if existing else ""
            raise errors.Conflict(
                f"a recall petition against this mandate is open{which}"
            ) from None
        uow.record(
            "recall.open", {"petition": petition_id, "mandate": mandate.id}, actor=str(opener_id)
        )
        notify(
            uow,
            eligible,
            "recall_opened",
            "A recall petition against your deputy was opened",
            f"/recalls/{petition_id}",
        )
        state = _changed(uow, petition_id)
        uow.commit()
    return state


def open_office_recall(uow: UnitOfWork, term_id: int, opener_id: int) -> PetitionState:
    """Any deputy of the council that elected an official opens a petition against their term."""
    with uow:
        limits.hit(uow, limits.PETITIONS, opener_id)
        term = uow.office_terms.get(term_id)
        if term is None:
            raise errors.NotFound(f"no office term {term_id}")
        if not term.is_active:
            raise errors.Conflict("this office term has already ended")
        council, eligible = _term_context(uow, term)
        if opener_id not in eligible:
            raise errors.NotAllowed(
                "only deputies of the council that elected this official may open a recall"
            )
        try:
            with uow.conn.begin_nested():
                petition_id = uow.recalls.add(
                    mandate_id=None,
                    office_term_id=term.id,
                    opened_by=opener_id,
                    opened_at=uow.now(),
                    status="open",
                )
        except IntegrityError:
            raise errors.Conflict("a recall petition against this official is open") from None
        uow.record(
            "recall.open", {"petition": petition_id, "office_term": term.id}, actor=str(opener_id)
        )
        notify(
            uow,
            eligible,
            "recall_opened",
            f"A recall petition against an official of {council.name} was opened",
            f"/recalls/{petition_id}",
        )
        state = _changed(uow, petition_id)
        uow.commit()
    return state


def _open_petition(uow: UnitOfWork, petition_id: int) -> RecallPetition:
    petition = uow.recalls.get_for_update(petition_id)
    if petition is None:
        raise errors.NotFound(f"no recall petition {petition_id}")
    if petition.status == "vote_open":
        raise errors.Conflict("signatures are closed: the recall vote is under way")
    if petition.status != "open":
        raise errors.Conflict(f"this petition is decided ({petition.status})")
    if petition.office_term_id is not None:
        term = uow.office_terms.get(petition.office_term_id)
        if term is None or not term.is_active:
            raise errors.Conflict("this office term has already ended")
    return petition


def sign_recall(uow: UnitOfWork, petition_id: int, member_id: int) -> PetitionState:
    return sign_many(uow, petition_id, [member_id], online=True)


def sign_many(
    uow: UnitOfWork, petition_id: int, member_ids: list[int], *, online: bool = False
) -> PetitionState:
    """Signatures in one transaction (one online, or a sheet collected on paper), each counted
    as if given alone: the one that crosses the threshold decides, later ones are refused."""
    with uow:
        if online:
            limits.hit(uow, limits.SIGNATURES, member_ids[0])
        petition = _open_petition(uow, petition_id)
        council, eligible = _target(uow, petition)
        for member_id in member_ids:
            if petition.status != "open":
                raise errors.Conflict(f"this petition is decided ({petition.status})")
            _sign_in(uow, petition, member_id, eligible)
            valid = len(uow.recalls.signers(petition.id) & eligible)
            rule, share = council.recall_rule, council.recall_trigger_bp
            if rules.is_reached(rule, share, len(eligible), valid):
                _decide(uow, petition, council, eligible)
                petition = uow.recalls.get(petition.id) or petition
        state = _changed(uow, petition.id)
        uow.commit()
    return state


def _sign_in(uow: UnitOfWork, petition: RecallPetition, member_id: int, eligible: set[int]) -> None:
    if member_id not in eligible:
        raise errors.NotAllowed(
            "only electors of this seat's electorate (for an official: "
            "deputies of their council) may sign"
        )
    try:
        with uow.conn.begin_nested():
            uow.recalls.add_signature(petition.id, member_id, uow.now())
    except IntegrityError:
        raise errors.Conflict("you have already signed this petition") from None
    uow.record("recall.sign", {"petition": petition.id, "member": member_id})


def withdraw_signature(uow: UnitOfWork, petition_id: int, member_id: int) -> PetitionState:
    with uow:
        petition = _open_petition(uow, petition_id)
        if not uow.recalls.remove_signature(petition.id, member_id):
            raise errors.Conflict("you have not signed this petition")
        uow.record("recall.withdraw", {"petition": petition.id, "member": member_id})
        state = _changed(uow, petition.id)
        uow.commit()
    return state


def petition_state(uow: UnitOfWork, petition_id: int) -> PetitionState:
    with uow:
        petition = uow.recalls.get(petition_id)
        if petition is None:
            raise errors.NotFound(f"no recall petition {petition_id}")
        return _state(uow, petition)


def _decide(
    uow: UnitOfWork, petition: RecallPetition, council: Council, eligible: set[int]
) -> None:
    if council.recall_rule == "direct":
        _recall(uow, petition)
        return
    closes_at = uow.now() + timedelta(days=RECALL_VOTE_DAYS)
    if petition.office_term_id is not None:
        term = uow.office_terms.get(petition.office_term_id)
        assert term is not None
        vote = open_office_in(
            uow, term.office_id, "referendum", is_secret=True, kind="recall", closes_at=closes_at
        )
    else:
        mandate = uow.mandates.get(petition.mandate_id or 0)
        assert mandate is not None
        vote = open_in(
            uow,
            OpenElection(
                mandate.electorate_id,
                "referendum",
                is_secret=True,
                kind="recall",
                closes_at=closes_at,
            ),
            actor=None,
        )
    uow.recalls.decide(petition.id, "vote_open", None, vote_election_id=vote.id)
    uow.record("recall.trigger", {"petition": petition.id, "vote": vote.id})
    notify(
        uow,
        eligible,
        "recall_vote",
        "A recall vote on your deputy is open"
        if petition.office_term_id is None
        else f"A recall vote on an official of {council.name} is open",
        f"/elections/{vote.id}",
    )


def _recall(uow: UnitOfWork, petition: RecallPetition) -> None:
    if petition.office_term_id is not None:
        term = uow.office_terms.get(petition.office_term_id)
        assert term is not None
        recall_term(uow, petition, term)
    else:
        mandate = uow.mandates.get(petition.mandate_id or 0)
        assert mandate is not None
        recall_mandate(uow, petition, mandate)


def recall_term(uow: UnitOfWork, petition: RecallPetition, term: OfficeTerm) -> None:
    """End an official's term (the capabilities go with it) and open the office's by-election."""
    now = uow.now()
    if not uow.recalls.decide(petition.id, "recalled", now):
        return  # decided by another transaction
    office = office_terms.get_office(uow, term.office_id)
    office_terms.end_term(uow, term, "recalled", now)
    by_election = open_office_in(
        uow,
        office.id,
        "plurality",
        kind="by",
        closes_at=now + timedelta(days=BY_ELECTION_DAYS),
    )
    uow.recalls.set(petition.id, by_election_id=by_election.id)
    uow.record(
        "recall.decide",
        {"petition": petition.id, "office_term": term.id, "by_elections": [by_election.id]},
    )
    council = uow.councils.get(office.council_id)
    assert council is not None
    notify(
        uow,
        office_terms.deputies(uow, office.council_id),
        "by_election",
        f"An election for the office {office.name!r} of {council.name} is open",
        f"/elections/{by_election.id}",
    )


def recall_mandate(uow: UnitOfWork, petition: RecallPetition, mandate: Mandate) -> None:
    """End the mandate and all that rested on it; open a by-election for every emptied seat."""
    now = uow.now()
    if not uow.recalls.decide(petition.id, "recalled", now):
        return  # decided by another transaction
    ended = end_mandate(uow, mandate, "recalled", now, actor=None)
    by_elections = [open_by_election(uow, md) for md in ended]
    uow.recalls.set(petition.id, by_election_id=by_elections[0] if by_elections else None)
    uow.record(
        "recall.decide",
        {
            "petition": petition.id,
            "mandate": mandate.id,
            "ended": [md.id for md in ended],
            "by_elections": by_elections,
        },
    )
    uow.emit(DeputyRecalled(mandate.id, mandate.holder_id, tuple(md.id for md in ended)))


def close_recall_vote(uow: UnitOfWork, election_id: int, actor: str | None = None) -> str:
    """Count a recall vote: more yes than no recalls. Returns the petition's new status."""
    with uow:
        election = uow.elections.get(election_id)
        petition = uow.recalls.by_vote_election(election_id)
        if election is None or petition is None:
            raise errors.NotFound(f"no recall vote {election_id}")
        if election.status != "open":
            raise errors.Conflict("the recall vote is already closed")
        unlink_ballots(uow, election.id)  # a recall vote is secret
        choices = uow.elections.ballot_choices(election.id)
        yes = sum(1 for c in choices if c == [1])
        no = sum(1 for c in choices if c == [0])
        result = {"method": "referendum", "yes": yes, "no": no, "ballots": len(choices)}
        uow.elections.set(election.id, status="closed", closed_at=uow.now(), result=result)
        uow.record(
            "election.close",
            {
                "election": election.id,
                "yes": yes,
                "no": no,
                "ballots": uow.elections.published_ballots(election.id),
            },
            actor=actor,
        )
        if rules.vote_recalls(yes, no) and _target_active(uow, petition):
            _recall(uow, petition)
        else:
            uow.recalls.decide(petition.id, "rejected", uow.now())
            uow.record("recall.reject", {"petition": petition.id, "yes": yes, "no": no})
        status = _changed(uow, petition.id).status
        uow.commit()
    return status


def _target_active(uow: UnitOfWork, petition: RecallPetition) -> bool:
    if petition.office_term_id is not None:
        term = uow.office_terms.get(petition.office_term_id)
        return term is not None and term.is_active
    mandate = uow.mandates.get(petition.mandate_id or 0)
    return mandate is not None and mandate.is_active
