"""Recall at the first demand (DESIGN.md 2.2): open, sign, withdraw, and the recall vote.

The deciding signature (or the recall vote's close) ends the mandate in the same transaction as
itself: the cascade to higher seats and offices, and a by-election for every seat it empties.
The petition row is locked while a signature is counted, so concurrent signatures queue and the
threshold is crossed exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from dualpower.domain import errors
from dualpower.domain import recall as rules
from dualpower.domain.events import DeputyRecalled, PetitionChanged
from dualpower.domain.model import Council, Electorate, Mandate, RecallPetition
from dualpower.services.elections import OpenElection, electors, open_by_election, open_in
from dualpower.services.mandates import end_mandate
from dualpower.services.notify import notify
from dualpower.store.uow import UnitOfWork

RECALL_VOTE_DAYS = 7


@dataclass(frozen=True)
class PetitionState:
    id: int
    mandate_id: int
    status: str
    signatures: int
    threshold: int
    vote_election_id: int | None
    by_election_id: int | None


def _context(uow: UnitOfWork, mandate: Mandate) -> tuple[Electorate, Council, set[int]]:
    electorate = uow.electorates.get(mandate.electorate_id)
    council = uow.councils.get(mandate.council_id)
    assert electorate is not None and council is not None
    return electorate, council, electors(uow, electorate)


def _state(uow: UnitOfWork, petition: RecallPetition) -> PetitionState:
    mandate = uow.mandates.get(petition.mandate_id)
    assert mandate is not None
    _, council, eligible = _context(uow, mandate)
    valid = len(uow.recalls.signers(petition.id) & eligible)
    return PetitionState(
        id=petition.id,
        mandate_id=petition.mandate_id,
        status=petition.status,
        signatures=valid,
        threshold=rules.threshold(council.recall_rule, council.recall_trigger_bp, len(eligible)),
        vote_election_id=petition.vote_election_id,
        by_election_id=petition.by_election_id,
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


def _open_petition(uow: UnitOfWork, petition_id: int) -> tuple[RecallPetition, Mandate]:
    petition = uow.recalls.get_for_update(petition_id)
    if petition is None:
        raise errors.NotFound(f"no recall petition {petition_id}")
    if petition.status == "vote_open":
        raise errors.Conflict("signatures are closed: the recall vote is under way")
    if petition.status != "open":
        raise errors.Conflict(f"this petition is decided ({petition.status})")
    mandate = uow.mandates.get(petition.mandate_id)
    assert mandate is not None
    return petition, mandate


def sign_recall(uow: UnitOfWork, petition_id: int, member_id: int) -> PetitionState:
    return sign_many(uow, petition_id, [member_id])


def sign_many(uow: UnitOfWork, petition_id: int, member_ids: list[int]) -> PetitionState:
    """Signatures in one transaction (one online, or a sheet collected on paper), each counted
    as if given alone: the one that crosses the threshold decides, later ones are refused."""
    with uow:
        petition, mandate = _open_petition(uow, petition_id)
        _, council, eligible = _context(uow, mandate)
        for member_id in member_ids:
            if petition.status != "open":
                raise errors.Conflict(f"this petition is decided ({petition.status})")
            _sign_in(uow, petition, member_id, eligible)
            valid = len(uow.recalls.signers(petition.id) & eligible)
            rule, share = council.recall_rule, council.recall_trigger_bp
            if rules.is_reached(rule, share, len(eligible), valid):
                _decide(uow, petition, mandate, council, eligible)
                petition = uow.recalls.get(petition.id) or petition
        state = _changed(uow, petition.id)
        uow.commit()
    return state


def _sign_in(uow: UnitOfWork, petition: RecallPetition, member_id: int, eligible: set[int]) -> None:
    if member_id not in eligible:
        raise errors.NotAllowed("only electors of this seat's electorate may sign")
    try:
        with uow.conn.begin_nested():
            uow.recalls.add_signature(petition.id, member_id, uow.now())
    except IntegrityError:
        raise errors.Conflict("you have already signed this petition") from None
    uow.record("recall.sign", {"petition": petition.id, "member": member_id})


def withdraw_signature(uow: UnitOfWork, petition_id: int, member_id: int) -> PetitionState:
    with uow:
        petition, _ = _open_petition(uow, petition_id)
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
    uow: UnitOfWork,
    petition: RecallPetition,
    mandate: Mandate,
    council: Council,
    eligible: set[int],
) -> None:
    if council.recall_rule == "direct":
        recall_mandate(uow, petition, mandate)
        return
    vote = open_in(
        uow,
        OpenElection(
            mandate.electorate_id,
            "referendum",
            is_secret=True,
            kind="recall",
            closes_at=uow.now() + timedelta(days=RECALL_VOTE_DAYS),
        ),
        actor=None,
    )
    uow.recalls.decide(petition.id, "vote_open", None, vote_election_id=vote.id)
    uow.record("recall.trigger", {"petition": petition.id, "vote": vote.id})
    notify(
        uow,
        eligible,
        "recall_vote",
        "A recall vote on your deputy is open",
        f"/elections/{vote.id}",
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
        mandate = uow.mandates.get(petition.mandate_id)
        assert mandate is not None
        if rules.vote_recalls(yes, no) and mandate.is_active:
            recall_mandate(uow, petition, mandate)
        else:
            uow.recalls.decide(petition.id, "rejected", uow.now())
            uow.record("recall.reject", {"petition": petition.id, "yes": yes, "no": no})
        status = _changed(uow, petition.id).status
        uow.commit()
    return status
