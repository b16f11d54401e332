"""The refusals the API's operations document (issue 27): each has its status and the sentence
the OpenAPI document gives it, named once here; a route lists its refusals by name and `refusals`
builds FastAPI's `responses` from them. The statuses are web/errors.py's: 401 not logged in, 403
not allowed, 404 no such subject, 409 a clash with the current state, 422 a bad request, 429 a
limit passed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Answers = dict[int | str, dict[str, Any]]

EVENT_STREAM: Answers = {200: {"content": {"text/event-stream": {}}}}


@dataclass(frozen=True)
class Refusal:
    status: int
    sentence: str


def refusals(*said: Refusal) -> Answers:
    """An operation's `responses`: each refusal's sentence under its status, in the order given
    (one refusal a status)."""
    answers: Answers = {}
    for refusal in said:
        if refusal.status in answers:
            raise ValueError(f"two refusals with status {refusal.status}")
        answers[refusal.status] = {"description": refusal.sentence}
    return answers


def motion_refusals(*said: Refusal) -> Answers:
    """A motion's proposal (stipend, capability, stance, standing orders, structure): login
    first, the proposal's own refusals, and the limit on the motions a member drafts."""
    return refusals(LOGIN, *said, MOTIONS_LIMITED)


# -- 401: not logged in ----------------------------------------------------------------------------

LOGIN = Refusal(401, "Not logged in.")
WRONG_PASSWORD = Refusal(401, "Wrong username or password.")
UNKNOWN_CODE = Refusal(401, "The code is unknown, used or expired.")

# -- 403: not allowed ------------------------------------------------------------------------------

NOT_A_DEPUTY = Refusal(403, "Not a deputy of the council.")
NOT_OFFICE_DEPUTY = Refusal(403, "Not a deputy of the office's council.")
NOT_CONCERNED = Refusal(403, "Not a deputy of the council concerned.")
NOT_THE_ELECTING_DEPUTY = Refusal(403, "Not a deputy of the council that elected the official.")
NOT_AN_ELECTOR = Refusal(403, "Not an elector of this election.")
NOT_THE_SEATS_ELECTOR = Refusal(403, "Not an elector of this seat's electorate.")
NOT_THE_COMMISSION = Refusal(403, "Not of the council's electoral commission.")
NOT_ITS_COMMISSION = Refusal(403, "Not of the electoral commission of the election's council.")
NOT_RECALL_COMMISSION = Refusal(
    403,
    "Not of the electoral commission of the council whose recall rule decides it, or a member on "
    "the sheet may not sign.",
)
ON_NO_ROLL = Refusal(403, "The caller is on no unit's roll.")
NOT_OF_THE_UNIT = Refusal(403, "Neither a member of the unit nor a deputy of its councils.")
NOT_A_RECORDER = Refusal(403, "No office of that council carrying record_directive.")
NOT_A_DISCUSSANT = Refusal(403, "Not allowed (not the author, not on the panel, suspended).")
NOT_ALLOWED = Refusal(403, "Not allowed for the caller.")
NOT_THE_HOLDER = Refusal(403, "Not the holder.")
NOT_WAGE_REPORTER = Refusal(
    403, "The caller holds no office with 'report wages' in the unit's council."
)
NOT_VERIFIER = Refusal(
    403, "The caller holds no office with 'verify members' in the member's unit's council."
)
NOT_ELECTION_RUNNER = Refusal(403, "The caller holds no office with 'run election'.")

# -- 404: no such subject --------------------------------------------------------------------------

NOT_FOUND = Refusal(404, "Not found.")
NO_SUCH_THING = Refusal(404, "No such thing.")
NO_COUNCIL = Refusal(404, "No such council.")
NO_COUNCIL_OR_AUTHORITY = Refusal(404, "No such council or authority.")
NO_COUNCIL_OR_DIRECTIVE = Refusal(404, "No such council or directive.")
NO_ELECTORATE = Refusal(404, "No such council, or no such electorate in it.")
NO_DIRECTIVE = Refusal(404, "No such directive.")
NO_ELECTION = Refusal(404, "No such election.")
NO_FACTION = Refusal(404, "No such faction.")
NO_MANDATE = Refusal(404, "No such mandate.")
NO_OFFICE = Refusal(404, "No such office.")
NO_OFFICE_ELECTION = Refusal(404, "No such office election.")
NO_OFFICE_TERM = Refusal(404, "No such office term.")
NO_PETITION = Refusal(404, "No such petition.")
NO_CREDENTIAL = Refusal(404, "No such session or token of yours.")
NO_DISCUSSION = Refusal(404, "No such subject, comment or report.")
NO_PART = Refusal(404, "No such unit, council or member.")
NO_UNIT = Refusal(404, "No such unit.")

# -- 409: a clash with the current state -----------------------------------------------------------

CLASHES = Refusal(409, "Clashes with the current state.")
ACT_CLASHES = Refusal(409, "The act clashes with the current state.")
STANCE_RACED = Refusal(409, "A concurrent stance won.")
AUTHORITY_EXISTS = Refusal(409, "An authority of that name is recorded already.")
ELECTION_OPEN = Refusal(409, "An election of these seats is open already.")
ELECTION_STILL_OPEN = Refusal(409, "The election is still open.")
OFFICE_ELECTION_OPEN = Refusal(409, "One is open already.")
CANDIDATE_ALREADY = Refusal(409, "Already a candidate, or the election is closed.")
STANDS_ALREADY = Refusal(409, "Closed, or a candidate already.")
VOTED_ALREADY = Refusal(409, "Already voted, or the election is closed.")
COUNTED_ALREADY = Refusal(409, "Closed already, or nothing to count.")
SIGNED_ALREADY = Refusal(409, "Already signed (or not signed), or the petition is decided.")
ENDED_ALREADY = Refusal(409, "Ended already.")
NOT_A_FACTION_MEMBER = Refusal(409, "The caller is not a member of it.")
FACTION_NAME_TAKEN = Refusal(409, "The name is taken, or the caller has joined already.")
BLOCKED = Refusal(409, "The change cannot be made now (a name taken, an open election).")
VOTED_ONLINE = Refusal(
    409,
    "The election takes no ballots now, or a voter has voted already (online or on paper): nobody "
    "votes both ways.",
)
SIGNED_ONLINE = Refusal(
    409,
    "The petition is decided, or a member has signed already (online or on paper): nobody signs "
    "both ways.",
)
MANDATE_RECALLED = Refusal(409, "The mandate has ended, or a petition against it is undecided.")
TERM_RECALLED = Refusal(409, "The term has ended, or a petition against it is undecided.")
HAS_CAPABILITY = Refusal(409, "The office has the capability already (or has it not).")

# -- 422: a bad request ----------------------------------------------------------------------------

INVALID_INPUT = Refusal(422, "Invalid input.")
INVALID_REQUEST = Refusal(422, "Invalid request.")
BAD_SHEET = Refusal(422, "A bad sheet (nothing is entered).")
BAD_WAGES = Refusal(422, "A member not on the unit's roll, or a bad amount.")
ABOVE_CAP = Refusal(422, "Above the cap (alone, or with its holder's other stipends).")
ABOVE_CAP_TOGETHER = Refusal(422, "Would be paid above the cap together.")
BAD_CHANGE = Refusal(422, "A malformed change.")
BAD_FACTION_FIELD = Refusal(422, "An empty or too long field, or a bad colour.")
BAD_CAPABILITY = Refusal(422, "An unknown capability, or keep_order.")
UNKNOWN_METHOD = Refusal(422, "An unknown method.")
BAD_STANDING_ORDER = Refusal(422, "An unknown rule, or a value out of its range.")
NO_CONDITIONS = Refusal(422, "Conditional support without its conditions, say.")
WRONG_CURRENT_PASSWORD = Refusal(422, "The current password is wrong, or the new one too short.")
BAD_PASSWORD = Refusal(422, "The password is too short or too long.")

# -- 429: a limit passed ---------------------------------------------------------------------------

MOTIONS_LIMITED = Refusal(429, "Too many motions drafted: see Retry-After.")
WRITES_LIMITED = Refusal(429, "Too many API writes or ballots: see Retry-After.")
LOGINS_LIMITED = Refusal(
    429,
    "Too many failed logins for this username from this address (they are slowed, then limited "
    "per hour); the Retry-After header says how many seconds to wait.",
)
POSTS_LIMITED = Refusal(429, "Too many in a short time; see Retry-After.")
CODES_LIMITED = Refusal(429, "Too many wrong codes from this address; see Retry-After.")
