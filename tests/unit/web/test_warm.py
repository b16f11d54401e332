"""web/warm.py: before a server's first request every template is compiled and each language's
Babel data is loaded, then the heap is frozen, so the collector's full passes walk only what was
allocated since (issue 24: a full pass over the 180,000 objects of start-up cost a request
110-270 ms, the alignment page's p99)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from babel import Locale

from dualpower.web import i18n, warm
from dualpower.web.deps import templates


@pytest.fixture
def thawed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test process's heap as it was: what `settle` froze is collectable again after, and
    the process is not taken for a settled server by the tests that follow."""
    monkeypatch.setattr(warm, "_settled", False)
    yield
    gc.unfreeze()


def test_settle_compiles_every_template_loads_each_language_and_freezes_the_heap(
    thawed: None,
) -> None:
    env = templates.env
    env.cache.clear()  # type: ignore[union-attr]
    gc.unfreeze()
    warm.settle()
    names = [n for n in env.list_templates() if n.endswith(".html")]
    assert len(names) > 50
    cached = {key[1] for key in env.cache}  # type: ignore[union-attr]
    assert set(names) <= cached
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # the modules, routes and tables loaded by now
    for language in i18n.LANGUAGES:
        assert Locale.parse(language)._data is not None  # loaded: no lazy load on a request
    assert gc.get_count()[0] < 700  # collected before it froze


def test_a_full_collection_after_settle_walks_only_what_came_after(thawed: None) -> None:
    gc.unfreeze()
    warm.settle()
    frozen = gc.get_freeze_count()
    young = [[i] for i in range(1_000)]  # alive through the collection
    gc.collect()
    # The objects themselves, not the frozen count, which a thread left by another test moves
    # when it frees a frozen object (as 1a5a0e1 found for the newcomers' test).
    assert not _collectable(templates.env)  # the frozen stay out of every generation
    assert _collectable(young[0])
    assert len(gc.get_objects()) < frozen / 2


def test_dualpower_serve_settles_after_building_the_app_and_before_serving(
    system, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    from dualpower import cli, clock
    from dualpower.web import observability

    done: list[str] = []
    monkeypatch.setattr(observability, "configure_logging", lambda: None)
    monkeypatch.setattr(clock, "start", lambda system: done.append("clock"))
    monkeypatch.setattr(warm, "settle", lambda: done.append("settle"))
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: done.append("serve"))
    cli._serve(system, "127.0.0.1", 8000)
    assert done == ["clock", "settle", "serve"]


def _collectable(thing: object) -> bool:
    """Whether a full pass would walk `thing` (it is in a generation, not frozen)."""
    return any(o is thing for o in gc.get_objects())


def test_newcomers_are_frozen_in_a_settled_process_at_most_every_two_seconds(
    thawed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.unfreeze()
    monkeypatch.setattr(warm, "_frozen_at", float("-inf"))
    monkeypatch.setattr(warm, "_settled", False)
    streams = [[i] for i in range(100)]  # long-lived, like open streams
    assert warm.freeze_newcomers() == 0.0  # nothing to ask again:
    assert _collectable(streams)  # not a serving process, the policy is not its own
    monkeypatch.setattr(warm, "_settled", True)
    assert warm.freeze_newcomers() == 0.0
    assert not _collectable(streams)  # where no full pass walks them
    more = [[i] for i in range(100)]
    wait = warm.freeze_newcomers()
    assert 0.0 < wait <= warm.REFREEZE_SECONDS  # within REFREEZE_SECONDS: not again, ask later
    assert _collectable(more)
    monkeypatch.setattr(warm, "_frozen_at", float("-inf"))
    assert warm.freeze_newcomers() == 0.0
    assert not _collectable(more)  # the next ones, once the time has passed
