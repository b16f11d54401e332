"""Events: what happened, in the past tense. Emitted by an act (`uow.emit`) they are published
in process after its commit, at most once (live updates and mail hang off them); the events a
reader of the log states (below) are delivered from the sealed log, at least once, to the
handlers of services/outbox.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dualpower.domain.discussion import ReportDecided  # emitted in process; read from the log too


@dataclass(frozen=True)
class Notified:
    """Members were told something: in-app rows are written already; mail may follow."""

    member_ids: tuple[int, ...]
    kind: str
    subject: str
    link: str


@dataclass(frozen=True)
class PetitionChanged:
    """A petition's count or status changed (for live pages)."""

    petition_id: int
    status: str
    signatures: int
    threshold: int


@dataclass(frozen=True)
class DeputyRecalled:
    mandate_id: int
    holder_id: int
    ended_mandate_ids: tuple[int, ...]


@dataclass(frozen=True)
class BallotCast:
    """Someone voted (no who, no what: for live participation counts)."""

    election_id: int


@dataclass(frozen=True)
class CompositionChanged:
    """A mandate in the council started or ended (for live pages of its seats)."""

    council_id: int


@dataclass(frozen=True)
class OfficialRecalled:
    """An official's term ended by recall; the office's by-election is open."""

    office_term_id: int
    office_id: int
    holder_id: int
    by_election_id: int


# ---------------------------------------------------------------- events read from the log
#
# The sealed audit log is the outbox (services/outbox.py): an event a handler must not lose is
# read back from the entry its act wrote, after commit, so a crash between the commit and the
# delivery delays the event and never loses it. A reader turns one entry's payload into the
# events it states; one reader per act name.

LogReader = Callable[[Mapping[str, Any]], list[object]]
LOG_READERS: dict[str, LogReader] = {}


def reads(act: str) -> Callable[[LogReader], LogReader]:
    """Register the reader of an act's entries (a decorator)."""

    def register(reader: LogReader) -> LogReader:
        if act in LOG_READERS:
            raise ValueError(f"the entries of {act!r} have a reader already")
        LOG_READERS[act] = reader
        return reader

    return register


def from_entry(act: str, payload: Mapping[str, Any]) -> list[object]:
    """The events one audit entry states (none for an act no reader knows)."""
    reader = LOG_READERS.get(act)
    return reader(payload) if reader is not None else []


@reads("recall.decide")
def _recall_decided(payload: Mapping[str, Any]) -> list[object]:
    """A recall that succeeded: a deputy's mandate (with what rested on it) or an official's
    term. Entries written before the log named the holder state no event."""
    if "holder" not in payload:
        return []
    by_elections = [int(e) for e in payload.get("by_elections", [])]
    if "office_term" in payload:
        return [
            OfficialRecalled(
                int(payload["office_term"]),
                int(payload["office"]),
                int(payload["holder"]),
                by_elections[0],
            )
        ]
    ended = tuple(int(m) for m in payload.get("ended", []))
    return [DeputyRecalled(int(payload["mandate"]), int(payload["holder"]), ended)]


@dataclass(frozen=True)
class ElectionClosed:
    """An election was counted: `winners` are its candidates' ids in order elected (empty for a
    recall vote, whose `yes` and `no` say how it went)."""

    election_id: int
    winners: tuple[int, ...]
    yes: int | None = None
    no: int | None = None


@dataclass(frozen=True)
class MotionDecided:
    motion_id: int
    adopted: bool
    yes: int
    no: int
    abstain: int


@reads("election.close")
def _election_closed(payload: Mapping[str, Any]) -> list[object]:
    winners = tuple(int(w) for w in payload.get("winners", []))
    yes, no = payload.get("yes"), payload.get("no")
    return [
        ElectionClosed(
            int(payload["election"]),
            winners,
            None if yes is None else int(yes),
            None if no is None else int(no),
        )
    ]


def _motion_decided(adopted: bool) -> LogReader:
    def read(payload: Mapping[str, Any]) -> list[object]:
        counts = (int(payload.get(k, 0)) for k in ("yes", "no", "abstain"))
        return [MotionDecided(int(payload["motion"]), adopted, *counts)]

    return read


reads("motion.adopt")(_motion_decided(True))
reads("motion.reject")(_motion_decided(False))


# The register (DESIGN.md 2.6), initiatives (2.5), instructions (2.3) and the panels (2.4a): a
# directive recorded, a council's stance on it (a countermand frees the members below from it),
# an initiative put on a council's agenda by its support below, a deputy's vote against an
# instruction, a panel's decision. Each is read from its entry as the act wrote it.


@dataclass(frozen=True)
class DirectiveRecorded:
    directive_id: int
    authority_id: int
    council_id: int
    title: str


@dataclass(frozen=True)
class StanceTaken:
    """`kind` is endorse, support_conditionally or countermand; `supersedes` the council's
    stance it replaces (None for its first on the directive)."""

    stance_id: int
    directive_id: int
    council_id: int
    kind: str
    supersedes: int | None


@dataclass(frozen=True)
class InitiativeOnAgenda:
    """Base units holding `support` of the council's `members` adopted it: the council must
    vote on `motion_id`."""

    initiative_id: int
    council_id: int
    motion_id: int
    support: int
    members: int


@dataclass(frozen=True)
class InstructionBroken:
    """A deputy's recorded vote (`cast`) broke their electorate's instruction (`required`)."""

    breach_id: int
    instruction_id: int
    mandate_id: int
    deputy_id: int
    required: str
    cast: str


def _read_as(event: type[Any], **keys: str) -> LogReader:
    """A reader stating one `event`, each of its fields the payload's value under `keys`."""

    def read(payload: Mapping[str, Any]) -> list[object]:
        return [event(**{field: payload.get(key) for field, key in keys.items()})]

    return read


reads("directive.record")(
    _read_as(
        DirectiveRecorded,
        directive_id="directive",
        authority_id="authority",
        council_id="council",
        title="title",
    )
)
reads("stance.take")(
    _read_as(
        StanceTaken,
        stance_id="stance",
        directive_id="directive",
        council_id="council",
        kind="kind",
        supersedes="supersedes",
    )
)
reads("initiative.reach")(
    _read_as(
        InitiativeOnAgenda,
        initiative_id="initiative",
        council_id="council",
        motion_id="motion",
        support="support",
        members="members",
    )
)
reads("instruction.breach")(
    _read_as(
        InstructionBroken,
        breach_id="breach",
        instruction_id="instruction",
        mandate_id="mandate",
        deputy_id="member",
        required="required",
        cast="cast",
    )
)
reads("report.decide")(_read_as(ReportDecided, report_id="report", decision="decision"))
