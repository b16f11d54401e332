"""Discussion in the open and order kept by the members, in 1917 (issue 8).

- April: the four factions publish short platforms (written for the demo, not historical texts;
  marked so on every page); the factories discuss the eight-hour-day initiative.
- May: the Milyukov note is discussed (a recall petition if the register has no such directive);
  a threatening comment is reported, a panel of five is drawn by lot, and it hides the text.

Authors and readers are the synthetic members of the demo.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain import lot
from dualpower.scenarios.replay import World
from dualpower.services import discussion, discussion_views, panels, register, views, views_sessions
from dualpower.services.discussion import PostComment
from dualpower.services.due import run_due
from dualpower.services.panels import FileReport
from dualpower.store import tables as t

PLATFORMS = {
    "SR": (
        "Land and liberty",
        "All land to those who work it, without compensation, by decision of the "
        "**Constituent Assembly**.\n\n- Defend the revolution while peace is sought\n"
        "- Support the government *in so far as* it keeps its word",
    ),
    "Men": (
        "Defend the revolution",
        "The revolution is bourgeois; the workers organise and keep watch.\n\n"
        "- Support the Provisional Government *in so far as* it carries out the programme\n"
        "- Peace without annexations or indemnities, through the Allies' socialists",
    ),
    "Bol": (
        "All power to the soviets",
        "**Peace, land, bread.** No support for the Provisional Government.\n\n"
        "- All power to the councils of workers', soldiers' and peasants' deputies\n"
        "- Win the majority in the councils by explaining, patiently, and by recall",
    ),
    "NP": (
        "Deputies of no party",
        "We answer to the assembly that sent us, not to a party.\n\n"
        "- Every question on its merits\n- Recall us if we stray",
    ),
}


def _deputy(w: World, short: str) -> int | None:
    with w.sys.uow() as uow:
        found = uow.mandates.active(t.mandates.c.faction_id == w.faction_ids.get(short, -1))
    return found[0].holder_id if found else None


def _first(listed: list[dict[str, Any]], title: str | None = None) -> int | None:
    """The oldest of a listing's items (with this title, when one is given)."""
    ids = [item["id"] for item in listed if title is None or item["title"] == title]
    return min(ids, default=None)


def _say(w: World, author: int, kind: str, subject: int, text: str, **kw: Any) -> int:
    w.clock.advance(hours=2)
    return discussion.post_comment(w.sys.uow(), PostComment(author, kind, subject, text, **kw))


def _people(w: World, faction: str, n: int) -> list[int]:
    return [m for m, f in sorted(w.leaning.items()) if f == faction][:n]


def _drawn_by_the_clock(w: World, report_id: int) -> dict[str, Any]:
    """The report's panel, drawn by the clock: its seed is the hash of a log entry written after
    the filing (DESIGN.md 2.11); on the demo's quiet log the clock writes a `report.wait` entry
    a run once the report has waited `NUDGE_AFTER`, until the seed entry is sealed."""
    for _ in range(lot.SEED_AFTER + 2):
        w.clock.advance(seconds=panels.NUDGE_AFTER.total_seconds())
        run_due(w.sys.uow)
        seen = discussion_views.report(w.sys.reader(), report_id)  # as `GET /reports/{id}`
        if seen["draw_status"] == "drawn":
            return seen
    raise AssertionError(f"the clock never drew the panel of report {report_id}")


def april(w: World) -> list[str]:
    start = w.clock.at
    published = []
    for short, (title, text) in PLATFORMS.items():
        deputy = _deputy(w, short)
        if deputy is not None:
            discussion.publish_platform(
                w.sys.uow(), w.faction_ids[short], deputy, title, text, is_demo=True
            )
            published.append(short)
    lines = [f"Platforms published (written for the demo): {', '.join(published)}"]
    initiative = _first(views_sessions.initiatives(w.sys.reader()))  # GET /initiatives
    if initiative is not None:
        bol, men = _people(w, "Bol", 2), _people(w, "Men", 1)
        first = _say(
            w,
            bol[0],
            "initiative",
            initiative,
            "Eight hours, and not a minute more. "
            "Every factory that has adopted it should **send it up** now.",
        )
        _say(
            w,
            men[0],
            "initiative",
            initiative,
            "Agreed on the eight hours; but wait for the Constituent Assembly to make it law?",
            parent_id=first,
        )
        _say(
            w,
            bol[1],
            "initiative",
            initiative,
            "The law follows what the factories do.",
            parent_id=first,
        )
        lines.append(f"Discussion on initiative {initiative}: 3 comments")
    w.clock.at = start
    return lines


def may(w: World) -> list[str]:
    start = w.clock.at
    directives = register.directives(w.sys.reader())  # GET /register
    kind, subject = "directive", _first(directives, "Milyukov's note to the Allies")
    if subject is None:
        kind, subject = "recall", _first(views.petitions(w.sys.reader()))  # GET /recalls
    if subject is None:
        return ["No Milyukov note and no recall petition to discuss"]
    lines = [
        f"Discussion on {kind} {subject} (the Milyukov note)"
        if kind == "directive"
        else f"Discussion on recall petition {subject}"
    ]
    bol, men, sr = _people(w, "Bol", 3), _people(w, "Men", 2), _people(w, "SR", 2)
    deputy = _deputy(w, "Bol")
    if deputy is not None:
        _say(
            w,
            deputy,
            kind,
            subject,
            "The note promises war to a decisive victory: the "
            "government's word of 27 March is broken. **No support.**",
            faction_id=w.faction_ids["Bol"],
        )
    first = _say(
        w,
        men[0],
        kind,
        subject,
        "The government has explained itself on 21 April; "
        "support it *in so far as* it keeps to the declaration.",
    )
    _say(
        w,
        bol[0],
        kind,
        subject,
        "An explanation is not a policy. Whose war is this?",
        parent_id=first,
    )
    threat = _say(
        w,
        sr[0],
        kind,
        subject,
        "Every defeatist in the Vyborg side should be strung up from the factory gates.",
    )
    filed = FileReport(bol[1], "A threat of violence against members.", comment_id=threat)
    opened = panels.file_report(w.sys.uow(), filed)  # as `POST /reports` does
    draw = _drawn_by_the_clock(w, opened.id)
    w.clock.advance(days=1)
    decided = None
    for member in draw["panel"]:
        decided = panels.vote(w.sys.uow(), opened.id, member, "hide")
        if decided:
            break
    lines.append(
        f"Report {opened.id}: a panel drawn by lot (seed {str(draw['seed'])[:8]}...) -> {decided}"
    )
    w.clock.at = start
    return lines


PHASES = {"april": april, "may": may}
