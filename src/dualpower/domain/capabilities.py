"""Capabilities: what an office lets its holder do (DESIGN.md 2.4).

There is no superuser. Every privileged act needs one of these, held through an office of the
council concerned, which an election gave and whose holder's mandate is still in force.
"""

from __future__ import annotations

VERIFY_MEMBERS = "verify_members"
CONVENE_SESSION = "convene_session"
RUN_ELECTION = "run_election"
RECORD_DIRECTIVE = "record_directive"
# Take the council's stance on a directive for it (DESIGN.md 2.6, 2.9). A council takes its
# stances by its vote (a stance motion, services/stance_motions.py); this capability is the
# direct route, and no usual office carries it: only an office the council gave it to.
RECORD_STANCE = "record_stance"
MODERATE = "moderate"
REPORT_WAGES = "report_wages"
# Keep one session's speakers' list and time limits (DESIGN.md 2.4a): held only through a
# steward post of that session (services/stewards.py), checked with the session named.
KEEP_ORDER = "keep_order"

ALL = (
    VERIFY_MEMBERS,
    CONVENE_SESSION,
    RUN_ELECTION,
    RECORD_DIRECTIVE,
    RECORD_STANCE,
    MODERATE,
    REPORT_WAGES,
    KEEP_ORDER,
)

# What a council may give one of its offices, or take back, by a motion it adopts (DESIGN.md
# 2.9; services/capability_motions.py): every capability but keep_order, which is held through
# one session's steward post alone.
GRANTABLE = tuple(c for c in ALL if c != KEEP_ORDER)

# What the usual offices carry; a council may give an office any of ALL.
DEFAULTS: dict[str, tuple[str, ...]] = {
    "chair": (CONVENE_SESSION,),
    "secretary": (RECORD_DIRECTIVE, CONVENE_SESSION),
    "credentials committee": (VERIFY_MEMBERS, REPORT_WAGES),
    "electoral commission": (RUN_ELECTION,),
    "stewards": (KEEP_ORDER,),
    "commissioner": (),
}
