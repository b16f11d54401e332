"""Each invitation slip in its member's language (DESIGN.md 2.10, issue 21): a member's language
comes from the plan or the roll file (`language`, optional); the printable sheet prints each slip
in it, and a member without one in the sheet's (by default the federation's). On both
databases."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from dualpower.bootstrap import System
from dualpower.domain.errors import FoundingError, RollError
from dualpower.domain.founding import MemberPlan, check_plan
from dualpower.domain.roll import parse_roll
from dualpower.services.founding import found_federation
from dualpower.services.invitations import issue_invitations
from dualpower.services.plans import plan_from_json
from dualpower.services.roll import import_roll
from dualpower.web.invitation_sheet import sheet
from factories import small_federation, small_plan

ROLL = "username,name,email,language\nolga,Olga R,,ru\njohn,John E,,EN\nmax,Max B,,\n"


def slips(html: str) -> dict[str, tuple[str, str]]:
    """username -> (the slip's lang attribute, its title)."""
    found = re.findall(
        r'<section class="slip" lang="(\w+)">\s*<h2>[^<]*: ([^<]+)</h2>'
        r".*?<strong>([\w.-]+)</strong>",
        html,
        re.S,
    )
    return {user: (lang, title) for lang, title, user in found}


def test_each_slip_in_its_members_language(system: System) -> None:
    small_federation(system, elect=False)
    assert import_roll(system.uow(), ROLL, "Forge", actor="operator", is_operator=True) == 3
    codes = issue_invitations(system.uow(), "Forge", actor="operator")
    assert {c.username: c.language for c in codes} == {"olga": "ru", "john": "en", "max": None}
    html = sheet(codes, federation="Test", base_url="https://example.org", language="en")
    assert slips(html) == {
        "olga": ("ru", "Приглашение"),
        "john": ("en", "Invitation"),
        "max": ("en", "Invitation"),
    }


def test_a_member_without_a_language_gets_the_federations(system: System) -> None:
    plan = small_plan()
    first = replace(plan.members[0], password_hash=None, language="en")
    plan = replace(plan, language="ru", members=(first, *plan.members[1:]))
    found_federation(system.uow(), plan)
    import_roll(system.uow(), ROLL, "Forge", actor="operator", is_operator=True)
    codes = issue_invitations(system.uow(), None, actor="operator")
    by_user = {c.username: c.language for c in codes}
    assert by_user == {first.username: "en", "olga": "ru", "john": "en", "max": None}
    with system.uow() as uow:
        spoken = uow.federations.only().language  # the CLI's default for the sheet
    assert spoken == "ru"
    html = sheet(codes, federation="Test", base_url="https://example.org", language=spoken)
    assert slips(html)["max"] == ("ru", "Приглашение")
    assert slips(html)[first.username] == ("en", "Invitation")
    assert '<html lang="ru">' in html


def test_a_language_we_do_not_print_is_refused_naming_the_line() -> None:
    with pytest.raises(RollError) as info:
        parse_roll("username,name,language\nanna,Anna,en\nboris,Boris,fr\n")
    assert info.value.line == 3 and "'fr' is not one of en, ru" in str(info.value)
    assert parse_roll("username,name\nanna,Anna\n")[0].language is None  # the column is optional


def test_the_plan_names_the_language_field_it_refuses() -> None:
    base = {"name": "F", "factions": [], "councils": [], "units": [], "members": []}
    assert plan_from_json(json.dumps(base | {"language": "ru"})).language == "ru"
    with pytest.raises(FoundingError, match="'language' is one of en, ru"):
        plan_from_json(json.dumps(base | {"language": "fr"}))
    plan = replace(small_plan(), members=(MemberPlan("x1", "X", "Forge", language="de"),))
    with pytest.raises(FoundingError, match="member 'x1': language is one of en, ru"):
        check_plan(plan)
