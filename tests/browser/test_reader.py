"""What readers see, in real headless Chromium: the demo story, filters, keyboard use,
phone widths, accessibility (axe-core), screenshots of every page type."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from negotiations.models import Entry, Proposal

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SERIOUS = {"serious", "critical"}


def page_types(site):
    negotiation = site["negotiation"]
    slug = negotiation.slug
    proposal = Proposal.objects.get(negotiation=negotiation, amount__isnull=False)
    return {
        "home": "/",
        "timeline": f"/negotiations/{slug}/",
        # A permalink: the page starting at the proposal, with a link to earlier entries.
        "timeline-page": f"/negotiations/{slug}/?entry={proposal.pk}",
        "timeline-filtered": f"/negotiations/{slug}/?actor=government-of-ukraine&kind=statement",
        "changes": f"/negotiations/{slug}/changes/?since=2020-01-01",
        "next": f"/negotiations/{slug}/next/",
        "positions": f"/negotiations/{slug}/positions/",
        "corrections": f"/negotiations/{slug}/corrections/",
        "proposal": f"/negotiations/{slug}/proposals/{proposal.pk}/",
        "actor": "/actors/volodymyr-zelenskyy/",
        "actors": "/actors/",
        "embed": f"/embed/negotiations/{slug}/",
    }


# Pages that tell a negotiation's story (the home page's card, an actor's negotiations):
# the state of play and the latest key development must be on the first screen. The
# actors index lists actors only.
STORY_FIRST = {
    "home",
    "timeline",
    "timeline-page",
    "timeline-filtered",
    "changes",
    "next",
    "positions",
    "corrections",
    "proposal",
    "actor",
    "embed",
}
NARROWEST = {"width": 320, "height": 640}


def entries_shown(page):
    return page.locator("article.entry").count()


def test_the_demo_timeline_renders_its_quotes_and_sources(tab, site):
    reader = tab()
    page = reader.open(site["negotiation"].get_absolute_url())
    assert page.locator("h1").inner_text() == "US–Ukraine minerals deal"
    assert page.get_by_role("heading", name="Where things stand").is_visible()
    quote = page.locator("blockquote.quote", has_text="ten generations of Ukrainians")
    assert quote.is_visible()
    assert "Volodymyr Zelenskyy" in quote.locator("xpath=..").inner_text()
    assert entries_shown(page) == 17
    # The one source is listed once, at the foot; every card cites it as [1].
    sources = page.locator(".references a[href^='https://apnews.com/']")
    assert sources.count() == 1
    assert page.locator("article.entry .cites a[href='#ref-1']").count() == 17
    page.locator("article.entry .cites a.cite").first.click()
    assert page.url.endswith("#ref-1") and sources.first.is_visible()
    assert page.locator(".badge-key").count() == 3
    assert page.locator("svg.chart-wide[role=img]").first.is_visible()
    assert not page.locator("svg.chart-tall").first.is_visible()
    assert reader.errors == [] and reader.outside_requests == []


def test_each_filter_changes_what_is_shown(tab, site):
    reader = tab()
    page = reader.open(site["negotiation"].get_absolute_url())
    everything = entries_shown(page)

    def apply(actor="", kind="", start="", end="", q=""):
        """Fill in the form of the page shown (it keeps the last values) and send it."""
        form = page.get_by_role("search", name="Filter the timeline")
        form.get_by_label("Who").select_option(actor)
        form.get_by_label("Kind").select_option(kind)
        form.get_by_label("From").fill(start)
        form.get_by_label("To").fill(end)
        form.get_by_label("Words").fill(q)
        with page.expect_navigation():
            form.get_by_role("button", name="Show").click()
        return entries_shown(page)

    by_actor = apply(actor="donald-trump")
    assert 0 < by_actor < everything and "actor=donald-trump" in page.url
    timeline = page.locator("section.timeline")
    assert timeline.get_by_text("Trump said he wanted a deal").is_visible()
    by_kind = apply(kind="event")
    assert 0 < by_kind < everything and "kind=event" in page.url
    assert set(page.locator("article.entry .kind-label").all_inner_texts()) == {"EVENT"}
    by_date = apply(start="2025-02-23", end="2025-02-23")
    assert 0 < by_date < everything and "from=2025-02-23" in page.url
    assert timeline.get_by_text("Russia launches its full-scale invasion").count() == 0
    by_text = apply(q="lithium")
    assert by_text == 1 and "q=lithium" in page.url
    assert timeline.get_by_text("It can be lithium.").is_visible()
    # Empty fields are left out of the URL; the page opens at the results.
    assert page.url.endswith("?q=lithium#timeline-title")
    assert page.evaluate("window.scrollY") > 500
    # The filtered URL is shareable: opened anew, it shows the same.
    shared = tab().open(page.url.removeprefix(reader.base_url))
    assert entries_shown(shared) == 1
    page.get_by_role("link", name="Clear filters").click()
    assert entries_shown(page) == everything
    assert reader.errors == [] and reader.outside_requests == []


def test_the_timeline_is_usable_by_keyboard(tab, site):
    reader = tab()
    page = reader.open(site["negotiation"].get_absolute_url())

    def focused():
        return page.evaluate(
            "() => { const e = document.activeElement;"
            " return {tag: e.tagName, id: e.id, text: (e.innerText || '').trim(),"
            " outline: getComputedStyle(e).outlineStyle, top: e.getBoundingClientRect().top}; }"
        )

    page.keyboard.press("Tab")
    skip = focused()
    assert skip["text"] == "Skip to content" and skip["top"] >= 0
    assert skip["outline"] != "none"  # a visible focus ring
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")  # the jump lands a moment later on a loaded machine
    assert focused()["id"] == "main"
    for _ in range(80):
        page.keyboard.press("Tab")
        if focused()["id"] == "id_kind":
            break
    else:
        pytest.fail("The kind filter cannot be reached with Tab")
    assert focused()["outline"] != "none"
    page.keyboard.press("ArrowDown")  # "Proposal"
    page.keyboard.press("ArrowDown")  # "Status change"
    page.keyboard.press("ArrowDown")  # "Statement"
    page.keyboard.press("Tab")  # From
    page.keyboard.press("Tab")  # To
    page.keyboard.press("Tab")  # Words
    assert focused()["id"] == "id_q"
    page.keyboard.type("table")
    page.keyboard.press("Enter")
    page.wait_for_url("**kind=statement**")
    assert "q=table" in page.url
    assert entries_shown(page) == 1
    # The picture's words open from the keyboard.
    summary = page.locator("summary", has_text="The picture in words")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details.chart-words").first.get_attribute("open") is not None
    assert reader.errors == [] and reader.outside_requests == []


def test_a_long_timeline_is_read_a_page_at_a_time(tab, site, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.timeline.TIMELINE_PAGE", 5)
    negotiation = site["negotiation"]
    order = list(
        Entry.objects.filter(negotiation=negotiation)
        .order_by("date_start", "sequence", "pk")
        .values_list("pk", flat=True)
    )
    reader = tab()
    page = reader.open(negotiation.get_absolute_url())

    def ids():
        return [
            int(i.removeprefix("entry-"))
            for i in page.locator("article.entry").evaluate_all("entries => entries.map(e => e.id)")
        ]

    assert ids() == order[-5:]
    pager = page.get_by_role("navigation", name="Pages of the timeline").first
    with page.expect_navigation():
        pager.get_by_role("link", name="Earlier entries").click()
    assert "before=" in page.url and ids() == order[-10:-5]
    assert page.evaluate("window.scrollY") > 300  # at the timeline, not the top
    with page.expect_navigation():
        page.get_by_role("link", name="Later entries").first.click()
    assert ids() == order[-5:]
    # A link written before the timeline had pages finds the page of its entry.
    page.goto(f"{reader.base_url}{negotiation.get_absolute_url()}#entry-{order[0]}")
    page.wait_for_url(f"**?entry={order[0]}#entry-{order[0]}")
    assert ids()[0] == order[0] and page.locator(f"#entry-{order[0]}").is_visible()
    assert reader.errors == [] and reader.outside_requests == []


def test_it_works_without_javascript(tab, site):
    reader = tab(javascript=False)
    page = reader.open(site["negotiation"].get_absolute_url())
    form = page.get_by_role("search", name="Filter the timeline")
    form.get_by_label("Kind").select_option("expectation")
    form.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert entries_shown(page) == 1
    assert not page.locator("[data-last-visit]").is_visible()
    assert page.get_by_role("link", name="Calendar (.ics)").first.is_visible()


def test_since_your_last_visit_is_remembered_in_the_browser(tab, site):
    reader = tab()
    slug = site["negotiation"].slug
    page = reader.open(site["negotiation"].get_absolute_url())
    assert not page.locator("p[data-last-visit]").is_visible()  # a first visit
    page.evaluate(
        f"localStorage.setItem('parley:visits:{slug}:latest', '2025-01-01')"
    )  # as if the last visit was long ago
    page.reload()
    link = page.get_by_role("link", name="What changed since your last visit (1 January 2025)")
    assert link.is_visible()
    link.click()
    page.wait_for_url("**/changes/?since=2025-01-01")
    assert page.get_by_text("Changes since 1 January 2025, newest first.").is_visible()
    # Still offered on a second look the same day.
    page.goto(reader.base_url + site["negotiation"].get_absolute_url())
    assert page.locator("p[data-last-visit]").is_visible()
    assert reader.errors == [] and reader.outside_requests == []


def first_screen_problems(page, viewport):
    """What of the story is not on the first screen: the state of play and the latest
    key development must both end above the fold."""
    missing = []
    for what, selector in (
        ("state of play", ".state-of-play-text"),
        ("latest key development", ".developments li"),
    ):
        found = page.locator(selector).first
        box = found.bounding_box() if found.count() else None
        if box is None or box["y"] + min(box["height"], 48) > viewport["height"]:
            missing.append(what)
    return missing


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_type_is_clean_fits_and_passes_axe(tab, site, viewport):
    """Every page type, at desktop and phone width: no console errors, nothing loaded
    from elsewhere, no sideways scrolling, no serious or critical axe-core violation,
    the story (state of play, latest key development) on the first screen.
    Screenshots of each go to artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()  # axe-core from the package (axe.min.js): nothing fetched
    reader = tab(viewport=viewport)
    overflowing, violations, below_the_fold = {}, {}, {}
    for name, path in page_types(site).items():
        page = reader.open(path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            overflowing[name] = overflow
        if name in STORY_FIRST:
            missing = first_screen_problems(page, viewport)
            if missing:
                below_the_fold[name] = missing
        page.screenshot(path=SCREENSHOTS / f"{name}-{viewport['width']}.png", full_page=True)
        serious = [
            (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
            for v in axe.run(page).response["violations"]
            if v["impact"] in SERIOUS
        ]
        if serious:
            violations[name] = serious
    assert overflowing == {}, f"pages scrolling sideways at {viewport['width']}px (px)"
    assert below_the_fold == {}, f"not on the first screen at {viewport['width']}px"
    assert violations == {}
    assert reader.errors == [], reader.errors
    assert reader.outside_requests == [], reader.outside_requests


def test_no_page_scrolls_sideways_at_320_px(tab, site):
    reader = tab(viewport=NARROWEST)
    overflowing = {}
    for name, path in page_types(site).items():
        page = reader.open(path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            overflowing[name] = overflow
    assert overflowing == {}
    assert reader.errors == [], reader.errors


@pytest.mark.parametrize("width", [320, 375, 640, 800, 1024, 1280])
def test_the_lanes_ticks_are_readable_at_every_width(tab, site, width):
    """Whichever drawing shows (the tall one on phones, both running to scale), its
    12 px tick labels are drawn at 10 px or more, and lie inside the picture."""
    reader = tab(viewport={"width": width, "height": 900})
    page = reader.open(site["negotiation"].get_absolute_url())
    shown = [
        chart
        for chart in page.locator("figure.chart-figure svg.chart:not(.chart-amounts)").all()
        if chart.is_visible()
    ]
    assert len(shown) == 1
    scale = shown[0].evaluate(
        "svg => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width"
    )
    assert 12 * scale >= 10, f"tick labels drawn at {12 * scale:.1f} px at {width} px"
    frame = shown[0].bounding_box()
    for label in shown[0].locator("text").all():
        box = label.bounding_box()
        if box and box["width"]:
            assert (
                frame["x"] - 1 <= box["x"]
                and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
            )


def test_the_filters_fold_on_a_phone_and_open_when_on(tab, site):
    reader = tab(viewport=PHONE)
    url = site["negotiation"].get_absolute_url()
    page = reader.open(url)
    form = page.get_by_role("search", name="Filter the timeline")
    assert not form.get_by_label("Who").is_visible()
    form.locator("summary").click()
    assert form.get_by_label("Who").is_visible()
    page = reader.open(url + "?kind=statement")
    assert page.get_by_role("search", name="Filter the timeline").get_by_label("Kind").is_visible()
    wide = tab(viewport=DESKTOP).open(url)
    assert wide.get_by_role("search", name="Filter the timeline").get_by_label("Who").is_visible()
    assert reader.errors == [], reader.errors


STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'self'; frame-ancestors 'none'"
)


def test_pages_work_under_a_strict_content_security_policy(tab, site):
    """No inline script, style or event handler: a CSP without 'unsafe-inline' (as a
    later issue will send) blocks nothing on these pages."""
    reader = tab()

    def with_policy(route):
        response = route.fetch()
        headers = dict(response.headers)
        if headers.get("content-type", "").startswith("text/html"):
            headers["content-security-policy"] = STRICT_CSP
        route.fulfill(response=response, headers=headers)

    reader.page.route("**/*", with_policy)
    names = ["timeline", "proposal", "positions", "embed"]
    for name in names:
        page = reader.open(page_types(site)[name])
        assert page.locator("link[rel=stylesheet]").count() == 1
        # The stylesheet applied (browsers give the body an 8px margin; ours is 0).
        assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px", name
    page = reader.open(page_types(site)["timeline"])
    slug = site["negotiation"].slug
    page.evaluate(f"localStorage.setItem('parley:visits:{slug}:latest', '2025-01-01')")
    page.reload()
    assert page.locator("p[data-last-visit]").is_visible()  # the script ran
    page.unroute_all(behavior="wait")
    assert reader.errors == [], reader.errors
