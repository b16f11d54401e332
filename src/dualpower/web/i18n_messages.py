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
    N_(
        "member %(name)s is not on the roll of %(unit)s; a unit reports only its own members' wages"
    ),  # before "%(username)s is not on the roll of %(unit)s"
    N_("%(username)s is not on the roll of %(unit)s"),
    N_("a %(kind)s change has no %(fields)s"),
    N_("kind is one of %(kinds)s"),
    N_("majority is one of %(majorities)s"),
    N_("no base unit %(name)s"),
    N_("no council %(name)s"),
    N_("no member on a roll named %(name)s"),  # before "no member %(name)s"
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
    # the refusals of every other topic (domain/, services/): a `status` said as the pages say
    # it, a `span` or a `delay` ("10 minutes") and `what` in the page's language
    N_("%(field)s must be a whole number, not %(value)s"),
    N_("%(field)s must be at least %(low)s, not %(value)s"),
    N_("a house of %(seats)s seats cannot be shared: no electorate has anyone in it"),
    N_("a house of %(seats)s seats cannot give %(count)s electorates at least %(low)s each"),
    N_(
        "a house of %(seats)s seats cannot be filled by %(count)s electorates of at most "
        "%(high)s each"
    ),
    N_("minimum_per_electorate (%(low)s) is above maximum_per_electorate (%(high)s)"),
    N_("rounding must be one of %(choices)s, not %(value)s"),
    N_("no apportionment rule for electorates of kind %(kind)s"),
    N_("method must be one of %(choices)s, not %(value)s"),
    N_("unknown apportionment settings %(names)s"),
    N_("electorate %(name)s is listed twice"),
    N_(
        "the house maximum of %(high)s seats cannot be kept: the electorates' minimum "
        "seats add up to %(sum)s"
    ),
    N_("the rule for %(kind)s must be a RatioRule or FixedSeats"),
    N_("house_minimum (%(low)s) is above house_maximum (%(high)s)"),
    N_(
        "the house minimum of %(low)s seats cannot be reached: the electorates' maximum "
        "seats add up to %(sum)s"
    ),
    N_("%(seats)s seats cannot be shared within the bounds"),
    N_(
        "this vote closes%(when)s, or earlier only when every elector has voted "
        "(%(voted)s of %(electors)s have)"
    ),
    N_("at %(at)s"),
    N_("nominations closed at %(at)s: voting is under way"),
    N_("voting opens at %(at)s, when nominations close"),
    N_("voting closed at %(at)s"),
    N_("windows: %(field)s must be a positive whole number"),
    N_("you may %(what)s at most %(most)s times in %(span)s; please wait and try again"),
    N_("too many %(what)s: at most %(most)s per %(span)s; try again in %(delay)s"),
    N_("too many failed logins for this account from this address; try again in %(delay)s"),
    N_(
        "the stipend of %(office)s cannot be %(amount)s: it is above the cap of %(cap)s, "
        "the median wage of the workers"
    ),
    N_(
        "the stipend of %(office)s cannot be %(amount)s: no wages are reported yet, so "
        "the cap of ordinary pay is unknown and only 0 is allowed"
    ),
    N_(
        "%(who)s would be paid %(total)s in stipends together, above the cap of %(cap)s: "
        "officials are paid no more than an ordinary worker"
    ),
    N_("an office needs a name of 1 to %(most)s characters"),
    N_("unknown capability %(name)s: one of %(capabilities)s"),
    N_("line %(line)s: write a username and a whole amount, as `forge4 12000`"),
    N_("line %(line)s: the amount is too large"),
    N_("line %(line)s: %(name)s is reported twice"),
    N_("%(where)s: a member is named by id or username"),
    N_("%(where)s: a ballot lists candidate ids, not %(value)s"),
    N_("%(where)s: a ballot lists candidate ids"),
    N_("the CSV's header is %(expected)s, not %(found)s"),
    N_('%(where)s: a ballot is {"ranking": [...]} or {"choices": [...]}'),
    N_("not valid JSON: %(problem)s (line %(line)s)"),
    N_("line %(line)s: more cells than the header names"),
    N_("bad username %(name)s: 2-80 letters, digits, '.', '_' or '-'"),
    N_("the header has the column %(column)s twice"),
    N_("the header lacks the column(s) %(columns)s"),
    N_("bad CSV: %(problem)s"),
    N_("expected %(expected)s columns, found %(found)s"),
    N_("the language %(language)s is not one of %(languages)s"),
    N_("username %(name)s is already on line %(line)s"),
    N_("a time limit per speech is between %(low)s and %(high)s seconds (0: none)"),
    N_("a session has 1 to %(most)s steward posts; it has %(count)s already"),
    N_("unknown method %(name)s: one of %(methods)s"),
    N_("a %(method)s ballot is {%(key)s: [candidate ids]}"),
    N_("the password of %(name)s was set by the operator: they set their own first"),
    N_("there is no faction %(name)s"),
    N_("this needs the capability %(capability)s of an office of this council, held now"),
    N_("a password has at least %(most)s characters"),
    N_("a password has at most %(most)s characters"),
    N_("council %(council)s has no seats elected by %(kind)s %(source)s"),
    N_("a panel suspended your posting until %(until)s UTC; you can still vote, sign and recall"),
    N_("the text is longer than %(most)s characters"),
    N_("%(what)ss are not available on this server yet (no %(table)s table)"),
    N_("%(what)ss are not available on this server yet"),
    N_("an office is filled by one of %(methods)s, not %(method)s"),
    N_("the count failed: %(problem)s"),
    N_("the %(field)s is empty"),
    N_("there is a faction %(name)s already"),
    N_("%(who)s holds a mandate: they resign or are recalled before being forgotten"),
    N_("%(who)s holds an office: they resign or are recalled before being forgotten"),
    N_("this motion carries initiative %(id)s already"),
    N_("title at most %(title)s, text at most %(text)s characters"),
    N_("no quorum: %(present)s of %(seated)s deputies present, %(needed)s needed"),
    N_("the motion is %(status)s, not a draft"),
    N_("amendments are voted before their motion: %(ids)s still undecided"),
    N_("no quorum: %(voted)s of %(roll)s members voted, %(needed)s needed"),
    N_("the office %(office)s was filled by another election at the same time"),
    N_("an election for %(office)s is open already"),
    N_(
        "the standing orders give nominations and voting their time: this election "
        "closes at %(at)s at the earliest"
    ),
    N_("this council already has an office named %(name)s"),
    N_("there is no member %(name)s"),
    N_("there is no base unit %(name)s"),
    N_("the panel of report %(id)s is not drawn yet"),
    N_("member %(id)s is on no roll"),
    N_("give a reason of 1 to %(most)s characters"),
    N_("this report is decided already (%(status)s)"),
    N_("member %(name)s appears twice on the sheet"),
    N_("a sheet has at most %(most)s lines"),
    N_("every paper voter has one ballot: %(voters)s voters, %(ballots)s ballots"),
    N_("%(name)s has voted %(how)s: nobody votes both ways"),
    N_("%(name)s is not an elector of this election"),
    N_("%(name)s has signed %(how)s: nobody signs both ways"),
    N_(
        "the operator enters the paper ballots of founding elections only; election "
        "%(id)s's are entered by the electoral commission of its council"
    ),
    N_("this petition is decided (%(status)s)"),
    N_("recall petition %(id)s was decided by another act"),
    N_("a recall petition against this mandate is open (petition %(id)s)"),
    N_("the authority %(name)s is recorded already"),
    N_("username %(name)s is already a member"),
    N_("username %(name)s was just added by another import; nothing was imported, try again"),
    N_("username %(name)s is taken"),
    N_("%(name)s is on the roll of %(unit)s already"),
    N_("%(name)s is on no unit's roll"),
    N_("the row is for unit %(unit)s, not %(other)s"),
    N_("motion %(id)s is not put to this council"),
    N_("motion %(id)s is decided already"),
    N_("the session is %(status)s, not open"),
    N_("the session is %(status)s"),
    N_("the vote on motion %(id)s is still open"),
    N_("the council must vote on the initiative on its agenda (motion %(id)s)"),
    N_("motion %(id)s is not on this session's agenda"),
    N_("no steward election %(id)s of this session"),
    N_("election %(id)s is still open; it has no result yet"),
    N_("election %(id)s is still open; its ballots are published when it closes"),
    N_("a decision is one of %(choices)s"),
    N_("a stance is one of %(choices)s, not %(value)s"),
    N_("a subject is one of %(kinds)s"),
    N_("a vote is one of %(choices)s"),
    N_("this %(kind)s motion was applied already"),  # each kind's own said above
    # the pages' own refusals (web/routes, web/guards.py)
    N_("%(value)s is not a number"),
    N_("%(what)s is a whole number"),
    N_("there are no discussions on %(kind)s"),
    N_("two candidates share choice %(rank)s: give each its own rank"),
    N_("the request body is larger than the %(limit)s bytes allowed"),
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

# The refusals of every other topic that quote nothing (domain/ and services/; the test
# tests/unit/web/test_structure_refusals_ru.py finds them all from the source).
TOPIC_REFUSALS = (
    N_("apportionment settings need a default rule or a rule per kind"),
    N_(
        "no apportionment rule for electorates without a kind (lower councils): give a default rule"
    ),
    N_("when every elector has voted"),
    N_("a stipend cannot be negative"),
    N_("the pay cap's scope is 'federation' or 'territory'"),
    N_("a wage cannot be negative"),
    N_('the JSON is {"voters": [...], "ballots": [...]}'),
    N_('"voters" and "ballots" are lists'),
    N_('the JSON is {"members": [...]} or a list of members'),
    N_("the name is empty"),
    N_("the roll file is empty"),
    N_("the roll file has no members"),
    N_(
        "this needs the capability 'keep order' of this session, held now: its stewards "
        "(or, until the council elects them, its chair)"
    ),
    N_(
        "this needs the capability 'run election' of an office of this council, held now "
        "(while nobody holds it, any of its deputies may)"
    ),
    N_("the current password is wrong"),
    N_("no such member"),
    N_("no such session or token of yours"),
    N_("an electorate's kind is 'unit' or 'council'"),
    N_("an election of these seats is open already"),
    N_("no federation yet: found one with `dualpower init --plan`"),
    N_("the federation has no chief council yet"),
    N_("a reply belongs to the same discussion as its parent"),
    N_("another version was published at the same time"),
    N_("a founding election is only for an electorate that never had one"),
    N_("this electorate has no seats to fill"),
    N_("a recall vote has no candidates"),
    N_("a recall vote is closed through its petition"),
    N_(
        "no candidate still stands: each has lost the seat that made them eligible; "
        "nominate another"
    ),
    N_("a recall vote is [1] to recall or [0] to keep"),
    N_("a base unit sends up a motion adopted by its assembly"),
    N_("only members of the unit send up its motions"),
    N_("the assembly has not adopted this motion"),
    N_("this unit has this initiative before its assembly already"),
    N_("the initiative reached this council concurrently; retry"),
    N_("the motion is not on the agenda of an open session of its council"),
    N_("a motion is put in one place: give unit_id or council_id"),
    N_("the standing orders here do not allow secret votes"),
    N_("a motion needs a title and a text"),
    N_("an amendment is made to a motion, not to an amendment"),
    N_("an amendment is put where its motion is"),
    N_("the motion's vote has opened: it can no longer be amended"),
    N_("the standing orders here no longer allow secret votes"),
    N_("the vote on this motion is not open"),
    N_("the member who called the assembly's vote closes it"),
    N_("the vote on this motion was closed already"),
    N_("a member drafts motions in their own unit only"),
    N_("only the council's deputies put motions to it"),
    N_("the session is not open"),
    N_("you have already voted on this motion"),
    N_("a candidate for an office must be a deputy of its council"),
    N_(
        "the winner is no longer a deputy of this council and cannot take office; open a "
        "new election"
    ),
    N_("the founding may only create the offices of a new council"),
    N_(
        "stipends are the council's: the office starts at 0 and the council sets its "
        "stipend by a stipend motion"
    ),
    N_("another wage report was saved at the same time; retry"),
    N_("this member is on no unit's roll"),
    N_("only the holder may resign an office"),
    N_("this office term has already ended"),
    N_("a report names a comment_id, a member_id or a session_id"),
    N_(
        "a report names one subject: a comment_id, a session_id (with the member_id of "
        "who disrupted it) or a member_id"
    ),
    N_("nobody is left to sit on a panel for this report"),
    N_("a panel has 1 to 25 members"),
    N_("nobody is on the rolls concerned to sit on a panel"),
    N_("the sheet names no voter"),
    N_(
        "the operator enters the paper ballots of founding elections only; a petition's "
        "signature sheets are entered by the electoral commission"
    ),
    N_("the sheet names no member"),
    N_("one of these voters has voted meanwhile: nobody votes both ways"),
    N_(
        "only electors of this seat's electorate (for an official: deputies of their "
        "council) may sign"
    ),
    N_("only deputies of the council that elected this official may open a recall"),
    N_(
        "another stance of this council on this directive was recorded at the same time; "
        "reload and decide again"
    ),
    N_("an authority needs a name"),
    N_("a directive needs a title"),
    N_("no unit: give --unit or a unit column"),
    N_("amendments come with their motion, not as agenda items"),
    N_("a session needs a title of at most 300 characters"),
    N_("the session is closed"),
    N_("only the council's deputies register at its sessions"),
    N_("the motion is on this agenda already"),
    N_("your attendance is registered already"),
    N_("this speech has ended already"),
    N_("every item on this session's agenda is decided"),
    N_("only the council's deputies ask for the floor here"),
    N_("this request has ended already"),
    N_("nobody is waiting for the floor on this item"),
    N_("nobody holds the floor"),
    N_("you are on the speakers' list for this item already"),
    N_("you hold the floor: the keeper of order ends the speech"),
    N_("only the members of this unit and the deputies of its councils may see its roll"),
    N_("a recall petition against this mandate is open"),
    N_("you are not waiting on this session's speakers' list"),
    N_("the token is unknown or has expired"),
    N_("the code is unknown, used or expired"),
    N_("a suspension needs a reported member"),
    N_("only a reported text can be hidden"),
    N_("only the council's deputies vote here"),
    # the pages' own (web/routes)
    N_("a rank is a whole number, 1 for your first choice"),
    N_("choose an office of this council"),
    N_("choose the council whose stance this is"),
    N_("choose whose seats the election fills"),
    N_("the office"),  # what routes/offices.py asks to be a whole number
    N_("the stipend"),
    N_("the unit"),
)

# What a rate limit counts (services/limits.py, domain/discussion.py check_rate) and the spans it
# names: said in turn inside its refusal (i18n._naming: `what`, `span`, `delay`).
RATE_WORDS = (
    N_("post"),
    N_("report"),
    N_("failed logins for this account"),
    N_("unknown, used or expired codes from this address"),
    N_("recall petitions opened"),
    N_("signatures given"),
    N_("ballots and votes cast"),
    N_("motions and comments written"),
    N_("write requests to the API"),
    N_("hour"),
    N_("minute"),
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
    N_("no office %(id)s"),
    N_("no office election %(id)s"),
    N_("no office term %(id)s"),
    N_("no electorate %(id)s"),
    N_("no member %(id)s"),
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
    pgettext("field", "short name"),  # services/factions.py
)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Marks a message with its plural for extraction (it is translated where it is shown)."""
    return singular if n == 1 else plural


# The spans a rate limit's refusal names ("try again in 3 minutes"; i18n._naming).
DURATIONS = (
    ngettext("%(num)s second", "%(num)s seconds", 2),
    ngettext("%(num)s minute", "%(num)s minutes", 2),
    ngettext("%(num)s hour", "%(num)s hours", 2),
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
