"""Invariants of sessions' stewards and speakers' lists (DESIGN.md 2.1, 2.4, 2.4a).

- Every steward's capability traces to an election for that session: each term of a steward
  post was given by a closed election of that very post, won by its holder, while the session
  was not yet closed.
- No steward capability outlives its session: no term of a post of a closed session is active or
  ended after the close, and no election of such a post for a holder is still open.
- A steward post carries `keep_order` and nothing else.
- A closed session's speakers' list has nothing open; a session has at most one speaker.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain.capabilities import KEEP_ORDER
from dualpower.store import tables as t


def check(uow: Any) -> list[str]:
    problems: list[str] = []
    for office_id, session_id in sorted(uow.steward_posts.all().items()):
        session = uow.sessions.get(session_id)
        office = uow.offices.get(office_id)
        where = f"steward post {office_id} of session {session_id}"
        if list(office.capabilities) != [KEEP_ORDER]:
            problems.append(f"{where}: carries {office.capabilities}, not only {KEEP_ORDER}")
        if office.council_id != session.council_id:
            problems.append(f"{where}: an office of another council")
        terms = uow.office_terms.list(t.office_terms.c.office_id == office_id)
        problems += [p for term in terms for p in _term(uow, where, term, office_id, session)]
        if session.status == "closed":
            table = uow.elections.table
            still_open = uow.elections.list(
                table.c.office_id == office_id, table.c.status == "open", table.c.kind != "recall"
            )
            if still_open:
                problems.append(f"{where}: an election is open after the session closed")
    for session in uow.sessions.list():
        open_ = uow.speeches.open_of_session(session.id)
        if session.status == "closed" and open_:
            problems.append(f"session {session.id}: its speakers' list is open after the close")
        if sum(1 for s in open_ if s.status == "speaking") > 1:
            problems.append(f"session {session.id}: more than one speaker holds the floor")
    return problems


def _term(uow: Any, where: str, term: Any, office_id: int, session: Any) -> list[str]:
    at = f"{where}, term {term.id} (holder {term.holder_id})"
    election = uow.elections.get(term.election_id)
    if election is None or election.status == "open" or election.office_id != office_id:
        return [f"{at}: no closed election of this post gave it"]
    winners = (uow.elections.result(election.id) or {}).get("winners", [])
    by_candidate = {c.id: c.member_id for c in uow.elections.candidates(election.id)}
    if term.holder_id not in {by_candidate.get(int(w)) for w in winners}:
        return [f"{at}: its holder did not win election {election.id}"]
    if session.closed_at is not None:
        if term.start_at > session.closed_at:
            return [f"{at}: it began after the session closed"]
        if term.end_at is None or term.end_at > session.closed_at:
            return [f"{at}: it outlives the session"]
    return []
