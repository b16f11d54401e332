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

from dataclasses import dataclass, replace
from datetime import datetime

from dualpower.domain import errors
from dualpower.domain import recall as rules
from dualpower.domain.events import DeputyRecalled, OfficialRecalled, PetitionChanged
from dualpower.domain.model import Council, Electorate, Mandate, RecallPetition
from dualpower.domain.offices import OfficeTerm
from dualpower.services import limits, office_terms, roll_rules
from dualpower.services.durable import durably
from dualpower.services.elections import (
    OpenElection,
    electors,  # noqa: F401  (re-exported: who may sign a petition against a seat)
    open_by_elections,
    open_in,
    open_office_in,
    seat_schedule,
)
from dualpower.services.mandates import end_mandate
from dualpower.services.notify import notify_rolls
from dualpower.services.secrecy import unlink_ballots
from dualpower.store.tables_recall import Notice, Roll, RollRule, roll_of
from dualpower.store.uow import UnitOfWork


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


@dataclass(frozen=True)
class _Target:
    """A petition and what it is against: the council whose recall rule applies, who may sign
    now (a roll: the seat's electorate, or for an official the council's deputies), and the
    mandate with its electorate, or the office term."""

    petition: RecallPetition
    council: Council
    roll: Roll
    mandate: Mandate | None = None
    electorate: Electorate | None = None
    term: OfficeTerm | None = None

    @property
    def rule(self) -> RollRule:
        """The petition's electorate: the roll when it opened (members who joined since neither
        sign nor raise the threshold; one who left since no longer counts), of verified members
        only where the council's standing orders ask for it (DESIGN.md 2.10)."""
        return RollRule(self.petition.opened_at, self.council.verified_only)


def _load(uow: UnitOfWork, petition_id: int, *, lock: bool) -> _Target:
    """The petition with its target in one query (for a mandate; an official's needs three)."""
    found = uow.recall_paths.petition(petition_id, lock=lock)
    if found is None:
        raise errors.NotFound(f"no recall petition {petition_id}")
    petition, mandate, electorate, council = found
    if petition.office_term_id is not None:
        term = uow.office_terms.get(petition.office_term_id)
        assert term is not None
        office = office_terms.get_office(uow, term.office_id)
        council = uow.councils.get(office.council_id)
        assert council is not None
        return _Target(petition, council, ("council", council.id), term=term)
    assert mandate is not None and electorate is not None and council is not None
    return _Target(petition, council, roll_of(electorate), mandate, electorate)


def petition_council(uow: UnitOfWork, petition_id: int) -> int:
    """The council whose recall rule decides the petition: the seat's, or the official's."""
    return int(_load(uow, petition_id, lock=False).council.id)


def _answer(
    target: _Target,
    roll: int,
    signatures: int,
    status: str | None = None,
    *,
    vote_election_id: int | None = None,
    by_election_id: int | None = None,
) -> PetitionState:
    """The petition's state from what the act knows already (nothing read again)."""
    petition, council = target.petition, target.council
    return PetitionState(
        id=petition.id,
        mandate_id=petition.mandate_id,
        status=status or petition.status,
        signatures=signatures,
        threshold=rules.threshold(council.recall_rule, council.recall_trigger_bp, roll),
        vote_election_id=vote_election_id or petition.vote_election_id,
        by_election_id=by_election_id or petition.by_election_id,
        office_term_id=petition.office_term_id,
    )


def _counted(uow: UnitOfWork, target: _Target, status: str | None = None) -> PetitionState:
    tally = uow.recall_paths.tally(target.petition.id, target.roll, rule=target.rule)
    return _answer(target, tally.roll, tally.signatures, status)


def _changed(uow: UnitOfWork, state: PetitionState) -> PetitionState:
    uow.emit(PetitionChanged(state.id, state.status, state.signatures, state.threshold))
    return state


def _opened(
    uow: UnitOfWork, target: _Target, against: dict[str, int], notice: str
) -> PetitionState:
    """A petition just opened: logged, its electorate told, and its state (none signed yet)."""
    petition = target.petition
    uow.record("recall.open", {"petition": petition.id} | against, actor=str(petition.opened_by))
    notify_rolls(uow, [Notice(target.roll, "recall_opened", notice, f"/recalls/{petition.id}")])
    return _changed(uow, _counted(uow, target))


def open_recall(uow: UnitOfWork, mandate_id: int, opener_id: int) -> PetitionState:
    """Any elector of the seat's electorate opens a petition; no reason is asked."""
    with uow:
        limits.hit(uow, limits.PETITIONS, opener_id)
        seat = uow.recall_paths.mandate_seat(mandate_id)
        if seat is None:
            raise errors.NotFound(f"no mandate {mandate_id}")
        mandate, electorate, council = seat
        if not mandate.is_active:
            raise errors.Conflict("this mandate has already ended")
        roll = roll_of(electorate)
        if not uow.recall_paths.is_on_roll(roll, opener_id):
            raise errors.NotAllowed("only electors of this seat's electorate may open a recall")
        _check_verified(uow, council, roll, opener_id, "open")
        try:
            with uow.savepoint():
                petition_id = uow.recalls.add(
                    mandate_id=mandate.id, opened_by=opener_id, opened_at=uow.now(), status="open"
                )
        except errors.Duplicate:
            existing = uow.recalls.undecided_for(mandate.id)
            which = f" (petition {existing.id})" if existing else ""
            raise errors.Conflict(
                f"a recall petition against this mandate is open{which}"
            ) from None
        petition = RecallPetition(petition_id, mandate.id, opener_id, uow.now(), "open")
        state = _opened(
            uow,
            _Target(petition, council, roll, mandate, electorate),
            {"mandate": mandate.id},
            "A recall petition against your deputy was opened",
        )
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
        office = office_terms.get_office(uow, term.office_id)
        council = uow.councils.get(office.council_id)
        assert council is not None
        roll: Roll = ("council", council.id)
        if not uow.recall_paths.is_on_roll(roll, opener_id):
            raise errors.NotAllowed(
                "only deputies of the council that elected this official may open a recall"
            )
        _check_verified(uow, council, roll, opener_id, "open")
        with uow.unique_or(errors.Conflict("a recall petition against this official is open")):
            petition_id = uow.recalls.add(
                mandate_id=None,
                office_term_id=term.id,
                opened_by=opener_id,
                opened_at=uow.now(),
                status="open",
            )
        petition = RecallPetition(
            petition_id, None, opener_id, uow.now(), "open", office_term_id=term.id
        )
        state = _opened(
            uow,
            _Target(petition, council, roll, term=term),
            {"office_term": term.id},
            f"A recall petition against an official of {council.name} was opened",
        )
        uow.commit()
    return state


def _open_petition(uow: UnitOfWork, petition_id: int) -> _Target:
    """The petition, locked until commit (signatures on it queue), and still taking signatures."""
    target = _load(uow, petition_id, lock=True)
    petition = target.petition
    if petition.status == "vote_open":
        raise errors.Conflict("signatures are closed: the recall vote is under way")
    if petition.status != "open":
        raise errors.Conflict(f"this petition is decided ({petition.status})")
    if target.term is not None and not target.term.is_active:
        raise errors.Conflict("this office term has already ended")
    return target


def sign_recall(uow: UnitOfWork, petition_id: int, member_id: int) -> PetitionState:
    return sign_many(uow, petition_id, [member_id], online=True)


def sign_many(
    uow: UnitOfWork, petition_id: int, member_ids: list[int], *, online: bool = False
) -> PetitionState:
    """Signatures in one transaction (one online, or a sheet collected on paper), each counted
    as if given alone: the one that crosses the threshold decides, later ones are refused."""
    return durably(uow, sign_many_in, petition_id, member_ids, online=online)


def sign_many_in(
    uow: UnitOfWork,
    petition_id: int,
    member_ids: list[int],
    *,
    online: bool = False,
    entered_by: int | None = None,
    is_operator: bool = False,
) -> PetitionState:
    """`sign_many` inside the caller's transaction; a paper sheet names who entered it
    (`entered_by`, the actor of its `recall.sign` entries, marked `paper`).

    The petition row is locked first, so the counts read next stay true until commit: the roll's
    size and the valid signatures are counted (never listed), and each signature adds one."""
    actor = None if entered_by is None else str(entered_by)
    on_paper = {} if entered_by is None else {"paper": True}
    if online:
        limits.hit(uow, limits.SIGNATURES, member_ids[0])
    target = _open_petition(uow, petition_id)
    petition, council = target.petition, target.council
    tally = uow.recall_paths.tally(petition.id, target.roll, member_ids, target.rule)
    valid, signed, new = tally.signatures, set(tally.signed), []
    decided: PetitionState | None = None
    for member_id in member_ids:
        if decided is not None:
            raise errors.Conflict(f"this petition is decided ({decided.status})")
        if member_id not in tally.eligible:
            _refuse_signer(uow, target, member_id)
        if member_id in signed:
            raise errors.Conflict("you have already signed this petition")
        signed.add(member_id)
        new.append(member_id)
        uow.record(
            "recall.sign",
            {"petition": petition.id, "member": member_id, **on_paper},
            actor=actor,
            is_operator=is_operator,
        )
        valid += 1
        if rules.is_reached(council.recall_rule, council.recall_trigger_bp, tally.roll, valid):
            _add_signatures(uow, petition.id, new)
            new = []
            decided = _decide(uow, target, tally.roll, valid)
    _add_signatures(uow, petition.id, new)
    return _changed(uow, decided or _answer(target, tally.roll, valid))


def _check_verified(
    uow: UnitOfWork, council: Council, roll: Roll, member_id: int, act: str
) -> None:
    """Refuse an unverified member where the council's standing orders ask for verification."""
    if council.verified_only and not uow.recall_paths.is_on_roll(
        roll, member_id, RollRule(verified=True)
    ):
        raise errors.NotAllowed(UNVERIFIED[act])


UNVERIFIED = {  # web/i18n_messages.py has each
    "open": "the standing orders here ask that only members verified by the credentials "
    "committee open a recall: you are not verified",
    "sign": "the standing orders here ask that only members verified by the credentials "
    "committee sign: you are not verified",
}
JOINED_LATE = (
    "you joined this roll after the petition opened: its electorate is the roll as it stood then"
)


def _refuse_signer(uow: UnitOfWork, target: _Target, member_id: int) -> None:
    """Say why a member may not sign (the refusal path only: a question or two more)."""
    why = roll_rules.why_not(uow, target.roll, target.rule, member_id)
    if why == "unverified":
        raise errors.NotAllowed(UNVERIFIED["sign"])
    if why == "joined_late":
        raise errors.NotAllowed(JOINED_LATE)
    raise errors.NotAllowed(
        "only electors of this seat's electorate (for an official: "
        "deputies of their council) may sign"
    )


def _add_signatures(uow: UnitOfWork, petition_id: int, member_ids: list[int]) -> None:
    if not member_ids:
        return
    try:
        with uow.constrained():
            uow.recall_paths.add_signatures(petition_id, member_ids, uow.now())
    except errors.Duplicate:  # only if the petition's lock were bypassed; the act is rolled back
        raise errors.Conflict("you have already signed this petition") from None


def withdraw_signature(uow: UnitOfWork, petition_id: int, member_id: int) -> PetitionState:
    with uow:
        target = _open_petition(uow, petition_id)
        if not uow.recalls.remove_signature(target.petition.id, member_id):
            raise errors.Conflict("you have not signed this petition")
        uow.record("recall.withdraw", {"petition": target.petition.id, "member": member_id})
        state = _changed(uow, _counted(uow, target))
        uow.commit()
    return state


def petition_state(uow: UnitOfWork, petition_id: int) -> PetitionState:
    with uow:
        return petition_state_in(uow, petition_id)


def petition_state_in(uow: UnitOfWork, petition_id: int) -> PetitionState:
    """The petition's count now, inside an entered unit of work (a page's read)."""
    return _counted(uow, _load(uow, petition_id, lock=False))


def may_sign_in(uow: UnitOfWork, petition_id: int, member_id: int) -> tuple[bool, str | None]:
    """Whether a member is on the petition's electorate (inside an entered unit of work), and
    if not, why (`roll_rules.why_not`)."""
    target = _load(uow, petition_id, lock=False)
    tally = uow.recall_paths.tally(petition_id, target.roll, [member_id], target.rule)
    if member_id in tally.eligible:
        return True, None
    return False, roll_rules.why_not(uow, target.roll, target.rule, member_id)


def _decide(uow: UnitOfWork, target: _Target, roll: int, valid: int) -> PetitionState:
    """The threshold is reached: recall now (direct), or open the recall vote."""
    petition, council = target.petition, target.council
    if council.recall_rule == "direct":
        by_election = _recall(uow, target)
        return _answer(target, roll, valid, "recalled", by_election_id=by_election)
    voting = seat_schedule(uow, council.id, nominations=False)  # a recall vote has no candidates
    closes_at = voting.closes_at
    if target.term is not None:
        vote = open_office_in(
            uow,
            target.term.office_id,
            "referendum",
            is_secret=True,
            kind="recall",
            closes_at=closes_at,
        )
    else:
        assert target.electorate is not None
        vote = open_in(
            uow,
            OpenElection(
                target.electorate.id,
                "referendum",
                is_secret=True,
                kind="recall",
                closes_at=closes_at,
            ),
            actor=None,
            electorate=target.electorate,
        )
    uow.recalls.decide(petition.id, "vote_open", None, vote_election_id=vote.id)
    uow.record("recall.trigger", {"petition": petition.id, "vote": vote.id})
    notify_rolls(
        uow,
        [
            Notice(
                target.roll,
                "recall_vote",
                "A recall vote on your deputy is open"
                if target.term is None
                else f"A recall vote on an official of {council.name} is open",
                f"/elections/{vote.id}",
            )
        ],
    )
    return _answer(target, roll, valid, "vote_open", vote_election_id=vote.id)


def _recall(uow: UnitOfWork, target: _Target, actor: str | None = None) -> int | None:
    """End what the petition is against; the (first) by-election opened, if any."""
    if target.term is not None:
        return recall_term(uow, target.petition, target.term, target.council, actor)
    assert target.mandate is not None and target.electorate is not None
    seat = (target.electorate, target.council)
    return recall_mandate(uow, target.petition, target.mandate, seat, actor)


def recall_term(
    uow: UnitOfWork,
    petition: RecallPetition,
    term: OfficeTerm,
    council: Council | None = None,
    actor: str | None = None,
) -> int | None:
    """End an official's term (the capabilities go with it) and open the office's by-election."""
    now = uow.now()
    office = office_terms.get_office(uow, term.office_id)
    office_terms.end_term(uow, term, "recalled", now)
    when = seat_schedule(uow, office.council_id)
    by_election = open_office_in(
        uow,
        office.id,
        "plurality",
        kind="by",
        closes_at=when.closes_at,
        nominations_close_at=when.nominations_close_at,
    )
    _decided(uow, petition, now, by_election.id)
    uow.record(
        "recall.decide",
        {
            "petition": petition.id,
            "office_term": term.id,
            "office": office.id,
            "holder": term.holder_id,
            "by_elections": [by_election.id],
        },
        actor=actor,
    )
    uow.emit(OfficialRecalled(term.id, office.id, term.holder_id, by_election.id))
    if council is None or council.id != office.council_id:
        council = uow.councils.get(office.council_id)
        assert council is not None
    notify_rolls(
        uow,
        [
            Notice(
                ("council", office.council_id),
                "by_election",
                f"An election for the office {office.name!r} of {council.name} is open",
                f"/elections/{by_election.id}",
            )
        ],
    )
    return by_election.id


def recall_mandate(
    uow: UnitOfWork,
    petition: RecallPetition,
    mandate: Mandate,
    seat: tuple[Electorate, Council] | None = None,
    actor: str | None = None,
) -> int | None:
    """End the mandate and all that rested on it; open a by-election for every emptied seat.
    Returns the by-election of the mandate's own seat (None if a concurrent act had ended the
    mandate). `seat`: the mandate's electorate and council, when the caller has them."""
    now = uow.now()
    ended = end_mandate(uow, mandate, "recalled", now, actor=None)
    known = {mandate.electorate_id: seat} if seat is not None else {}
    by_elections = open_by_elections(uow, ended, known)
    first = by_elections[0] if by_elections else None
    _decided(uow, petition, now, first)
    uow.record(
        "recall.decide",
        {
            "petition": petition.id,
            "mandate": mandate.id,
            "holder": mandate.holder_id,
            "ended": [md.id for md in ended],
            "by_elections": by_elections,
        },
        actor=actor,
    )
    uow.emit(DeputyRecalled(mandate.id, mandate.holder_id, tuple(md.id for md in ended)))
    return first


def _decided(
    uow: UnitOfWork, petition: RecallPetition, at: datetime, by_election_id: int | None
) -> None:
    """Mark the petition recalled. Its row is locked and was found undecided by this act (a
    signature, or the vote's close), so this cannot lose a race; if it ever did, the whole act
    is undone rather than recalled twice."""
    if not uow.recall_paths.decide(petition.id, "recalled", at, by_election_id):
        raise errors.Conflict(f"recall petition {petition.id} was decided by another act")


def close_recall_vote(uow: UnitOfWork, election_id: int, actor: str | None = None) -> str:
    """Count a recall vote: more yes than no recalls. Returns the petition's new status."""
    return durably(uow, close_recall_vote_in, election_id, actor)


def close_recall_vote_in(uow: UnitOfWork, election_id: int, actor: str | None = None) -> str:
    """The close of a recall vote inside the caller's transaction (the clock's)."""
    petition = uow.recalls.by_vote_election(election_id)
    if petition is None:
        raise errors.NotFound(f"no recall vote {election_id}")
    target = _load(uow, petition.id, lock=True)  # a second close waits here, then is refused
    election = uow.elections.get_for_update(election_id)  # ballots being cast finish first
    if election is None:
        raise errors.NotFound(f"no recall vote {election_id}")
    if election.status != "open" or target.petition.status != "vote_open":
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
    active = target.term if target.term is not None else target.mandate
    if rules.vote_recalls(yes, no) and active is not None and active.is_active:
        by_election = _recall(uow, target, actor)
        state = _counted(uow, target, "recalled")
        state = replace(state, by_election_id=by_election)
    else:
        uow.recalls.decide(petition.id, "rejected", uow.now())
        uow.record("recall.reject", {"petition": petition.id, "yes": yes, "no": no}, actor=actor)
        state = _counted(uow, target, "rejected")
    _changed(uow, state)
    return state.status
