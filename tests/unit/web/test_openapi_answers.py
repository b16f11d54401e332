"""web/openapi_answers.py: a route names its refusals; `refusals` gives FastAPI's `responses`
with each sentence under its status, in the order named, and refuses two for one status."""

from __future__ import annotations

import pytest

from dualpower.web.openapi_answers import (
    LOGIN,
    MOTIONS_LIMITED,
    NO_COUNCIL,
    NOT_A_DEPUTY,
    NOT_FOUND,
    Refusal,
    motion_refusals,
    refusals,
)


def test_each_refusal_stands_under_its_status_in_the_order_named() -> None:
    answers = refusals(LOGIN, NOT_A_DEPUTY, NO_COUNCIL)
    assert list(answers) == [401, 403, 404]
    assert answers[403] == {"description": NOT_A_DEPUTY.sentence}
    assert answers[401] == {"description": "Not logged in."}


def test_two_refusals_for_one_status_are_refused() -> None:
    with pytest.raises(ValueError, match="404"):
        refusals(NO_COUNCIL, NOT_FOUND)


def test_a_motion_proposal_needs_login_and_its_drafts_are_limited() -> None:
    own = Refusal(422, "A bad rule.")
    answers = motion_refusals(NOT_A_DEPUTY, own)
    assert list(answers) == [401, 403, 422, 429]
    assert answers[429] == {"description": MOTIONS_LIMITED.sentence}
    assert answers[422] == {"description": "A bad rule."}
