"""The newsroom admin in real headless Chromium: three statements from one article through
quick add (steps counted), and the newsroom's home, the quick-add form and entry list at
1280 and 375 px with no sideways scrolling and a readable headline column. Screenshots go
to SHOTS."""

import os
from pathlib import Path

import pytest

from negotiations.models import Actor, Source, Statement
from tests import factories

from .conftest import DESKTOP, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(os.environ.get("NEWSROOM_SHOTS", "/tmp/shots-newsroom"))
ARTICLE = "https://apnews.com/article/us-ukraine-minerals-deal-closing-in"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


class Steps:
    """What a journalist does, counted: pages loaded, fields typed, clicks (a choice in a
    select list counts as one click)."""

    def __init__(self, page):
        self.page, self.loads, self.typed, self.clicks = page, 0, 0, 0
        page.on("load", self._loaded)

    def _loaded(self, _page):
        self.loads += 1

    def type(self, selector, text):
        self.page.fill(selector, text)
        self.typed += 1

    def click(self, selector):
        self.page.click(selector)
        self.clicks += 1

    def select(self, selector, label):
        self.page.select_option(selector, label=label)
        self.clicks += 1

    def submit(self, selector):
        with self.page.expect_navigation():
            self.click(selector)
        self.page.wait_for_load_state("load")

    def autocomplete(self, field, search, choice):
        """An admin autocomplete: open it, type a few letters, pick the match."""
        self.click(f".field-{field} .select2-selection")
        self.type(".select2-container--open .select2-search__field", search)
        option = self.page.locator(".select2-results__option", has_text=choice)
        option.first.wait_for()
        option.first.click()
        self.clicks += 1

    @property
    def counts(self):
        return {"loads": self.loads, "typed": self.typed, "clicks": self.clicks}


def newsroom_journalist():
    """Jane, a journalist. The role groups come from a data migration; a transactional
    test before this one may have emptied the tables, so they are made again if need be."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.management import create_contenttypes

    from negotiations.roles import ROLE_PERMISSIONS

    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="negotiations", codename__in=codenames
            )
        )
    return factories.journalist(username="jane")


def sign_in(tab, viewport=DESKTOP):
    journalist = tab(viewport=viewport)
    page = journalist.open("/admin/login/")
    page.fill("#id_username", "jane")
    page.fill("#id_password", "correct horse battery staple")
    with page.expect_navigation():
        page.click("input[type=submit]")
    return journalist


def no_overflow(page):
    return page.evaluate(OVERFLOW) <= 0


def test_three_statements_from_one_article(tab, site):
    newsroom_journalist()
    journalist = sign_in(tab)
    page = journalist.page
    steps = Steps(page)
    with page.expect_navigation():
        page.goto(journalist.base_url + "/admin/negotiations/entry/quick-add/")
    page.wait_for_load_state("load")

    # The first statement: the article once, then the statement.
    steps.type("#id_source_url", ARTICLE)
    steps.type("#id_source_title", "The US and Ukraine are closing in on a mineral deal")
    steps.type("#id_source_publisher", "AP")
    steps.type("#id_source_published_on", "2025-02-25")
    steps.select("#id_negotiation", site["negotiation"].title)
    steps.type("#id_date", "2025-02-23")
    steps.autocomplete("speaker", "Zelen", "Volodymyr Zelenskyy")
    steps.type("#id_text", "I can't sell our state.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "quick-add-1280-filled.png", full_page=True)
    steps.submit("#quick-add-form input[type=submit]")
    assert "The next entry below keeps its source" in page.locator(".messagelist").inner_text()
    assert page.input_value("#id_source_url") == ARTICLE
    assert page.input_value("#id_date") == "2025-02-23"
    page.screenshot(path=SHOTS / "quick-add-1280-kept.png", full_page=True)

    # The second: only its speaker and text.
    steps.autocomplete("speaker", "Witk", "Steve Witkoff")
    steps.type("#id_text", "We are very close to a deal.")
    steps.submit("#quick-add-form input[type=submit]")

    # The third: a speaker not in the record yet, named inline.
    steps.type("#id_new_speaker_name", "Olha Stefanishyna")
    steps.autocomplete("new_speaker_affiliation", "Govern", "Government of Ukraine")
    steps.type("#id_text", "The agreement is almost ready.")
    page.screenshot(path=SHOTS / "quick-add-1280-new-speaker.png", full_page=True)
    steps.submit("#quick-add-form input[type=submit]")
    assert "Logged" in page.locator(".messagelist").inner_text()

    # Before (the old form, README "Quick add"): 9 page loads, 17 fields typed, 19 clicks.
    assert steps.counts == {"loads": 4, "typed": 12, "clicks": 10}
    source = Source.objects.get(url=ARTICLE)
    assert (source.publisher, source.published_on.isoformat()) == ("AP", "2025-02-25")
    logged = Statement.objects.filter(sources=source).select_related("actor").order_by("pk")
    assert [(s.actor.name, s.date.edtf, s.negotiation_id) for s in logged] == [
        ("Volodymyr Zelenskyy", "2025-02-23", site["negotiation"].pk),
        ("Steve Witkoff", "2025-02-23", site["negotiation"].pk),
        ("Olha Stefanishyna", "2025-02-23", site["negotiation"].pk),
    ]
    new = Actor.objects.get(name="Olha Stefanishyna")
    assert new.affiliation.name == "Government of Ukraine"
    assert journalist.outside_requests == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_newsroom_s_home_reads_each_link_on_one_line(tab, site, viewport):
    """The links a journalist opens first ("Quick add", "From an article", the pending
    revisions) on one line each, beside what they do, inside their box."""
    newsroom_journalist()
    journalist = sign_in(tab, viewport)
    page = journalist.open("/admin/")
    page.screenshot(path=SHOTS / f"newsroom-home-{viewport['width']}.png", full_page=True)
    assert no_overflow(page), page.evaluate(OVERFLOW)
    links = page.locator("#quick-add-module th a, #pending-revisions-module th a")
    assert links.all_inner_texts() == ["Quick add", "From an article", "0 pending revisions"]
    line = page.locator("#quick-add-module td").first.evaluate(
        "cell => parseFloat(getComputedStyle(cell).lineHeight)"
    )
    for link in links.all():
        assert link.bounding_box()["height"] < 1.5 * line, link.inner_text()
    for module in ("#quick-add-module", "#pending-revisions-module"):
        inside = f"() => {{ const m = document.querySelector('{module}');"
        inside += " return m.querySelector('table').scrollWidth - m.clientWidth; }"
        assert page.evaluate(inside) <= 0, module
    assert journalist.errors == [] and journalist.outside_requests == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_quick_add_form_fits(tab, site, viewport):
    newsroom_journalist()
    journalist = sign_in(tab, viewport)
    page = journalist.open("/admin/negotiations/entry/quick-add/")
    width = viewport["width"]
    assert no_overflow(page), page.evaluate(OVERFLOW)
    # Only the chosen kind's fields show: a statement has a stance, no amount.
    assert page.locator(".field-stance").is_visible()
    assert not page.locator(".field-amount").is_visible()
    page.screenshot(path=SHOTS / f"quick-add-{width}.png", full_page=True)
    page.check("input[name=kind][value=proposal]")
    assert page.locator(".field-amount").is_visible()
    assert not page.locator(".field-stance").is_visible()
    assert no_overflow(page)
    page.screenshot(path=SHOTS / f"quick-add-{width}-proposal.png", full_page=True)
    assert journalist.outside_requests == []


LISTS = {"entry": "headline_link", "statement": "short_text", "event": "title"}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
@pytest.mark.parametrize("kind", LISTS)
def test_the_entry_list_is_readable(tab, site, viewport, kind):
    newsroom_journalist()
    journalist = sign_in(tab, viewport)
    page = journalist.open(f"/admin/negotiations/{kind}/")
    width = viewport["width"]
    page.screenshot(path=SHOTS / f"{kind}-list-{width}.png", full_page=False)
    page.screenshot(path=SHOTS / f"{kind}-list-{width}-full.png", full_page=True)
    assert no_overflow(page), page.evaluate(OVERFLOW)
    column = LISTS[kind]
    headline = page.locator(f"#result_list td.field-{column}, #result_list th.field-{column}")
    first = headline.first.bounding_box()
    # Readable: the headline column holds several words a line, not one.
    wide = 320 if column == "headline_link" else 250  # about 45 characters a line
    assert first["width"] >= (wide if width >= 1280 else 200), first
    if width >= 1280:  # every column in view, none scrolled out of its box
        fits = "() => { const t = document.querySelector('#result_list');"
        fits += " return t.scrollWidth - t.closest('.results').clientWidth; }"
        assert page.evaluate(fits) <= 0
    dates = page.locator("#result_list td.field-partial_date").all_inner_texts()
    assert dates, "no entries listed"
    assert journalist.outside_requests == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_an_entry_form_opens_with_the_date_beside_the_time(tab, site, viewport):
    newsroom_journalist()
    journalist = sign_in(tab, viewport)
    page = journalist.open("/admin/negotiations/statement/add/")
    width = viewport["width"]
    page.screenshot(path=SHOTS / f"statement-form-{width}.png", full_page=False)
    assert no_overflow(page), page.evaluate(OVERFLOW)
    first_row = page.locator("#content-main fieldset .form-row").first
    assert first_row.locator("#id_date").is_visible()
    assert first_row.locator("#id_time").is_visible()
    date = first_row.locator(".fieldBox.field-date").bounding_box()
    time = first_row.locator(".fieldBox.field-time").bounding_box()
    if width >= 1280:  # side by side: the boxes start on one line
        assert abs(date["y"] - time["y"]) < 2 and time["x"] > date["x"] + date["width"] - 1
    assert journalist.outside_requests == []
