"""Text that reaches the pages at run time (error pages, refusals, labels the routes and views
pass in), marked here so extraction puts it in the catalogue; web/i18n.py `translated` looks it up
where it is shown. A message not listed here shows in English. The JSON API stays English."""

from __future__ import annotations

from dualpower.web.i18n import N_

# web/errors.py TITLES: the heading of an error page.
TITLES = (
    N_("Refused"),
    N_("Not logged in"),
    N_("Not allowed"),
    N_("Not found"),
    N_("Method not allowed"),
    N_("Conflict"),
    N_("Invalid request"),
    N_("Too many requests"),
    N_("Internal error"),
    N_("Error"),
)

# Refusals a page shows most often (web/deps.py, web/routes, services and domain).
REFUSALS = (
    N_("the form has expired or did not come from this site; reload it"),
    N_("no such language"),
    N_("not found"),
    N_("internal error"),
    N_("log in first"),
    N_("wrong username or password"),
    N_("choose a faction or none"),
    N_("you have already signed this petition"),
    N_("you have not signed this petition"),
    N_("signatures are closed: the recall vote is under way"),
    N_("only electors of this seat's electorate may open a recall"),
    N_("a recall petition against this official is open"),
    N_("this mandate has already ended"),
    N_("you have already voted in this election"),
    N_("you are not an elector of this election"),
    N_("the election is closed"),
    N_("the election is already closed"),
    N_("the recall vote is already closed"),
    N_("the ballot is empty"),
    N_("a candidate appears twice on the ballot"),
    N_("a choice is not a candidate in this election"),
    N_("a candidate must be one of the electors"),
    N_(
        "the standing orders here ask that only members verified by the credentials committee "
        "open a recall: you are not verified"
    ),
    N_(
        "the standing orders here ask that only members verified by the credentials committee "
        "sign: you are not verified"
    ),
    N_(
        "the standing orders here ask that only members verified by the credentials committee "
        "stand: you are not verified"
    ),
    N_(
        "you joined this roll after the petition opened: its electorate is the roll as it stood "
        "then"
    ),
    N_(
        "you are not an elector of this election: its roll froze when its voting opened, and "
        "where the standing orders ask for it only members verified by the credentials committee "
        "vote"
    ),
    N_(
        "a candidate must be one of the electors (where the standing orders ask for it, a member "
        "verified by the credentials committee)"
    ),
    N_("already a candidate in this election"),
    N_("the election has no candidates"),
    N_("no ballots were cast: there is nothing to count yet"),
    N_("support in so far as ... what? give the conditions"),
    N_("only a conditional support carries conditions"),
    N_("only a countermand carries a counter-order"),
    N_("the text is empty"),
    N_("only its author may edit a comment"),
    N_("a panel hid this comment; it cannot be edited"),
    N_("the comment was edited at the same time; reload it"),
    N_("only a deputy of the faction may publish its platform"),
    N_("only a member of the faction may publish its platform"),
    N_("only a deputy of the faction may sign a statement for it"),
    N_("you are not a member of this faction"),
    N_("you are a member of this faction already"),
    N_("only a member on a unit's roll registers or joins a faction"),
    N_("the colour is #rgb or #rrggbb"),
    N_("the standing orders ask for verification: only verified members vote in the assembly"),
    N_("the standing orders ask for verification: only verified members call the assembly's vote"),
    N_("only members of the unit vote in its assembly"),
    N_("only members of the unit call its assembly's vote"),
    N_("only the members drawn for this report's panel may decide it"),
    N_("you have already voted on this report"),
    N_("this panel's time ran out; a new panel is being drawn"),
    N_("no federation has been founded yet"),
)

# Refusals of structure changes (domain/structure.py, services/structure.py) and of the motions
# the product drafts that quote what they refuse: i18n.translated matches the English raised
# against these and keeps the names (a name quoted 'so' is quoted «so»; a `field` said by FIELDS,
# an `order` as the standing orders are, an `office` and a `capability` too; `what` in turn).
NAMING = (
    N_("%(unit)s and %(into)s are units of different councils: move one first"),
    N_("%(unit)s elects to %(council)s already"),
    N_("%(unit)s has an open election: move it once that has closed"),
    N_("%(field)s is a name or an id"),
    N_("%(field)s is a non-empty text"),
    N_("%(username)s is not on the roll of %(unit)s"),
    N_("a %(kind)s change has no %(fields)s"),
    N_("kind is one of %(kinds)s"),
    N_("majority is one of %(majorities)s"),
    N_("no base unit %(name)s"),
    N_("no council %(name)s"),
    N_("no member %(name)s"),
    N_("not a username: %(name)s"),
    N_("only the deputies of %(council)s propose a change of its structure"),
    N_("the apportionment of %(council)s has no rule for %(what)s: add one first"),
    N_("units of kind %(kind)s"),
    N_(
        "the chief council sits: a structure change is an act of the council concerned "
        "(%(council)s), by adopted motion"
    ),
    N_("there is a council %(name)s already"),
    N_("there is a unit %(name)s already"),
    N_("this change is now for %(council)s to decide"),
    # domain/roll.py text_problem, for a field of a change
    N_("the %(field)s has %(length)s characters, at most %(most)s"),
    N_("the %(field)s %(value)s contains the character %(char)s"),
    # the motions the product drafts (services/capability_motions.py, instructions.py,
    # domain/standing_orders.py): an `office`, a `capability` and an `order` said in Russian
    N_("a required position is one of %(positions)s"),
    N_("capability is one of %(capabilities)s"),
    N_("the %(office)s does not have the capability %(capability)s"),
    N_("the %(office)s has the capability %(capability)s"),
    N_("no standing order %(names)s: one of %(orders)s"),
    N_("%(order)s is a whole number of at least %(low)s"),
    N_("%(order)s is at most %(high)s"),
    N_("%(order)s is true or false"),
    N_("%(order)s is one of %(choices)s"),  # last: "kind is one of" and the like come first
)
STRUCTURE_REFUSALS = (
    N_("a structure change is an object with a 'kind'"),
    N_("a unit is not merged into itself"),
    N_("a username appears twice among the members"),
    N_("members is a non-empty list of usernames"),
    N_("there is no federation yet: run `dualpower init` first"),
    N_("this structure motion was applied already"),
    N_("lower councils"),
    # the motions the product drafts
    N_("only the council's deputies propose the stipends it pays"),
    N_("this stipend motion was applied already"),
    N_("this stipend motion was decided already"),
    N_("only the council's deputies put its stances to it"),
    N_("the directive of this stance is no longer on the register"),
    N_("this stance motion was applied already"),
    N_("an instruction comes from a unit_id or a council_id"),
    N_("instructions are given on motions of a council"),
    N_("that motion is decided already"),
    N_(
        "that motion is put to a secret vote: no deputy's vote is recorded, so it cannot be "
        "instructed"
    ),
    N_("this body elects no deputies to a council above it"),
    N_("this body elects no deputies to that motion's council"),
    N_("only the council's deputies propose its standing orders"),
    N_("this standing-orders motion was applied already"),
    N_("a standing-orders motion changes at least one rule"),
    N_(
        "keep_order is held through a session's steward post alone: a council elects its "
        "stewards, it does not give the capability to an office"
    ),
    N_("only the council's deputies put its offices' powers to it"),
    N_("the office of this motion is not this council's"),
    N_("this capability motion was applied already"),
)

# "no council 5", "there is no comment 7": translated with the number kept (i18n.translated).
MISSING = (
    N_("no council %(id)s"),
    N_("no election %(id)s"),
    N_("no unit %(id)s"),
    N_("no mandate %(id)s"),
    N_("no motion %(id)s"),
    N_("no session %(id)s"),
    N_("no breach %(id)s"),
    N_("no initiative %(id)s"),
    N_("no recall petition %(id)s"),
    N_("no recall vote %(id)s"),
    N_("no directive %(id)s"),
    N_("no comment %(id)s"),
    N_("no report %(id)s"),
    N_("no faction %(id)s"),
    N_("no base unit %(id)s"),
    N_("no authority %(id)s"),
)

# Labels that views and routes pass to the templates.
LABELS = (
    # routes/register.py KIND_LABELS: a council's stance on a directive
    N_("endorse"),
    N_("support in so far as"),
    N_("countermand"),
    # how a deputy was told to vote, and voted (the tour's breach of instruction)
    N_("for"),
    N_("against"),
    N_("abstain"),
    # kinds and sections of base units (the demo's founding plan)
    N_("factory"),
    N_("company"),
    N_("ship"),
    N_("village"),
    N_("workers"),
    N_("soldiers"),
    N_("sailors"),
    N_("peasants"),
)


def pgettext(context: str, message: str) -> str:
    """Marks a message with its context for extraction (it is translated where it is shown)."""
    return message


# Statuses of motions, sessions, elections, petitions and speeches, and positions in a vote:
# the `status` filter (web/i18n.py) shows them.
STATUSES = (
    pgettext("status", "draft"),
    pgettext("status", "voting"),
    pgettext("status", "adopted"),
    pgettext("status", "rejected"),
    pgettext("status", "convened"),
    pgettext("status", "open"),
    pgettext("status", "closed"),
    pgettext("status", "published"),
    pgettext("status", "vote_open"),
    pgettext("status", "recalled"),
    pgettext("status", "waiting"),
    pgettext("status", "speaking"),
    pgettext("status", "spoken"),
    pgettext("status", "withdrawn"),
    pgettext("status", "yes"),
    pgettext("status", "no"),
    pgettext("status", "abstain"),
)

# The vote methods' names (domain/vote_methods.py `label`): the election page and the office
# form show pgettext("method", label). A new method's label is added here and translated.
METHOD_LABELS = (
    pgettext("method", "plurality"),
    pgettext("method", "block vote"),
    pgettext("method", "approval voting"),
    pgettext("method", "the alternative vote"),
    pgettext("method", "the single transferable vote (Scottish rules)"),
    pgettext("method", "the single transferable vote (Meek)"),
    pgettext("method", "party lists, D'Hondt"),
    pgettext("method", "party lists, Sainte-Laguë"),
    pgettext("method", "party lists, Hare quota"),
)

# The fields of a structure change (domain/structure.py), as its refusals name them (NAMING).
FIELDS = (
    pgettext("field", "name"),
    pgettext("field", "unit_kind"),
    pgettext("field", "section"),
    pgettext("field", "unit"),
    pgettext("field", "into"),
    pgettext("field", "parent"),
    pgettext("field", "council"),
    pgettext("field", "members"),
)

# Capabilities of offices (domain/capabilities.py), as the office lists show them.
CAPABILITIES = (
    N_("verify members"),
    N_("convene session"),
    N_("run election"),
    N_("record directive"),
    N_("moderate"),
    N_("report wages"),
    N_("keep order"),
)

# The offices the product names itself (the demo's standard offices, scenarios/act_offices.py
# and act_sessions.py): the `office` filter (web/i18n.py) shows them in the page's language, as
# it does a session's stewards ("steward 1 of session 10"). A name a federation typed stays.
OFFICES = (
    pgettext("office", "chair"),
    pgettext("office", "secretary"),
    pgettext("office", "credentials committee"),
    pgettext("office", "electoral commission"),
    N_("steward %(num)s of session %(session)s"),
)
