"""The dual power register in the 1917 demo (scenario-petrograd-1917.md), March to May.

- Order No. 1 (1 March 1917) is the Petrograd Soviet's own order: the Soviet is recorded as an
  authority that is one of our councils, and its own stance on the order is "endorse".
- The Provisional Government (formed 2 March 1917); its declaration on war aims (27 March) is
  supported "in so far as" by the Petrograd Soviet and the Vyborg District Soviet.
- Milyukov's note of 18 April: countermanded by the Vyborg District Soviet and the Kronstadt
  Soviet, not by the others (the Petrograd Soviet accepts the government's explanation of
  21 April in so far as), so the Order No. 1 rule answers differently for different members.
- May: Vyborg goes over to a countermand of the war-aims declaration too (its history keeps the
  earlier stance), and the coalition government of 5 May gets the Petrograd Soviet's conditional
  support and Kronstadt's countermand.

Directives are recorded by the Petrograd Soviet's secretary (`record_directive`), who also takes
its stances (the Soviet gave that office `record_stance`). The Vyborg and Kronstadt soviets have
no such office: each takes its stance by its own vote on a stance motion, in a session.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from dualpower.domain.capabilities import RECORD_DIRECTIVE, RECORD_STANCE
from dualpower.scenarios.act_sessions import _decide, _deputies, _sit
from dualpower.scenarios.petrograd import PETROGRAD
from dualpower.scenarios.replay import World, old_style
from dualpower.services import register as reg
from dualpower.services import sessions, stance_motions
from dualpower.store import tables as t
from dualpower.store.typed import tuples

GOVERNMENT = "Provisional Government"
VYBORG = "Vyborg District Soviet"
KRONSTADT = "Kronstadt Soviet"
IDS: dict[str, int] = {}


def _council(w: World, name: str) -> int:
    with w.sys.reader() as uow:
        return next(c.id for c in uow.councils.list() if c.name == name)


def _actor(w: World, council_id: int, capability: str = RECORD_DIRECTIVE) -> reg.Actor | None:
    """The holder of an office of the council carrying `capability` (its secretary), if any."""
    ot, of = t.office_terms, t.offices
    query = (
        select(ot.c.holder_id, of.c.capabilities)
        .join(of, of.c.id == ot.c.office_id)
        .where(of.c.council_id == council_id, ot.c.end_at.is_(None))
    )
    with w.sys.reader() as uow:
        for holder, capabilities in tuples(uow.conn.execute(query)):
            if capability in (capabilities or []) and capability in (
                uow.offices.capabilities_held(holder, council_id)
            ):
                return reg.Actor(holder)
    return None


def _secretary(w: World, council_id: int) -> reg.Actor:
    actor = _actor(w, council_id)
    assert actor is not None, "the council records its directives through its secretary"
    return actor


def _at(w: World, month: int, day: int) -> None:
    w.clock.at = old_style(1917, month, day)


def _directive(w: World, authority: str, council: int, title: str, day: date, **kw: Any) -> int:
    cmd = reg.RecordDirective(IDS[authority], council, title, day, is_old_style=True, **kw)
    return reg.record_directive(w.sys.uow(), cmd, _secretary(w, council))


def _stance(w: World, directive: int, council: int, kind: str, **kw: str) -> None:
    """The council's stance: taken by its secretary where the council gave that office
    `record_stance`, else by the council's own vote on a stance motion in session (DESIGN.md
    2.6, 2.9), the deputies voting it through."""
    cmd = reg.TakeStance(directive, council, kind, **kw)
    secretary = _actor(w, council, RECORD_STANCE)
    if secretary is not None:
        reg.take_stance(w.sys.uow(), cmd, secretary)
        return
    mover = _deputies(w, council)[0]
    motion = stance_motions.propose_stance(w.sys.uow(), mover, cmd)
    session, chair = _sit(w, council, "A stance on the government's order", [motion])
    _decide(w, motion, chair, ALL_FOR)
    sessions.close_session(w.sys.uow(), chair, session)


ALL_FOR = {"SR": "yes", "Men": "yes", "Bol": "yes", "NP": "yes"}


def march(w: World) -> list[str]:
    start = w.clock.at
    petrograd = _council(w, PETROGRAD)
    IDS[PETROGRAD] = reg.record_authority(
        w.sys.uow(),
        reg.RecordAuthority(
            PETROGRAD, petrograd, "The Soviet's own orders.", date(1917, 2, 27), True, petrograd
        ),
        _secretary(w, petrograd),
    )
    IDS["order1"] = _directive(
        w,
        PETROGRAD,
        petrograd,
        "Order No. 1",
        date(1917, 3, 1),
        text=(
            "Committees elected in every military unit. In all political actions units obey "
            "the Soviet and their committees. Orders of the military commission of the State "
            "Duma are carried out only when they do not contradict the orders and decisions of "
            "the Soviet."
        ),
        source="Izvestia of the Petrograd Soviet, 2 March 1917",
    )
    _stance(w, IDS["order1"], petrograd, "endorse")
    _at(w, 3, 2)
    IDS[GOVERNMENT] = reg.record_authority(
        w.sys.uow(),
        reg.RecordAuthority(
            GOVERNMENT,
            petrograd,
            "Chaired by Prince G. E. Lvov; P. N. Milyukov foreign minister, A. I. Guchkov war "
            "minister, A. F. Kerensky justice minister.",
            date(1917, 3, 2),
            True,
        ),
        _secretary(w, petrograd),
    )
    _at(w, 3, 27)
    IDS["war_aims"] = _directive(
        w,
        GOVERNMENT,
        petrograd,
        "Declaration on war aims",
        date(1917, 3, 27),
        text="Free Russia does not aim at domination over other nations.",
        source="Vestnik Vremennogo Pravitelstva, 28 March 1917",
    )
    for council in (petrograd, _council(w, VYBORG)):
        _stance(
            w,
            IDS["war_aims"],
            council,
            "support_conditionally",
            conditions="In so far as the government renounces annexations and keeps its word.",
        )
    w.clock.at = start
    return ["Register: Order No. 1 endorsed; the 27 March declaration supported in so far as"]


def april(w: World) -> list[str]:
    start = w.clock.at
    petrograd, vyborg, kronstadt = (_council(w, n) for n in (PETROGRAD, VYBORG, KRONSTADT))
    IDS["note"] = _directive(
        w,
        GOVERNMENT,
        petrograd,
        "Milyukov's note to the Allies",
        date(1917, 4, 18),
        text="Russia will carry the war to a decisive victory and honour its obligations.",
        source="Rech, 20 April 1917",
    )
    _at(w, 4, 20)
    _stance(
        w,
        IDS["note"],
        vyborg,
        "countermand",
        counter_order="No support for a war of conquest; the units take orders from the Soviet.",
    )
    _at(w, 4, 21)
    _stance(w, IDS["note"], kronstadt, "countermand", counter_order="")
    _stance(
        w,
        IDS["note"],
        petrograd,
        "support_conditionally",
        conditions="In so far as the government's explanation of 21 April stands.",
    )
    w.clock.at = start
    return ["Register: Milyukov's note countermanded by Vyborg and Kronstadt, not by the others"]


def may(w: World) -> list[str]:
    start = w.clock.at
    petrograd, vyborg, kronstadt = (_council(w, n) for n in (PETROGRAD, VYBORG, KRONSTADT))
    _stance(
        w,
        IDS["war_aims"],
        vyborg,
        "countermand",
        counter_order="The April note showed what the declaration was worth.",
    )
    IDS["coalition"] = _directive(
        w,
        GOVERNMENT,
        petrograd,
        "Declaration of the coalition government",
        date(1917, 5, 5),
        text="A coalition with socialist ministers; a peace without annexations sought.",
        source="Izvestia, 6 May 1917",
    )
    _stance(
        w,
        IDS["coalition"],
        petrograd,
        "support_conditionally",
        conditions="In so far as the socialist ministers answer to the Soviet.",
    )
    _at(w, 5, 16)
    _stance(
        w,
        IDS["coalition"],
        kronstadt,
        "countermand",
        counter_order="The sole power in Kronstadt is the Soviet.",
    )
    w.clock.at = start
    return ["Register: the coalition of 5 May supported in so far as; Kronstadt countermands"]


PHASES = {"march": march, "april": april, "may": may}
