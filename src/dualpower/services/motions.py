"""Motions: draft, open the vote, cast, close (issue 5; rules in domain/motions.py and
domain/sessions.py).

- Drafting: a member in their own base unit; a deputy in their own council; anyone else is
  refused. An amendment is drafted in its motion's place while the motion is still a draft.
- A council's vote is opened and closed by a holder of `convene_session`, in an open, quorate
  session whose agenda holds the motion; only deputies registered as present vote.
- A base assembly's vote is called by any member of the unit and closed by the one who called
  it, once the assembly's quorum (a share of the roll, 10 % by default) has voted.
- Amendments are decided before their motion: its vote does not open while one is undecided.
- Roll-call votes: one row per voter and motion (its key refuses a second vote, also when both
  arrive at once); each is checked against the instructions on the motion (DESIGN.md 2.3).
  A secret vote (only where standing orders allow: the council's, or for a base assembly its
  unit's or its council's; checked at drafting and again when the vote opens) keeps a
  participation row and an unlinked ballot with a random receipt, as secret elections do
  (DESIGN.md 2.8, 2.11): no running tally while it is open (views), one `motion.ballot` entry
  naming nobody per ballot, then at the close one `motion.participate` entry naming the voters
  in ascending order and the ballots, rewritten in random order (services/secrecy.py), in the
  decision's entry. It is not instructed (services/instructions.py): nobody's vote is
  recorded.
- The motion's row is locked while a vote is cast or the vote is closed, so no vote is cast
  after the count and every decided motion's record adds up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from dualpower.domain import errors
from dualpower.domain import motions as rules
from dualpower.domain.capabilities import CONVENE_SESSION
from dualpower.domain.cycle import CLOCK, refuse_early_close
from dualpower.domain.motions import Motion, Tally
from dualpower.domain.sessions import NoQuorum, assembly_quorum_needed, has_quorum, quorum_needed
from dualpower.services import (
    authority,
    chance,
    initiatives,
    instructions,
    limits,
    motion_titles,
    office_terms,
)
from dualpower.services.discussion import may_speak
from dualpower.services.secrecy import unlink_motion_ballots
from dualpower.store.uow import UnitOfWork

TITLE_MAX = 300
TEXT_MAX = 20000


@dataclass(frozen=True)
class MotionKind:
    """A kind of motion whose adoption does something (services/stipends.py sets a stipend):
    `check` may refuse opening the vote; `on_adopted` acts in the adoption's transaction, and
    whatever it raises refuses the adoption. Each returns at once for motions not of its kind."""

    check: Callable[[UnitOfWork, Motion], None]
    on_adopted: Callable[[UnitOfWork, Motion], None]


KINDS: dict[str, MotionKind] = {}  # filled by the kinds' modules, imported at the end


class KindRows(Protocol):
    """A kind's rows, one per motion of the kind: what the motion changes, and when applied."""

    def of_motion(self, motion_id: int) -> dict[str, Any] | None: ...
    def applied(self, motion_id: int, at: datetime) -> bool: ...


def to_apply(uow: UnitOfWork, rows: KindRows, motion: Motion, kind: str) -> dict[str, Any] | None:
    """What the adopted motion changes, marked applied now; None for a motion not of the kind.
    A change is applied once: a second adoption of the same motion is refused."""
    found = rows.of_motion(motion.id)
    if found is not None and not rows.applied(motion.id, uow.now()):
        raise errors.Conflict(f"this {kind} motion was applied already")
    return found


@dataclass(frozen=True)
class DraftMotion:
    unit_id: int | None
    council_id: int | None
    title: str
    text: str
    majority: str = "simple"
    parent_id: int | None = None
    is_secret: bool = False


@dataclass(frozen=True)
class Decision:
    motion_id: int
    status: str
    yes: int
    no: int
    abstain: int
    seats: int
    rule: str


def get(uow: UnitOfWork, motion_id: int) -> Motion:
    motion: Motion | None = uow.motions.get(motion_id)
    if motion is None:
        raise errors.NotFound(f"no motion {motion_id}")
    return motion


def _locked(uow: UnitOfWork, motion_id: int) -> Motion:
    motion = uow.motions.get_for_update(motion_id)
    if motion is None:
        raise errors.NotFound(f"no motion {motion_id}")
    return motion


def voters(uow: UnitOfWork, motion: Motion) -> set[int]:
    """Who votes on it: the unit's roll (its verified members only, where its council's standing
    orders ask for it: DESIGN.md 2.10), or the council's deputies in office now."""
    if motion.unit_id is not None:
        if _verified_only(uow, motion.unit_id):
            return {m.id for m in uow.members.of_unit(motion.unit_id) if m.is_verified}
        return uow.members.ids_of_unit(motion.unit_id)
    assert motion.council_id is not None
    return uow.mandates.holders_in_council(motion.council_id)  # ids only: each vote asks


def _verified_only(uow: UnitOfWork, unit_id: int) -> bool:
    unit = uow.units.get(unit_id)
    council = uow.councils.get(unit.council_id) if unit is not None else None
    return council is not None and bool(council.verified_only)


def _not_a_voter(uow: UnitOfWork, motion: Motion, member_id: int, *, calls: bool = False) -> str:
    """Why a member is refused a vote on the motion (or calling an assembly's vote)."""
    if motion.council_id is not None:
        return "only the council's deputies vote here"
    assert motion.unit_id is not None
    if uow.members.current_unit_id(member_id) == motion.unit_id:
        return "the standing orders ask for verification: only verified members " + (
            "call the assembly's vote" if calls else "vote in the assembly"
        )
    if calls:
        return "only members of the unit call its assembly's vote"
    return "only members of the unit vote in its assembly"


def filled_seats(uow: UnitOfWork, council_id: int) -> int:
    return len(uow.mandates.active_in_council(council_id))


def _check_place(uow: UnitOfWork, author_id: int | None, cmd: DraftMotion) -> None:
    if (cmd.unit_id is None) == (cmd.council_id is None):
        raise errors.InvalidRequest("a motion is put in one place: give unit_id or council_id")
    if cmd.unit_id is not None:
        if uow.units.get(cmd.unit_id) is None:
            raise errors.NotFound(f"no unit {cmd.unit_id}")
        if author_id is not None and uow.members.current_unit_id(author_id) != cmd.unit_id:
            raise errors.NotAllowed("a member drafts motions in their own unit only")
    else:
        assert cmd.council_id is not None
        if uow.councils.get(cmd.council_id) is None:
            raise errors.NotFound(f"no council {cmd.council_id}")
        if author_id is not None and author_id not in office_terms.deputies(uow, cmd.council_id):
            raise errors.NotAllowed("only the council's deputies put motions to it")
    if cmd.is_secret and not allows_secret(uow, cmd.unit_id, cmd.council_id):
        raise errors.NotAllowed("the standing orders here do not allow secret votes")


def allows_secret(uow: UnitOfWork, unit_id: int | None, council_id: int | None) -> bool:
    """Whether standing orders allow a secret vote here: a council's own; a base assembly's,
    those of its unit or of the council its unit belongs to (which sets its windows too)."""
    if council_id is not None:
        return bool(uow.standing_orders.of(council_id=council_id)["allows_secret_votes"])
    assert unit_id is not None
    if uow.standing_orders.of(unit_id=unit_id)["allows_secret_votes"]:
        return True
    unit = uow.units.get(unit_id)
    return unit is not None and allows_secret(uow, None, unit.council_id)


def _check_text(cmd: DraftMotion) -> tuple[str, str]:
    title, text = cmd.title.strip(), cmd.text.strip()
    if not title or not text:
        raise errors.InvalidRequest("a motion needs a title and a text")
    if len(title) > TITLE_MAX or len(text) > TEXT_MAX:
        raise errors.InvalidRequest(
            f"title at most {TITLE_MAX}, text at most {TEXT_MAX} characters"
        )
    rules.check_majority(cmd.majority)
    return title, text


def _check_parent(uow: UnitOfWork, cmd: DraftMotion) -> None:
    if cmd.parent_id is None:
        return
    parent = get(uow, cmd.parent_id)
    if parent.is_amendment:
        raise errors.InvalidRequest("an amendment is made to a motion, not to an amendment")
    if (parent.unit_id, parent.council_id) != (cmd.unit_id, cmd.council_id):
        raise errors.InvalidRequest("an amendment is put where its motion is")
    if parent.status != "draft":
        raise errors.Conflict("the motion's vote has opened: it can no longer be amended")


def draft_in(
    uow: UnitOfWork,
    author_id: int | None,
    cmd: DraftMotion,
    *,
    initiative_id: int | None = None,
    instructs: tuple[int, str] | None = None,
) -> Motion:
    """Check and add a motion; `author_id` None is the initiative rule putting it itself. Every
    kind of motion a member writes (instructions, stances, stipends, standing orders...) is a
    text: a suspension from posting holds for it (DESIGN.md 2.4a)."""
    if author_id is not None:
        may_speak(uow, author_id)  # a suspension from posting holds for motions too
    title, text = _check_text(cmd)
    _check_place(uow, author_id, cmd)
    _check_parent(uow, cmd)
    motion_id = uow.motions.add(
        unit_id=cmd.unit_id,
        council_id=cmd.council_id,
        author_id=author_id,
        title=title,
        text=text,
        majority=cmd.majority,
        status="draft",
        parent_id=cmd.parent_id,
        initiative_id=initiative_id,
        instructs_motion_id=instructs[0] if instructs else None,
        instructs_position=instructs[1] if instructs else None,
        is_secret=cmd.is_secret,
        created_at=uow.now(),
    )
    uow.record(
        "motion.draft",
        {
            "motion": motion_id,
            "unit": cmd.unit_id,
            "council": cmd.council_id,
            "title": title,
            "majority": cmd.majority,
            "amends": cmd.parent_id,
            "initiative": initiative_id,
        },
        actor=str(author_id) if author_id else None,
    )
    return get(uow, motion_id)


def draft_written_in(
    uow: UnitOfWork, author_id: int, council_id: int, spec: dict[str, Any], majority: str
) -> Motion:
    """Add a council motion of a kind whose title and text follow from its spec (motion_titles
    writes them, cut to TITLE_MAX and TEXT_MAX: a stance's text carries its counter-order, as
    long as a motion's text may be; what the motion does is the kind's own row)."""
    title = motion_titles.render(spec)[:TITLE_MAX]
    text = motion_titles.render_body(spec)[:TEXT_MAX]
    draft = DraftMotion(None, council_id, title, text, majority)
    return draft_in(uow, author_id, draft)


def draft_motion(uow: UnitOfWork, author_id: int, cmd: DraftMotion) -> int:
    with uow:
        limits.hit(uow, limits.POSTS, author_id)
        motion = draft_in(uow, author_id, cmd)
        uow.commit()
    return motion.id


# -- the council's session ---------------------------------------------------------------------


def session_of(uow: UnitOfWork, motion: Motion) -> int:
    """The open session whose agenda holds the motion (or, for an amendment, its motion)."""
    agenda_motion = motion.parent_id or motion.id
    for session_id in uow.sessions.sessions_of_motion(agenda_motion):
        session = uow.sessions.get(session_id)
        if session is not None and session.status == "open":
            return int(session.id)
    raise errors.Conflict("the motion is not on the agenda of an open session of its council")


def require_quorum(uow: UnitOfWork, session_id: int, council_id: int) -> None:
    deputies = {md.holder_id for md in uow.mandates.active_in_council(council_id)}
    present = len(set(uow.sessions.present(session_id)) & deputies)
    if not has_quorum(present, len(deputies)):
        raise NoQuorum(
            f"no quorum: {present} of {len(deputies)} deputies present, "
            f"{quorum_needed(len(deputies))} needed"
        )


def _open_checks(uow: UnitOfWork, motion: Motion, member_id: int) -> int | None:
    if motion.status != "draft":
        raise errors.Conflict(f"the motion is {motion.status}, not a draft")
    if motion.is_secret and not allows_secret(uow, motion.unit_id, motion.council_id):
        raise errors.Conflict("the standing orders here no longer allow secret votes")
    pending = [a.id for a in uow.motions.amendments(motion.id) if not a.is_decided]
    if pending:
        raise errors.Conflict(
            f"amendments are voted before their motion: {len(pending)} still undecided"
        )
    if motion.council_id is not None:
        authority.require(uow, member_id, CONVENE_SESSION, motion.council_id)
        session_id = session_of(uow, motion)
        require_quorum(uow, session_id, motion.council_id)
        for kind in KINDS.values():
            kind.check(uow, motion)
        return session_id
    if member_id not in voters(uow, motion):
        raise errors.NotAllowed(_not_a_voter(uow, motion, member_id, calls=True))
    return None


def open_vote(uow: UnitOfWork, motion_id: int, member_id: int) -> None:
    with uow:
        motion = _locked(uow, motion_id)
        session_id = _open_checks(uow, motion, member_id)
        uow.motions.set(
            motion.id,
            status="voting",
            session_id=session_id,
            vote_called_by=member_id,
            vote_opened_at=uow.now(),
        )
        uow.record(
            "motion.open_vote",
            {"motion": motion.id, "session": session_id},
            actor=str(member_id),
        )
        uow.commit()


def _cast_checks(uow: UnitOfWork, motion: Motion, member_id: int, position: str) -> None:
    if position not in rules.POSITIONS:
        raise errors.InvalidRequest(f"a vote is one of {', '.join(rules.POSITIONS)}")
    if motion.status != "voting":
        raise errors.Conflict("the vote on this motion is not open")
    if member_id not in voters(uow, motion):
        raise errors.NotAllowed(_not_a_voter(uow, motion, member_id))
    if motion.council_id is not None:
        assert motion.session_id is not None
        session = uow.sessions.get(motion.session_id)
        if session is None or session.status != "open":
            raise errors.Conflict("the session is not open")
        if member_id not in uow.sessions.present(session.id):
            raise errors.NotAllowed("register your attendance at the session first")
        require_quorum(uow, session.id, motion.council_id)


def cast_in(uow: UnitOfWork, motion: Motion, member_id: int, position: str) -> str | None:
    """Record one vote; a secret vote returns its receipt."""
    _cast_checks(uow, motion, member_id, position)
    receipt = chance.token_hex(10) if motion.is_secret else None
    with uow.unique_or(errors.AlreadyVoted("you have already voted on this motion")):
        if receipt is not None:
            uow.motions.add_secret(motion.id, member_id, receipt, position)
        else:
            uow.motions.add_vote(motion.id, member_id, position, uow.now())
    if receipt is not None:  # the log names no voter while the vote is open (see close_in)
        uow.record("motion.ballot", {"motion": motion.id})
        return receipt
    uow.record("motion.vote", {"motion": motion.id, "member": member_id, "position": position})
    instructions.check_vote(uow, motion, member_id, position)
    return None


def cast_vote(uow: UnitOfWork, motion_id: int, member_id: int, position: str) -> str | None:
    with uow:
        limits.hit(uow, limits.BALLOTS, member_id)
        receipt = cast_in(uow, _locked(uow, motion_id), member_id, position)
        uow.commit()
    return receipt


# -- the decision ------------------------------------------------------------------------------


def _close_checks(uow: UnitOfWork, motion: Motion, member_id: int | None, tally: Tally) -> int:
    """Who may close (None: the clock) and whether the quorum holds; returns the seats the
    majority counts."""
    if motion.status != "voting":
        raise errors.Conflict("the vote on this motion is not open")
    if motion.council_id is not None:
        if member_id is not None:
            authority.require(uow, member_id, CONVENE_SESSION, motion.council_id)
        assert motion.session_id is not None
        require_quorum(uow, motion.session_id, motion.council_id)
        _refuse_early(uow, motion, tally, len(voters(uow, motion)))
        return filled_seats(uow, motion.council_id)
    if member_id is not None and member_id != motion.vote_called_by:
        raise errors.NotAllowed("the member who called the assembly's vote closes it")
    assert motion.unit_id is not None
    roll = len(voters(uow, motion))
    _refuse_early(uow, motion, tally, roll)
    share = uow.standing_orders.of(unit_id=motion.unit_id)["assembly_quorum_bp"]
    needed = assembly_quorum_needed(roll, share)
    if tally.recorded < needed:
        raise NoQuorum(f"no quorum: {tally.recorded} of {roll} members voted, {needed} needed")
    return roll


def vote_closes_at(uow: UnitOfWork, motion: Motion) -> datetime | None:
    """When a vote on a motion closes at the latest (DESIGN.md 2.9): in a council's session,
    its standing orders' time for a vote in session; in a base assembly, the voting window of
    the unit's council."""
    if motion.vote_opened_at is None:
        return None
    if motion.council_id is not None:
        seconds = uow.standing_orders.of(council_id=motion.council_id)["session_vote_seconds"]
    else:
        unit = uow.units.get(motion.unit_id or 0)
        assert unit is not None
        seconds = uow.standing_orders.of(council_id=unit.council_id)["voting_seconds"]
    return motion.vote_opened_at + timedelta(seconds=seconds)


def _refuse_early(uow: UnitOfWork, motion: Motion, tally: Tally, electors: int) -> None:
    """Nobody chooses the moment a vote closes: in session, when every deputy present has
    voted or its time has run; in an assembly, when every member has voted or its time has
    come (the clock closes it then)."""
    if motion.council_id is not None:
        assert motion.session_id is not None
        electors = len(set(uow.sessions.present(motion.session_id)) & voters(uow, motion))
    refuse_early_close(uow.now(), vote_closes_at(uow, motion), tally.recorded, electors)


def close_in(uow: UnitOfWork, motion: Motion, member_id: int | None) -> Decision:
    tally = uow.motions.tally(motion)
    seats = _close_checks(uow, motion, member_id, tally)
    adopted = rules.is_adopted(motion.majority, tally, seats)
    status = "adopted" if adopted else "rejected"
    if not uow.motions.decide(motion.id, status, uow.now(), tally, seats):
        raise errors.Conflict("the vote on this motion was closed already")
    payload: dict[str, object] = {
        "motion": motion.id,
        "yes": tally.yes,
        "no": tally.no,
        "abstain": tally.abstain,
        "seats": seats,
        "majority": motion.majority,
    }
    actor = CLOCK if member_id is None else str(member_id)
    if motion.is_secret:  # the voters once, in ascending order; the ballots in random order
        payload["ballots"] = unlink_motion_ballots(uow, motion.id)
        voted = sorted(uow.motions.participants(motion.id))
        uow.record("motion.participate", {"motion": motion.id, "members": voted}, actor=actor)
    uow.record(f"motion.{'adopt' if adopted else 'reject'}", payload, actor=actor)
    if adopted:
        decided = get(uow, motion.id)
        instructions.adopt_from(uow, decided)
        initiatives.on_adopted(uow, decided)
        for kind in KINDS.values():
            kind.on_adopted(uow, decided)
    return Decision(
        motion.id,
        status,
        tally.yes,
        tally.no,
        tally.abstain,
        seats,
        rules.rule_text(motion.majority, seats),
    )


def close_vote(uow: UnitOfWork, motion_id: int, member_id: int) -> Decision:
    with uow:
        decision = close_in(uow, _locked(uow, motion_id), member_id)
        uow.commit()
    return decision


# The kinds of motion that act on adoption register themselves in KINDS.
from dualpower.services import capability_motions as _capability_motions  # noqa: E402,F401
from dualpower.services import stance_motions as _stance_motions  # noqa: E402,F401
from dualpower.services import standing_orders as _standing_orders  # noqa: E402,F401
from dualpower.services import stipends as _stipends  # noqa: E402,F401
from dualpower.services import structure as _structure  # noqa: E402,F401
