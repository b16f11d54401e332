"""The README's tour in a real Chromium (issue 25, "done when"): the demo is built once, as
`dualpower demo` builds it, and each walk gets a fresh copy of it. The walk logs in with the
usernames the build prints for each act of the tour and reaches every step of the README by
following links from the start page (no address typed past it), in English and in Russian, on a
desktop (1366x768) and on a phone (390x844), checking what each step should show. Every page it
meets answers without an error and, on the phone, does not scroll sideways. The English desktop
walk saves the README's three pictures under docs/.

README steps: 1 log in; 2 the federation and a council page; 3 /me; 4 recalls; 5 councils at
work (sessions, stewards, motions, the initiative, the breach); 6 pay; 7 the register; 8 the
alignment; 9 deliberation (platforms, the discussion, the report and its lot); 10 the open
election and petition, the receipt, the API page."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from recall_web_support import serve

import demo_build

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DOCS = Path(__file__).resolve().parents[3] / "docs"
PETROGRAD = "Petrograd Soviet of Workers' and Soldiers' Deputies"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
JOINED = re.compile(r"[a-zа-яё]{2}[.;:][A-ZА-ЯЁ]|[a-zа-яё]{3}\((?!ла\))[a-zа-яё]{2}")


@dataclass(frozen=True)
class Acts:
    """The usernames the build printed, one for each act of the tour, and the election's path."""

    voter: str
    election_path: str
    signer: str
    petition_path: str
    deputy: str
    nobel: str


def acts_of(summary: str) -> Acts:
    """Read the usernames from the build's printed summary, as a newcomer would."""
    _, _, tail = summary.partition("for each act of the tour:")
    assert tail, f"the demo printed no usernames for the tour:\n{summary}"
    lines = dict(re.findall(r"^\s+(.+): (\S+)$", tail, re.MULTILINE))
    assert len(lines) == 4, tail

    def find(words: str) -> tuple[str, str]:
        act = next(a for a in lines if words in a)
        return act, lines[act]

    vote, voter = find("secret election open in the Putilov Works")
    sign, signer = find("recall petition open in Kolpino")
    election = re.search(r"\(/elections/\d+\)", vote)
    petition = re.search(r"\(/recalls/\d+\)", sign)
    assert election and petition, tail
    return Acts(
        voter=voter,
        election_path=election.group(0)[1:-1],
        signer=signer,
        petition_path=petition.group(0)[1:-1],
        deputy=find("a deputy of the Petrograd Soviet")[1],
        nobel=find("a Nobel Works member")[1],
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo_build.Built:
    """The run's demo as `dualpower demo` builds it, closed (tests/demo_build.py)."""
    return demo_build.built(tmp_path_factory)


@pytest.fixture
def live_url(built: demo_build.Built, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the demo, served as `dualpower serve` serves a demo database: the demo's
    clock runs on from its last act."""
    from dualpower import clock
    from dualpower.bootstrap import open_existing
    from dualpower.web.app import create_app

    copy = tmp_path / "demo.db"
    shutil.copy(built.path, copy)
    system = open_existing(f"sqlite:///{copy}")
    clock.resume_demo(system)
    try:
        yield from serve(create_app(system))
    finally:
        system.engine.dispose()


class Words:
    """The page's words in one language, from the catalogue the pages use. A Russian word that
    the catalogue lacks fails here, rather than passing on an English page."""

    def __init__(self, lang: str) -> None:
        from dualpower.web.i18n import translations

        self.lang = lang
        self._t = translations(lang)

    def _check(self, msgid: str, said: str) -> str:
        assert self.lang == "en" or said != msgid, f"no Russian for {msgid!r}"
        return said

    def __call__(self, msgid: str, **values: Any) -> str:
        said = self._check(msgid, self._t.gettext(msgid))
        return _text(said % values if values else said)

    def p(self, context: str, msgid: str) -> str:
        return _text(self._check(msgid, self._t.pgettext(context, msgid)))


def _text(markup: str) -> str:
    """What a reader sees of a catalogue entry that holds markup."""
    return re.sub(r"<[^>]+>", "", markup).replace("&nbsp;", "\u00a0")


def _amount(cell: str) -> Decimal:
    """An amount as either language writes it: "RUB120.50", "120,50 RUB", "12,050.00"."""
    digits = re.sub(r"[^\d.,]", "", cell)
    whole, _, cents = digits.replace(",", ".").rpartition(".")
    return Decimal(whole.replace(".", "") + "." + cents)


class Walk:
    """One reader's browser tab: each arrival is checked (no error page, no sideways scroll on
    a phone) and counted."""

    def __init__(self, page: Any, words: Words, width: int) -> None:
        self.page = page
        self.w = words
        self.width = width
        self.seen: list[str] = []

    def arrived(self, path: str | re.Pattern[str]) -> None:
        from playwright.sync_api import expect

        expect(self.page).to_have_url(re.compile(path) if isinstance(path, str) else path)
        h1 = self.page.get_by_role("heading", level=1)
        expect(h1).to_be_visible()
        for title in ("Internal error", "Not found", "Refused", "Invalid request", "Error"):
            expect(h1).not_to_have_text(self.w(title))
        # Sentences run together where a template's line break was eaten ("session.Time
        # limit", "text(see it)"); code (the lot's recipe) aside; "Внёс(ла)" is Russian.
        prose = self.page.evaluate(
            "() => { const code = [...document.querySelectorAll('main pre, main code')];"
            " code.forEach(e => { e.style.display = 'none'; });"
            " const t = document.querySelector('main').innerText;"
            " code.forEach(e => { e.style.display = ''; }); return t; }"
        )
        joined = [j.group(0) for j in JOINED.finditer(prose)]
        assert not joined, f"{self.page.url}: words run together: {joined}"
        live = self.page.locator(".seats-live")
        if live.count():  # its script has set the live seats up: the page stays put from here
            expect(live).to_have_attribute("data-listening", "yes")
        scroll = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= self.width, f"{self.page.url} scrolls sideways: {scroll} > {self.width}"
        self.seen.append(self.page.url)

    def nav(self, href: str, label: str) -> None:
        """The header's link to `href`, which reads `label` in the page's language."""
        from playwright.sync_api import expect

        link = self.page.locator(f'nav.main-nav a[href="{href}"]')
        expect(link).to_have_text(self.w(label))
        link.click()
        self.arrived(re.escape(href) + "$")

    def link(self, name: str | re.Pattern[str], where: Any = None, exact: bool = True) -> None:
        """Click the link named `name` (the first, within `where` if given)."""
        scope = where if where is not None else self.page.locator("main")
        if isinstance(name, str):
            scope.get_by_role("link", name=name, exact=exact).first.click()
        else:
            scope.get_by_role("link", name=name).first.click()

    def log_in(self, username: str) -> None:
        """From the start page: the header's link, the form, the password every demo member has."""
        self.page.goto(self.base + "/")
        self.arrived(r"/$")
        self.nav("/login", "Log in")
        self.page.locator("#username").fill(username)
        self.page.locator("#password").fill("demo")
        self.page.locator('main form[action="/login"] button[type="submit"]').click()
        self.arrived(r"/me$")

    base = ""


@pytest.fixture
def open_tab(browser: Any, live_url: str) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(lang: str, viewport: dict[str, int]) -> Walk:
        ctx = browser.new_context(
            locale="ru-RU" if lang == "ru" else "en-GB", viewport=viewport, java_script_enabled=True
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        walk = Walk(ctx.new_page(), Words(lang), viewport["width"])
        walk.base = live_url
        return walk

    yield make
    for ctx in contexts:
        ctx.close()


CASES = [
    pytest.param("en", DESKTOP, id="en-desktop"),
    pytest.param("en", PHONE, id="en-phone"),
    pytest.param("ru", DESKTOP, id="ru-desktop"),
    pytest.param("ru", PHONE, id="ru-phone"),
]


@pytest.mark.parametrize(("lang", "viewport"), CASES)
def test_the_readme_tour_by_links_only(  # type: ignore[no-untyped-def]
    open_tab, built: demo_build.Built, live_url: str, lang: str, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    acts = acts_of(built.summary)

    # Steps 2, 4, 5, 6, 8 and 9 need no login: a visitor reads them.
    visitor = open_tab(lang, viewport)
    page = visitor.page
    page.goto(live_url + "/")  # the only address typed
    visitor.arrived(r"/$")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    main = page.locator("main")
    for council in (
        "All-Russian Congress of Soviets",
        PETROGRAD,
        "Moscow Soviet",
        "Kronstadt Soviet",
    ):
        expect(main.get_by_role("link", name=council, exact=True).first).to_be_visible()
    _council_page(visitor)
    _councils_at_work(visitor)
    _pay(visitor)
    _recalls(visitor)
    _alignment_and_deliberation(visitor)
    _api_page(visitor)
    if lang == "en" and viewport == DESKTOP:
        _save_the_readme_pictures(visitor)

    # Steps 1, 3, 7 and 10, as the members the build printed.
    _vote_in_the_open_election(open_tab(lang, viewport), acts)
    _sign_the_open_petition(open_tab(lang, viewport), acts)
    _the_deputy(open_tab(lang, viewport), acts)
    _the_milyukov_note(open_tab(lang, viewport), acts.nobel, binds=False)


def _council_page(v: Walk) -> None:
    """Step 2: a council page shows its hemicycle, its deputies by faction, its offices with
    their stipends, and who elects it."""
    from playwright.sync_api import expect

    page, w = v.page, v.w
    v.link(PETROGRAD)
    v.arrived(r"/councils/\d+$")
    expect(page.get_by_role("heading", level=1)).to_have_text(PETROGRAD)
    expect(page.locator(".seats-live img.hemicycle")).to_be_visible()
    deputies = page.locator("section", has=page.locator("h2#deputies"))
    expect(
        deputies.get_by_role("heading", name=re.compile(r"^Bolsheviks \(\d+\)$"))
    ).to_be_visible()
    expect(page.locator("h2#offices")).to_have_text(w("Offices and pay"))
    offices = page.locator("table.offices")
    expect(offices).to_contain_text("Vera Sorokin")  # the chair, elected on 25 September
    # The stewards of 5 May held their posts for that session only: no office of the council
    # now, vacant or paid (the session's page keeps them, with their ended term).
    expect(offices).not_to_contain_text("steward")
    expect(offices).not_to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}"))  # no ISO dates
    expect(page.locator("h2#below")).to_have_text(w("Elected by"))
    below = page.locator("section", has=page.locator("h2#below"))
    expect(below.get_by_role("link", name="Vyborg District Soviet")).to_be_visible()


def _councils_at_work(v: Walk) -> None:
    """Step 5: sessions with quorum and roll-calls; the stewards of 5 May whose posts ended with
    the session; the eight-hour day rising as an initiative; the Nobel Works deputy's breach."""
    from playwright.sync_api import expect

    page, w = v.page, v.w
    v.link(w("Its sessions and motions"))
    v.arrived(r"/councils/\d+/sessions$")
    motions = page.locator("main")
    # The stipends adopted in session 1, in roubles with their currency (not "12,050" kopecks),
    # their titles in the reader's language.
    if w.lang == "en":
        expect(motions).to_contain_text("Set the stipend of the chair to 120.50 RUB")
    else:
        chair = w._t.pgettext("office", "chair")
        title = w("Set the stipend of the %(office)s to %(amount)s", office=chair, amount="")
        expect(motions).to_contain_text(title.strip())
        expect(motions).to_contain_text("120,50")
    expect(motions).not_to_contain_text("12,050")
    v.link(re.compile(r"^Session of 5 May"))
    v.arrived(r"/sessions/\d+$")
    expect(page.locator("p.lead")).to_contain_text(w("(quorate)"))
    stewards = page.locator("section", has=page.locator("h2#stewards"))
    expect(stewards.locator("li")).to_have_count(2)
    for li in stewards.locator("li").all():
        expect(li).to_contain_text(w("the term ended with the session"))
        expect(li).not_to_contain_text(w("vacant"))
    expect(page.locator("main")).to_contain_text(w.p("speech", "over time"))
    page.go_back()
    v.link("The eight-hour working day")
    v.arrived(r"/motions/\d+$")
    roll_call = page.locator("table", has=page.locator("td", has_text="Bolsheviks"))
    expect(roll_call.locator("tbody tr")).to_have_count(43)
    v.link(re.compile(r"^initiative 1$|^инициатив"))
    v.arrived(r"/initiatives/\d+$")
    path = page.locator("table").first
    for council in ("Vyborg District Soviet", PETROGRAD, "All-Russian Congress of Soviets"):
        expect(path.locator("tr", has_text=council).first).to_contain_text(w.p("status", "adopted"))

    # The breach: from the Petrograd Soviet down to Vyborg, its sessions, the motion of 21 April.
    page.go_back()
    page.go_back()
    v.arrived(r"/councils/\d+/sessions$")
    page.locator('nav.crumbs a[href^="/councils/"]').first.click()
    v.arrived(r"/councils/\d+$")
    v.link("Vyborg District Soviet", page.locator("section", has=page.locator("h2#below")))
    v.arrived(r"/councils/\d+$")
    v.link(w("Its sessions and motions"))
    v.link("Confidence in the Provisional Government")
    v.arrived(r"/motions/\d+$")
    page.locator('main a[href^="/breaches/"]').first.click()
    v.arrived(r"/breaches/\d+$")
    expect(page.get_by_role("heading", level=1)).to_have_text(w("An instruction broken"))
    expect(page.locator("main")).to_contain_text("Confidence in the Provisional Government")


def _pay(v: Walk) -> None:
    """Step 6: every stipend is public and none is above its cap; each links its council's
    offices."""
    from playwright.sync_api import expect

    page = v.page
    v.nav("/pay", "Pay")
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 4
    expect(page.locator("main table").first).not_to_contain_text("steward")
    for row in rows.all():
        cells = row.locator("td").all_inner_texts()
        stipend, cap = _amount(cells[-2]), _amount(cells[-1])
        assert stipend <= cap, f"a stipend above its cap: {cells}"
    first = rows.first.locator("td").all_inner_texts()
    assert _amount(first[-1]) < 1000, f"kopecks shown as roubles: {first}"
    v.link(PETROGRAD)
    v.arrived(r"/councils/\d+/offices$")
    expect(page.locator("main table").first).to_contain_text("Vera Sorokin")


def _recalls(v: Walk) -> None:
    """Step 4: the replay's recalls; in Zamoskvorechye (recall by vote) one passes, one fails;
    a petition page counts its signatures."""
    from playwright.sync_api import expect

    page, w = v.page, v.w
    v.nav("/recalls", "Recalls")
    items = page.locator("main li")
    recalled = w.p("petition status", "recalled")
    rejected = w.p("petition status", "rejected")
    expect(items.filter(has_text=recalled)).to_have_count(7)
    zamoskvorechye = items.filter(has_text="Zamoskvorechye District Soviet")
    expect(zamoskvorechye.filter(has_text=recalled)).to_have_count(1)
    expect(zamoskvorechye.filter(has_text=rejected)).to_have_count(1)
    zamoskvorechye.filter(has_text=rejected).get_by_role("link").click()
    v.arrived(r"/recalls/\d+$")
    expect(page.locator('[data-field="status"]')).to_have_text(rejected)
    expect(page.locator('[data-field="signatures"]')).to_have_text(re.compile(r"^\d+$"))


def _alignment_and_deliberation(v: Walk) -> None:
    """Step 8: the Petrograd Soviet's majority passes to the Bolsheviks on 31 August; the road
    to majority; the pictures. Step 9: platforms side by side, the discussion of the Milyukov
    note, and the comment a panel drawn by lot hid."""
    from playwright.sync_api import expect

    page, w = v.page, v.w
    v.nav("/alignment", "Alignment")
    expect(page.locator(".picture svg.tree")).to_be_visible()
    expect(page.locator("h2#road-h")).to_have_text(w("The road to majority"))
    # Each council's history is on its own alignment page, linked from the table of councils.
    petrograd = page.locator("table.councils tbody tr").filter(
        has=page.get_by_role("link", name=PETROGRAD, exact=True)
    )
    expect(petrograd).to_contain_text("Bolsheviks")
    v.link(PETROGRAD, where=petrograd)
    v.arrived(r"/councils/\d+/alignment$")
    changes = page.locator("table", has=page.locator("caption", has_text=w("Changes of majority")))
    last = changes.locator("tbody tr").last
    august = (
        "31 августа (13 сентября) 1917"
        if v.w.lang == "ru"
        else "31 August (13 September N.S.) 1917"
    )
    expect(last).to_contain_text(august)
    expect(last.locator("td").nth(1)).to_have_text("Bolsheviks")
    v.nav("/alignment", "Alignment")
    v.link(w("The factions and their platforms"))
    v.arrived(r"/factions$")
    for faction in ("Socialist-Revolutionaries", "Mensheviks", "Bolsheviks"):
        expect(page.locator("main").get_by_role("heading", name=faction).first).to_be_visible()

    v.nav("/directives", "Directives")
    v.link("Milyukov's note to the Allies")
    v.arrived(r"/directives/\d+$")
    v.link(w("The discussion of this directive"))
    v.arrived(r"/discussions/directive/\d+$")
    expect(page.locator("main article").first).to_be_visible()
    v.link(re.compile(r"^(report|жалоба|сообщение|жалоб)\s*\d+$", re.IGNORECASE))
    v.arrived(r"/reports/\d+$")
    expect(page.locator("main")).to_contain_text(re.compile(r"[0-9a-f]{64}"))  # the lot's seed
    expect(page.locator("main p.notice").first).to_contain_text(re.compile(r"\S"))


def _api_page(v: Walk) -> None:
    """Step 10: the API documented on this server, linked from every page's footer: Swagger UI
    renders the OpenAPI 3.1 document (Swagger UI 4 could not: "Unable to render this
    definition"), each operation with its written summary."""
    from playwright.sync_api import expect

    v.page.locator('footer a[href="/api/docs"]').click()
    expect(v.page).to_have_url(re.compile(r"/api/docs$"))
    docs = v.page.locator("#swagger-ui")
    expect(docs).to_contain_text("Cast a ballot", timeout=15_000)  # the bundle is 1.5 MB
    expect(docs.get_by_text("/api/v1/elections/{election_id}/ballots").first).to_be_visible()
    expect(docs).not_to_contain_text("Unable to render this definition")
    v.page.go_back()


def _save_the_readme_pictures(v: Walk) -> None:
    """The README's three pictures, from this walk's pages."""
    from playwright.sync_api import expect

    page = v.page
    DOCS.mkdir(exist_ok=True)
    v.nav("/", "Councils")
    v.link(PETROGRAD)
    v.arrived(r"/councils/\d+$")
    page.set_viewport_size({"width": 1100, "height": 900})
    seats = page.locator(".seats-live .side")
    page.wait_for_function("document.querySelector('.seats-live img.hemicycle').naturalWidth > 0")
    seats.screenshot(path=str(DOCS / "screenshot-hemicycle.png"))
    page.set_viewport_size({"width": 1366, "height": 900})  # the README's first picture
    page.screenshot(path=str(DOCS / "screenshot-council.png"))
    page.set_viewport_size({"width": 1900, "height": 900})
    v.width = 1900
    v.nav("/alignment", "Alignment")
    tree = page.locator(".picture svg.tree")
    expect(tree).to_be_visible()
    tree.screenshot(path=str(DOCS / "screenshot-tree.png"))
    for name in ("screenshot-hemicycle.png", "screenshot-tree.png", "screenshot-council.png"):
        assert (DOCS / name).stat().st_size > 5_000


def _vote_in_the_open_election(v: Walk, acts: Acts) -> None:
    """Steps 1, 3 and 10: the Putilov worker logs in; /me shows their unit, their deputies level
    by level with a Recall button (which asks before it opens anything), and the open election
    under "what you can do now"; one seat is one choice; the ballot gives a receipt. The
    Milyukov note binds them (step 7)."""
    from playwright.sync_api import expect

    page, w = v.page, v.w
    v.log_in(acts.voter)
    now = page.locator("section.now")
    expect(now.get_by_role("heading", level=2)).to_have_text(w("What you can do now"))
    main = page.locator("main")
    expect(main).to_contain_text("Putilov Works")
    for council in ("Narva District Soviet", PETROGRAD, "All-Russian Congress of Soviets"):
        expect(main.get_by_role("link", name=council, exact=True).first).to_be_visible()
    recall = main.locator('a[href^="/mandates/"][href$="/recall"]').first
    expect(recall).to_have_text(w("Recall"))
    recall.click()
    v.arrived(r"/mandates/\d+/recall$")
    expect(page.get_by_role("button", name=w("Open the petition"))).to_be_visible()
    page.go_back()

    now.locator('a[href^="/elections/"]').first.click()
    v.arrived(re.escape(acts.election_path) + "$")  # the election the build printed
    expect(page.get_by_role("heading", level=1)).to_contain_text("Putilov Works")
    choices = page.locator('form[action$="/ballot"] input[name="choice"]')
    expect(choices.first).to_be_visible()
    assert choices.count() >= 2
    expect(choices).to_have_count(
        page.locator('form[action$="/ballot"] input[type="radio"]').count()
    )
    expect(page.locator("form legend").last).to_have_text(w("Choose one candidate."))
    choices.first.check()
    page.locator('form[action$="/ballot"] button[type="submit"]').click()
    v.arrived(re.escape(acts.election_path))
    expect(page.locator("#receipt-code")).to_have_text(re.compile(r"\S{8,}"))
    _the_milyukov_note(v, None, binds=True)


def _sign_the_open_petition(v: Walk, acts: Acts) -> None:
    """Step 10: the Kolpino elector finds the open petition under "what you can do now" and
    signs it; the count rises by one."""
    from playwright.sync_api import expect

    page = v.page
    v.log_in(acts.signer)
    page.locator('section.now a[href^="/recalls/"]').first.click()
    v.arrived(re.escape(acts.petition_path) + "$")
    count = page.locator('[data-field="signatures"]')
    before = int(count.inner_text())
    page.locator(f'form[action="{acts.petition_path}/sign"] button').click()
    v.arrived(re.escape(acts.petition_path))
    expect(count).to_have_text(str(before + 1))
    expect(page.locator("main")).to_contain_text(v.w("You have signed this petition."))


def _the_deputy(v: Walk, acts: Acts) -> None:
    """Step 5 as a deputy: /me lists their mandates; the Petrograd Soviet's motions show how
    they voted, by name, in the roll-call."""
    from playwright.sync_api import expect

    page = v.page
    v.log_in(acts.deputy)
    name = page.get_by_role("heading", level=1).inner_text().strip()
    mandates = page.locator("section", has=page.locator("h2", has_text=v.w("My mandates")))
    expect(mandates).to_contain_text(PETROGRAD)
    v.link(PETROGRAD, mandates)
    v.arrived(r"/councils/\d+$")
    v.link(v.w("Its sessions and motions"))
    v.link("On the entry of socialists into the Provisional Government")
    v.arrived(r"/motions/\d+$")
    expect(page.locator("main table tr", has_text=name)).to_have_count(1)


def _the_milyukov_note(v: Walk, username: str | None, binds: bool) -> None:
    """Step 7: the register answers each member whether the Milyukov note binds them."""
    from playwright.sync_api import expect

    if username is not None:
        v.log_in(username)
    page, w = v.page, v.w
    v.nav("/directives", "Directives")
    for title in ("Order No. 1", "Declaration on war aims", "Milyukov's note to the Allies"):
        expect(page.locator("main").get_by_role("link", name=title)).to_be_visible()
    v.link("Milyukov's note to the Allies")
    v.arrived(r"/directives/\d+$")
    main = page.locator("main")
    if binds:
        expect(main).to_contain_text(_binds(w))
        return
    expect(main).to_contain_text(_text(w("<strong>It does not bind you</strong>, because:")))
    expect(main).to_contain_text("Vyborg District Soviet")
    expect(main).to_contain_text(
        "20 апреля (3 мая) 1917" if w.lang == "ru" else "20 April (3 May N.S.) 1917"
    )


def _binds(w: Words) -> str:
    return w("<strong>It binds you.</strong> No council above your unit has countermanded it.")
