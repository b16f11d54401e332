"""domain/errors.must_exist: a lookup by id, or NotFound with the caller's sentence."""

from __future__ import annotations

import pytest

from dualpower.domain import errors


@pytest.mark.parametrize("found", [0, "", [], {"id": 3}])
def test_whatever_was_found_is_returned_even_when_falsy(found: object) -> None:
    assert errors.must_exist(found, "there is no council 3") is found


def test_nothing_found_is_not_found_with_the_sentence_given() -> None:
    with pytest.raises(errors.NotFound) as refused:
        errors.must_exist(None, "there is no council 3")
    assert str(refused.value) == "there is no council 3"
