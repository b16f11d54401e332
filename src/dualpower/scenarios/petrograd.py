"""The Petrograd 1917 demo (scenario-petrograd-1917.md).

The structure and the factions follow the historical record; the people, their numbers and
their votes are synthetic, drawn from a fixed seed, so the demo is the same every time. Rolls are
about a tenth of the historical sizes, so the 1917 norm of one deputy per 1,000 workers becomes
one per 100 here; each army company still sends one deputy. Dates are Old Style (Julian), as in
Russia then; the clock of the demo runs in New Style (13 days later), as stored datetimes are UTC.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from dualpower.bootstrap import System
from dualpower.domain.founding import (
    CouncilPlan,
    FactionPlan,
    FoundingPlan,
    MemberPlan,
    UnitPlan,
)
from dualpower.domain.model import Electorate
from dualpower.services import chance
from dualpower.services.accounts import hash_password
from dualpower.services.cycle import open_founding
from dualpower.services.due import run_due
from dualpower.services.elections import cast_ballot, electors, nominate
from dualpower.services.founding import found_federation

SEED = 1917
DEMO_PASSWORD = "demo"
FOUNDED_AT = datetime(1917, 3, 12, 12, 0, tzinfo=UTC)  # 27 February 1917, Old Style

# Colours a colour-blind reader tells apart too (blue, orange, red, grey: no red beside green;
# tests/unit/test_demo_faction_colours.py).
FACTIONS = (
    FactionPlan("Socialist-Revolutionaries", "SR", "#0072b2", "Land to those who work it."),
    FactionPlan("Mensheviks", "Men", "#e69f00", "Defend the revolution; support in so far as."),
    FactionPlan("Bolsheviks", "Bol", "#c62828", "All power to the soviets. Peace, land, bread."),
    FactionPlan("Non-party", "NP", "#6e6e6e", "Deputies of no party."),
)
ALLIES = {"SR": ("Men",), "Men": ("SR",), "Bol": (), "NP": ("SR", "Men")}

# Faction leanings by section: SR, Men, Bol, NP.
LEANING = {
    "workers": (0.28, 0.32, 0.25, 0.15),
    "soldiers": (0.45, 0.20, 0.12, 0.23),
    "peasants": (0.65, 0.05, 0.05, 0.25),
}
# Districts where the Bolsheviks were strong from the start.
BOLSHEVIK_DISTRICTS = {"Vyborg District Soviet": 0.25, "Kronstadt Soviet": 0.30}

BASE_NORM = {
    "by_kind": {
        "factory": {"rule": "ratio", "per": 100, "minimum_per_electorate": 1},
        "ship": {"rule": "fixed", "seats": 1},
        "company": {"rule": "fixed", "seats": 1},
        "village": {"rule": "ratio", "per": 100, "minimum_per_electorate": 1},
    }
}


def _city_norm(per: int) -> dict[str, object]:
    return {"default": {"rule": "ratio", "per": per, "minimum_per_electorate": 1}}


CONGRESS = "All-Russian Congress of Soviets"
PETROGRAD = "Petrograd Soviet of Workers' and Soldiers' Deputies"
MOSCOW = "Moscow Soviet"
# The soviets' standing orders for votes: candidacies for an hour, then voting for a shift
# (a factory meeting, a regiment's assembly), so that the replay's time moves with the clock.
DEMO_WINDOWS = {"nominations_seconds": 3600, "voting_seconds": 6 * 3600}
COUNCILS = (
    CouncilPlan(CONGRESS, None, seat_method="stv-scottish", apportionment=_city_norm(500)),
    CouncilPlan(PETROGRAD, CONGRESS, seat_method="stv-scottish", apportionment=_city_norm(120)),
    CouncilPlan(MOSCOW, CONGRESS, seat_method="stv-scottish", apportionment=_city_norm(120)),
    CouncilPlan("Kronstadt Soviet", CONGRESS, apportionment=BASE_NORM),
    CouncilPlan("Vyborg District Soviet", PETROGRAD, apportionment=BASE_NORM),
    CouncilPlan("Vasilievsky Island District Soviet", PETROGRAD, apportionment=BASE_NORM),
    CouncilPlan("Narva District Soviet", PETROGRAD, apportionment=BASE_NORM),
    CouncilPlan("Petrograd Side District Soviet", PETROGRAD, apportionment=BASE_NORM),
    CouncilPlan("Petrograd Uyezd Peasants' Soviet", PETROGRAD, apportionment=BASE_NORM),
    CouncilPlan(
        "Zamoskvorechye District Soviet", MOSCOW, recall_rule="vote", apportionment=BASE_NORM
    ),
    CouncilPlan("Presnya District Soviet", MOSCOW, apportionment=BASE_NORM),
)

# (council, kind, section, names)
UNITS = (
    (
        "Vyborg District Soviet",
        "factory",
        "workers",
        (
            "Nobel Works",
            "Lessner Works",
            "Erickson Works",
            "Parviainen Works",
            "Russian Renault",
            "Phoenix Works",
        ),
    ),
    (
        "Vyborg District Soviet",
        "company",
        "soldiers",
        (
            "1st Machine Gun Regiment, 1st Company",
            "1st Machine Gun Regiment, 2nd Company",
            "Moscow Regiment, 3rd Company",
            "Moscow Regiment, 4th Company",
        ),
    ),
    (
        "Vasilievsky Island District Soviet",
        "factory",
        "workers",
        ("Baltic Shipyard", "Siemens-Schuckert", "Cable Works", "Pipe Works", "Laferme Tobacco"),
    ),
    (
        "Vasilievsky Island District Soviet",
        "company",
        "soldiers",
        (
            "Finland Regiment, 1st Company",
            "Finland Regiment, 2nd Company",
            "Finland Regiment, 5th Company",
        ),
    ),
    (
        "Narva District Soviet",
        "factory",
        "workers",
        (
            "Putilov Works",
            "Putilov Shipyard",
            "Treugolnik Rubber",
            "Skorokhod Shoes",
            "Ekaterinhof Mill",
        ),
    ),
    (
        "Narva District Soviet",
        "company",
        "soldiers",
        (
            "Izmailovsky Regiment, 1st Company",
            "Izmailovsky Regiment, 2nd Company",
            "Semenovsky Regiment, 3rd Company",
        ),
    ),
    (
        "Petrograd Side District Soviet",
        "factory",
        "workers",
        ("Langenzippen Works", "Vulcan Works", "Petrograd Arsenal", "Shchetinin Aircraft"),
    ),
    (
        "Petrograd Side District Soviet",
        "company",
        "soldiers",
        (
            "Pavlovsky Regiment, 1st Company",
            "Pavlovsky Regiment, 2nd Company",
            "Volynsky Regiment, 1st Company",
            "Volynsky Regiment, 4th Company",
        ),
    ),
    (
        "Petrograd Uyezd Peasants' Soviet",
        "village",
        "peasants",
        (
            "Kolpino village",
            "Pargolovo village",
            "Murino village",
            "Toksovo village",
            "Ligovo village",
            "Ruchyi village",
        ),
    ),
    (
        "Zamoskvorechye District Soviet",
        "factory",
        "workers",
        (
            "Michelson Works",
            "Dynamo Works",
            "Einem Confectionery",
            "Danilov Mill",
            "Tsindel Textile",
        ),
    ),
    (
        "Zamoskvorechye District Soviet",
        "company",
        "soldiers",
        (
            "56th Reserve Regiment, 1st Company",
            "56th Reserve Regiment, 2nd Company",
            "55th Reserve Regiment, 3rd Company",
        ),
    ),
    (
        "Presnya District Soviet",
        "factory",
        "workers",
        ("Prokhorov Trekhgornaya Mill", "Shmidt Furniture", "Mamontov Paints", "Bromley Works"),
    ),
    (
        "Presnya District Soviet",
        "company",
        "soldiers",
        (
            "193rd Reserve Regiment, 1st Company",
            "193rd Reserve Regiment, 2nd Company",
            "251st Reserve Regiment, 1st Company",
        ),
    ),
    (
        "Kronstadt Soviet",
        "ship",
        "soldiers",
        (
            "Battleship Petropavlovsk crew",
            "Battleship Sevastopol crew",
            "Cruiser Aurora crew",
            "Training ship Zarya Svobody crew",
        ),
    ),
    (
        "Kronstadt Soviet",
        "company",
        "soldiers",
        (
            "Kronstadt Fortress Artillery, 1st Company",
            "Kronstadt Fortress Artillery, 2nd Company",
            "1st Baltic Fleet Depot, 1st Company",
        ),
    ),
    ("Kronstadt Soviet", "factory", "workers", ("Kronstadt Steamship Works", "Kronstadt Docks")),
)
SIZES = {"factory": (60, 320), "company": (35, 70), "ship": (40, 90), "village": (50, 160)}

FIRST = (
    "Aleksandr Aleksei Andrei Anna Boris Dmitri Ekaterina Elena Evdokia Fedor Grigori Ivan "
    "Klavdia Konstantin Lidia Maria Matvei Mikhail Nadezhda Natalia Nikolai Olga Pavel Petr "
    "Praskovia Semen Sergei Sofia Stepan Tatiana Timofei Vasili Vera Viktor Vladimir Yakov Zinaida"
).split()
LAST = (
    "Antonov Belov Bogdanov Bykov Vasiliev Volkov Gusev Egorov Zaitsev Zakharov Ivanov Kiselev "
    "Kozlov Kovalev Kuzmin Lebedev Makarov Medvedev Mikhailov Morozov Nikitin Novikov Orlov "
    "Pavlov Petrov Popov Romanov Semenov Sidorov Smirnov Sokolov Solovev Stepanov Tarasov "
    "Titov Fedorov Frolov Kuznetsov Sorokin Yakovlev"
).split()


class ScenarioClock:
    """The demo's clock: a fixed 1917 moment that the replay moves forward."""

    def __init__(self, start: datetime):
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass(frozen=True)
class FoundingVote:
    """Who stands in a founding election (member, faction) and how each elector votes (voter,
    indices into the candidates): each stands and votes online, as a member does."""

    candidates: list[tuple[int, int | None]]
    ballots: list[tuple[int, list[int]]]


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    unit: str
    faction: str  # the short name of the faction this person leans to


def people(rng: random.Random) -> Iterator[Person]:
    taken: dict[str, int] = {}
    for council, kind, section, names in UNITS:
        low, high = SIZES[kind]
        leaning = list(LEANING[section])
        boost = BOLSHEVIK_DISTRICTS.get(council, 0.0)
        leaning = [w * (1 - boost) for w in leaning]
        leaning[2] += boost
        for unit in names:
            for _ in range(rng.randint(low, high)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                if first[-1] == "a" and last.endswith("v"):
                    last += "a"
                base = f"{first}.{last}".lower()
                taken[base] = taken.get(base, 0) + 1
                username = base if taken[base] == 1 else f"{base}{taken[base]}"
                faction = rng.choices(("SR", "Men", "Bol", "NP"), weights=leaning)[0]
                yield Person(username, f"{first} {last}", unit, faction)


def plan(rng: random.Random) -> tuple[FoundingPlan, list[Person]]:
    roll = list(people(rng))
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: demo only
    founding = FoundingPlan(
        name="Soviets of Workers', Soldiers' and Peasants' Deputies, 1917 (demo)",
        factions=FACTIONS,
        councils=tuple(replace(c, windows=DEMO_WINDOWS) for c in COUNCILS),
        currency="RUB",
        units=tuple(
            UnitPlan(name, kind, section, council)
            for council, kind, section, names in UNITS
            for name in names
        ),
        members=tuple(MemberPlan(p.username, p.name, p.unit, password_hash) for p in roll),
        is_demo=True,
    )
    return founding, roll


def _ranking(rng: random.Random, mine: str, candidates: list[tuple[int, str]]) -> list[int]:
    """A deputy's ranking: own faction first, then allies, each group shuffled."""
    order = [mine, *ALLIES[mine]]
    ranked: list[int] = []
    for faction in order:
        group = [i for i, (_, f) in enumerate(candidates) if f == faction]
        rng.shuffle(group)
        ranked += group
    return ranked[:6]


def _unit_vote(
    rng: random.Random,
    electorate: Electorate,
    voters: list[Person],
    ids: dict[str, int],
    faction_ids: dict[str, int],
) -> FoundingVote:
    seats = electorate.seats
    candidates: list[tuple[int, int | None]] = []
    slots: dict[str, list[int]] = {}
    for faction in ("SR", "Men", "Bol", "NP"):
        supporters = [p for p in voters if p.faction == faction]
        for person in rng.sample(supporters, min(seats, len(supporters))):
            slots.setdefault(faction, []).append(len(candidates))
            candidates.append((ids[person.username], faction_ids[faction]))
    ballots = [(ids[p.username], slots.get(p.faction, [])[:seats]) for p in voters]
    return FoundingVote(candidates, [(v, c) for v, c in ballots if c])


def _council_vote(
    rng: random.Random,
    sys_: System,
    electorate: Electorate,
    faction_of: dict[int, str],
    faction_ids: dict[str, int],
) -> FoundingVote:
    with sys_.uow() as uow:
        deputies = sorted(electors(uow, electorate))
    pairs = [(d, faction_of[d]) for d in deputies]
    ballots = [(d, _ranking(rng, faction_of[d], pairs)) for d in deputies]
    return FoundingVote([(d, faction_ids[f]) for d, f in pairs], ballots)


def found(
    sys_: System, clock: ScenarioClock, rng: random.Random
) -> tuple[dict[str, int], list[Person]]:
    founding, roll = plan(rng)
    found_federation(sys_.uow(), founding)
    with sys_.uow() as uow:
        ids = {m.username: m.id for m in uow.members.list()}
        faction_ids = {f.short: f.id for f in uow.factions.list()}
        units = {u.id: u.name for u in uow.units.list()}
        electorates = uow.electorates.list()
        councils = {c.id: c for c in uow.councils.list()}
    by_unit: dict[str, list[Person]] = {}
    for person in roll:
        by_unit.setdefault(person.unit, []).append(person)
    faction_of = {ids[p.username]: p.faction for p in roll}
    by_id = {e.id: e for e in electorates}
    # The bootstrap: the operator opens every base unit's founding election (`dualpower
    # elections open-founding`); when a level is seated, the clock opens the next one's.
    opened = open_founding(sys_.uow())
    while opened:
        with sys_.uow() as uow:
            held = [uow.elections.get(i) for i in opened]
        votes = []
        for election in held:
            assert election is not None
            electorate = by_id[election.electorate_id or 0]
            if electorate.kind == "unit":
                voters = by_unit.get(units[electorate.source_id], [])
                vote = _unit_vote(rng, electorate, voters, ids, faction_ids)
            else:
                vote = _council_vote(rng, sys_, electorate, faction_of, faction_ids)
            votes.append((election, _stand(sys_, election.id, vote)))
        clock.at = max(e.nominations_close_at or clock.at for e, _ in votes)
        for election, ballots in votes:  # each member votes online, as `POST .../ballots`
            for voter, choices in ballots:
                cast_ballot(sys_.uow(), election.id, voter, choices)
        clock.at = max(e.closes_at or clock.at for e, _ in votes)
        run_due(sys_.uow)  # closes them, seats the deputies, opens the level above
        with sys_.uow() as uow:
            opened = [e.id for e in uow.elections.list() if e.status == "open"]
    return {"members": len(roll), "units": len(units), "councils": len(councils)}, roll


def _stand(sys_: System, election_id: int, vote: FoundingVote) -> list[tuple[int, list[int]]]:
    """The vote's candidates stand (as `POST /elections/{id}/candidates`); returns the ballots
    with candidate ids."""
    cands = [
        nominate(sys_.uow(), election_id, member, faction, str(member))
        for member, faction in vote.candidates
    ]
    return [(voter, [cands[i] for i in picks]) for voter, picks in vote.ballots]


def build_demo(url: str, progress: Callable[[str], None] = lambda _: None) -> tuple[System, str]:
    """Build the demo in the database at `url`; `progress` hears what it is doing."""
    from dualpower.bootstrap import build_for_demo
    from dualpower.store.db import rebuildable

    clock = ScenarioClock(FOUNDED_AT)
    progress("preparing the database")
    sys_ = build_for_demo(url, clock)
    rng = random.Random(SEED)
    from dualpower.scenarios.replay import replay

    # Receipts, lots, salts and the order of secret ballots drawn from the seed too: the same
    # seed builds the same database (issue 25, defect 4). Its 11,000 commits wait for no disk:
    # a demo interrupted is built again (store/db.py `rebuildable`); served, it is durable.
    with chance.seeded(SEED), rebuildable(sys_.engine):
        progress("founding the federation: the roll and the founding elections")
        figures, roll = found(sys_, clock, rng)
        events = replay(sys_, clock, rng, roll, progress)
    summary = (
        f"Built the Petrograd 1917 demo: {figures['councils']} councils, {figures['units']} base "
        f"units, {figures['members']} synthetic members (fixed seed {SEED}).\n"
        + "".join(f"  {line}\n" for line in events)
        + f"Log in with the password '{DEMO_PASSWORD}' as, for each act of the tour:\n"
        + "".join(f"  {act}: {username}\n" for act, username in tour_users(sys_))
    )
    return sys_, summary.rstrip("\n")


def tour_users(sys_: System) -> list[tuple[str, str]]:
    """For each act of the README's tour, a member who can do it (issue 25, defect 3): one of
    the Putilov Works who has not voted in its open election, one of Kolpino who has not signed
    its open petition, a deputy of the Petrograd Soviet, and a Nobel Works member."""
    from sqlalchemy import select

    from dualpower.store import tables as t

    with sys_.reader() as uow:
        units = {u.name: u.id for u in uow.units.list()}
        petrograd = next(c for c in uow.councils.list() if c.name == PETROGRAD)
        election = next(
            e
            for e in uow.elections.list()
            if e.status == "open"
            and e.electorate_id == _unit_electorate_id(uow, units, "Putilov Works")
        )
        voted: set[int] = set(
            uow.conn.scalars(
                select(t.participations.c.member_id).where(
                    t.participations.c.election_id == election.id
                )
            )
        )
        petition = next(p for p in uow.recalls.list() if p.status == "open")
        signed: set[int] = set(
            uow.conn.scalars(
                select(t.recall_signatures.c.member_id).where(
                    t.recall_signatures.c.petition_id == petition.id
                )
            )
        )
        mandate = uow.mandates.get(petition.mandate_id) if petition.mandate_id else None
        assert mandate is not None  # the open petition recalls a seat
        holder = mandate.holder_id
        voter = min(uow.members.ids_of_unit(units["Putilov Works"]) - voted)
        signer = min(uow.members.ids_of_unit(units["Kolpino village"]) - signed - {holder})
        deputy = min(m.holder_id for m in uow.mandates.active_in_council(petrograd.id))
        nobel = min(uow.members.ids_of_unit(units["Nobel Works"]))
        name = {i: uow.members.get(i).username for i in (voter, signer, deputy, nobel)}  # type: ignore[union-attr]
    return [
        (
            f"vote in the secret election open in the Putilov Works (/elections/{election.id})",
            name[voter],
        ),
        (f"sign the recall petition open in Kolpino (/recalls/{petition.id})", name[signer]),
        ("a deputy of the Petrograd Soviet (sessions, motions, /me)", name[deputy]),
        ("a Nobel Works member (the Milyukov note does not bind them: /directives)", name[nobel]),
    ]


def _unit_electorate_id(uow, units: dict[str, int], unit: str) -> int:  # type: ignore[no-untyped-def]
    electorate = uow.electorates.for_unit(units[unit])
    assert electorate is not None
    return int(electorate.id)
