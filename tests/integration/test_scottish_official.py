"""The `stv-scottish` count against the official count sheets of the 2017 Scottish council
elections (351 wards), and the BLT reader against all 1,100 Scottish ballot files.

Data: `shared/data/scottish-stv` beside the repository (see its README). A published figure is
checked to the precision it was published with (5 decimals, sometimes 2, or whole votes). Where
a published stage total contradicts the sheet's own arithmetic (the previous total plus the
published transfer), the transcription is at fault: the count must then match that arithmetic.
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from dualpower.counting.model import BallotFileError, CountResult, Profile
from dualpower.counting.readers import read_profile
from dualpower.counting.stv_scottish import count_stv_scottish

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "scottish-stv"
INDEX: dict[str, str] = (
    json.loads((DATA / "official-index.json").read_text()) if DATA.is_dir() else {}
)
MALFORMED = "5_cands/perth_kinross_2016_by_election_ward9.blt"
# The README: this ballot file holds one ballot more than the published valid poll.
VALID_POLL_DIFFERS = {"6_cands/east_dunbartonshire_2017_ward2.blt": (7035, 7034)}


def test_the_shared_data_is_there() -> None:
    """The official counts are a requirement, not an option: without them this file fails."""
    assert DATA.is_dir(), f"shared data not found at {DATA}"
    assert len(INDEX) == 351


def _unit(figure: Decimal) -> Decimal:
    """One unit of the last decimal place of `figure` (1 for whole numbers)."""
    exponent = figure.as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(exponent)


def _matches(published: str, votes: Decimal) -> bool:
    """`votes` equals `published` at its precision, rounded or truncated."""
    target = Decimal(published)
    places = _unit(target)
    return target in (
        votes.quantize(places, ROUND_HALF_UP),
        votes.quantize(places, ROUND_DOWN),
    )


def _candidate_map(sheet: list[dict[str, Any]], profile: Profile, result: CountResult) -> dict:
    """Official candidate id -> index in the ballot file, by first-preference total (exactly
    equal, per the README), with the surname to separate equal totals."""
    first = result.rounds[0].totals
    mapping: dict[str, int] = {}
    for row in (r for r in sheet if int(r["Count_Number"]) == 1):
        same = [
            i
            for i, name in enumerate(profile.candidates)
            if Decimal(str(first[name])) == Decimal(row["Total_Votes"])
        ]
        if len(same) > 1:
            surname = row["Surname"].replace(" ", "").lower()
            same = [i for i in same if surname in profile.candidates[i].replace(" ", "").lower()]
        assert len(same) == 1, f"cannot match {row['Surname']} to one ballot-file candidate"
        mapping[row["Candidate_Id"]] = same[0]
    assert sorted(mapping.values()) == list(range(len(profile.candidates)))
    return mapping


def _published_stages(sheet: list[dict[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
    stages: dict[str, dict[int, dict[str, Any]]] = {}
    for row in sheet:
        stages.setdefault(row["Candidate_Id"], {})[int(row["Count_Number"])] = row
    return stages


def _figure(row: dict[str, Any], key: str) -> Decimal:
    """A published figure; a blank one (two transfer cells are blank) reads as 0."""
    return Decimal(str(row[key]).strip() or "0")


def _agrees(total: Decimal, before: Decimal, transfer: Decimal) -> bool:
    """`before + transfer == total`, to the coarsest precision of the three figures."""
    unit = max(_unit(d) for d in (total, before, transfer))
    return abs(before + transfer - total) <= unit


def _expected_total(rows: dict[int, dict[str, Any]], stage: int) -> str:
    """The published total, unless it contradicts the sheet's arithmetic on both sides (the
    previous total plus this transfer, and this total plus the next transfer): then it is a
    transcription slip, and the previous total plus the transfer is what was counted."""
    published = str(rows[stage]["Total_Votes"]).strip()
    if stage == 1:
        return published
    total, before = _figure(rows[stage], "Total_Votes"), _figure(rows[stage - 1], "Total_Votes")
    transfer = _figure(rows[stage], "Transfers")
    if _agrees(total, before, transfer):
        return published
    after = rows.get(stage + 1)
    if after and _agrees(_figure(after, "Total_Votes"), total, _figure(after, "Transfers")):
        return published
    return str(before + transfer)


@pytest.mark.parametrize("blt", sorted(INDEX))
def test_count_matches_the_official_sheet(blt: str) -> None:
    profile = read_profile(DATA / "ballots" / blt)
    doc = json.loads((DATA / "official" / INDEX[blt]).read_text())["Constituency"]
    info, sheet = doc["countInfo"], doc["countGroup"]
    assert profile.seats == int(info["Number_Of_Seats"])
    result = count_stv_scottish(profile, int(info["Number_Of_Seats"]))

    assert result.quota == int(info["Quota"])
    valid = VALID_POLL_DIFFERS.get(blt, (int(info["Valid_Poll"]),) * 2)
    assert (result.ballots, int(info["Valid_Poll"])) == valid
    assert len(result.rounds) == max(int(r["Count_Number"]) for r in sheet)
    assert result.ties == ()

    mapping = _candidate_map(sheet, profile, result)
    elected = {mapping[r["Candidate_Id"]] for r in sheet if r["Status"] == "Elected"}
    assert {profile.candidates.index(w) for w in result.winners} == elected

    for cid, rows in _published_stages(sheet).items():
        name = profile.candidates[mapping[cid]]
        for stage in rows:
            ours = Decimal(str(result.rounds[stage - 1].totals[name]))
            expected = _expected_total(rows, stage)
            assert _matches(expected, ours), f"stage {stage}, {name}: {expected} != {ours}"


def test_every_scottish_ballot_file_is_read() -> None:
    files = sorted((DATA / "ballots").glob("*/*.blt"))
    assert len(files) == 1100
    ballots = 0
    for path in files:
        relative = path.relative_to(DATA / "ballots").as_posix()
        if relative == MALFORMED:
            continue
        profile = read_profile(path)
        n = len(profile.candidates)
        assert n == int(path.parent.name.split("_")[0]), relative
        assert all(name.strip() == name and name for name in profile.candidates), relative
        assert profile.seats is not None and 1 <= profile.seats < n
        assert profile.rankings.min() >= -1 and profile.rankings.max() < n
        assert (profile.weights > 0).all()
        ballots += profile.ballots
    assert 5_500_000 < ballots < 5_700_000  # "~5.6 million ballots in all"


def test_the_malformed_file_is_refused_naming_its_line() -> None:
    with pytest.raises(BallotFileError) as caught:
        read_profile(DATA / "ballots" / MALFORMED)
    assert caught.value.line == 1
    assert "line 1" in str(caught.value)
    assert "perth_kinross_2016_by_election_ward9.blt" in str(caught.value)


def test_glasgow_2007_names_come_from_the_comment_lines() -> None:
    profile = read_profile(DATA / "ballots" / "10_cands" / "glasgow_2007_calton.blt")
    assert profile.candidates[0] == "Gary Barton"
    assert profile.candidates[9] == "Alison E Thewliss"
    assert profile.parties is not None and profile.parties[9] == "SNP"
    assert profile.title == "Calton ward"
