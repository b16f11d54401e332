"""The hash chain and canonical JSON (audit/chain.py, audit/canonical.py; DESIGN.md 2.8)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualpower.audit.canonical import _check, _is_plain, canonical_json
from dualpower.audit.chain import GENESIS, Draft, Entry, chain, entry_hash, iter_chain, seal

AT = "1917-03-01T09:00:00+00:00"


def draft(act: str = "recall.sign", **payload: object) -> Draft:
    return Draft(act, dict(payload) or {"petition": 7}, "m-12", False, AT)


# canonical JSON


def test_canonical_json_sorts_keys_drops_whitespace_and_writes_utf8() -> None:
    got = canonical_json({"b": 1, "a": [True, None, 1.5], "ä": "Совет"})
    assert got == '{"a":[true,null,1.5],"b":1,"ä":"Совет"}'.encode()


def test_canonical_json_is_the_same_whatever_the_key_order() -> None:
    assert canonical_json({"x": {"q": 1, "p": 2}, "y": 0}) == canonical_json(
        {"y": 0, "x": {"p": 2, "q": 1}}
    )


@pytest.mark.parametrize("bad", [datetime(1917, 3, 1, tzinfo=UTC), {1, 2}, b"raw", object()])
def test_canonical_json_refuses_non_json_types(bad: object) -> None:
    with pytest.raises(TypeError):
        canonical_json({"v": bad})


def test_canonical_json_refuses_non_string_keys() -> None:
    # json.dumps would silently turn 1 into "1" and let {1: .., "1": ..} collide
    with pytest.raises(TypeError, match="key 1"):
        canonical_json({1: "a"})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_canonical_json_refuses_nan_and_infinity(bad: float) -> None:
    with pytest.raises(ValueError):
        canonical_json([bad])


# entry hashes


def test_entry_hash_is_sha256_of_the_canonical_fields() -> None:
    body = (
        '{"act":"recall.sign","actor":"m-12","is_operator":false,"payload":{"petition":7},'
        f'"prev_hash":"{GENESIS}","recorded_at":"{AT}","seq":0}}'
    )
    expected = hashlib.sha256(body.encode()).hexdigest()
    assert entry_hash(0, "recall.sign", {"petition": 7}, "m-12", False, AT, GENESIS) == expected


@pytest.mark.parametrize(
    "field, value",
    [
        ("seq", 1),
        ("act", "recall.withdraw"),
        ("payload", {"petition": 8}),
        ("actor", "m-13"),
        ("actor", None),
        ("is_operator", True),
        ("recorded_at", "1917-03-01T09:00:01+00:00"),
        ("prev_hash", "11" * 32),
    ],
)
def test_every_field_changes_the_hash(field: str, value: object) -> None:
    fields = {
        "seq": 0, "act": "recall.sign", "payload": {"petition": 7}, "actor": "m-12",
        "is_operator": False, "recorded_at": AT, "prev_hash": GENESIS,
    }  # fmt: skip
    before = entry_hash(**fields)  # type: ignore[arg-type]
    fields[field] = value
    assert entry_hash(**fields) != before  # type: ignore[arg-type]


@pytest.mark.parametrize("act", ["recall", "Recall.sign", "recall.sign.more", "recall-x.sign", ""])
def test_act_names_must_be_collection_dot_verb(act: str) -> None:
    with pytest.raises(ValueError, match="collection.verb"):
        entry_hash(0, act, {}, None, True, AT, GENESIS)


@pytest.mark.parametrize(
    "recorded_at", ["1917-03-01T09:00:00", "1917-03-01T12:00:00+03:00", "yesterday"]
)
def test_recorded_at_must_be_an_iso_utc_timestamp(recorded_at: str) -> None:
    with pytest.raises(ValueError, match="recorded_at"):
        entry_hash(0, "motion.adopt", {}, None, True, recorded_at, GENESIS)


def test_recorded_at_accepts_z_for_utc() -> None:
    assert len(entry_hash(0, "motion.adopt", {}, None, True, "1917-03-01T09:00:00Z", GENESIS)) == 64


@pytest.mark.parametrize("prev", ["00" * 31, "GG" * 32, ("AB" * 32)])
def test_prev_hash_must_be_64_lowercase_hex_digits(prev: str) -> None:
    with pytest.raises(ValueError, match="prev_hash"):
        entry_hash(0, "motion.adopt", {}, None, True, AT, prev)


def test_negative_or_boolean_seq_is_refused() -> None:
    with pytest.raises(ValueError, match="seq"):
        entry_hash(-1, "motion.adopt", {}, None, True, AT, GENESIS)
    with pytest.raises(ValueError, match="seq"):
        entry_hash(True, "motion.adopt", {}, None, True, AT, GENESIS)


# the chain


def test_chain_links_each_entry_to_the_one_before() -> None:
    entries = chain([draft(), draft("recall.withdraw"), draft("motion.adopt")])
    assert [e.seq for e in entries] == [0, 1, 2]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    for e in entries:
        assert e.entry_hash == e.computed_hash()
        assert e.entry_hash == entry_hash(
            e.seq, e.act, e.payload, e.actor, e.is_operator, e.recorded_at, e.prev_hash
        )


def test_chain_continues_from_a_given_entry() -> None:
    whole = chain([draft(n=n) for n in range(5)])
    tail = chain([draft(n=n) for n in range(3, 5)], whole[2].entry_hash, start_seq=3)
    assert tail == whole[3:]


def test_iter_chain_is_lazy_and_equal_to_chain() -> None:
    drafts = [draft(n=n) for n in range(4)]
    it = iter_chain(iter(drafts))
    assert next(it) == chain(drafts)[0]
    assert [next(it) for _ in range(3)] == chain(drafts)[1:]


def test_seal_refuses_a_bad_act_name() -> None:
    with pytest.raises(ValueError):
        seal(Draft("sign", {}, None, False, AT), 0, GENESIS)


def test_entry_round_trips_through_a_dict_and_its_leaf_is_canonical_json() -> None:
    (e,) = chain([draft()])
    assert Entry.from_dict(json.loads(json.dumps(e.to_dict()))) == e
    leaf = e.leaf()
    assert json.loads(leaf) == e.to_dict()
    assert leaf == canonical_json(e.to_dict())
    assert b'"entry_hash":"' + e.entry_hash.encode() in leaf


_JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.datetimes()
    | st.binary(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(_JSONISH)
def test_the_fast_check_accepts_only_what_the_full_check_accepts(value: object) -> None:
    try:
        _check(value, "$")
        accepted = True
    except (TypeError, ValueError):
        accepted = False
    if _is_plain(value):
        assert accepted
    try:
        canonical_json(value)
        assert accepted
    except (TypeError, ValueError):
        assert not accepted
