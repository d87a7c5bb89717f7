"""The review screen of "From an article" in real headless Chromium: paste the seed story,
accept three suggestions, correct one speaker, and find three drafts citing the article."""

import pytest

from negotiations.models import Actor, PublicationState, Source, Statement
from tests import factories
from tests.extraction.conftest import DATASET

from .conftest import SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTICLE = "https://apnews.com/article/us-ukraine-minerals-deal-closing-in"


def seed_text():
    import json

    articles = json.loads(DATASET.read_text())["articles"]
    return next(a["text"] for a in articles if a["id"].startswith("seed"))


def suggestion(page, text):
    """The statement row whose text area holds ``text``."""
    return page.locator("fieldset.suggestion[id^=suggestion-st-]").filter(
        has=page.locator("textarea", has_text=text)
    )


def test_paste_review_and_accept_three_drafts(tab, site):
    factories.journalist(username="jane")
    journalist = tab()
    failed = []  # the browser asks admin pages for /favicon.ico, which is not ours to judge
    journalist.page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    page = journalist.open("/admin/login/")
    page.fill("#id_username", "jane")
    page.fill("#id_password", "correct horse battery staple")
    with page.expect_navigation():
        page.click("input[type=submit]")

    page = journalist.open("/admin/")
    with page.expect_navigation():
        page.get_by_role("link", name="From an article").click()
    page.get_by_label("Negotiation").select_option(label=site["negotiation"].title)
    page.get_by_label("Article URL").fill(ARTICLE)
    page.get_by_label("Headline").fill("The US and Ukraine are closing in on a mineral deal")
    page.get_by_label("Publisher").fill("Associated Press")
    page.get_by_label("Published on").fill("2025-02-25")
    page.locator("#id_text").fill(seed_text())
    with page.expect_navigation():
        page.get_by_role("button", name="Propose entries").click()

    assert page.get_by_role("heading", name="Review the suggestions").is_visible()
    lithium = suggestion(page, "It can be lithium.")
    table = suggestion(page, "off the table.").first
    balked = suggestion(page, "didn't contain adequate security assurances")
    assert lithium.locator("select[name$=speaker] option:checked").inner_text() == "Andriy Yermak"
    assert table.locator("select[name$=speaker] option:checked").inner_text() == (
        "Volodymyr Zelenskyy"
    )
    assert balked.locator("select[name$=speaker] option:checked").inner_text() == (
        "Government of Ukraine"
    )
    assert table.locator("input[name$=date]").input_value() == "2025-02-23"  # "on Sunday"
    assert page.get_by_role("cell", name="last fall").is_visible()
    for row in (lithium, table, balked):
        row.get_by_label("Accept").check()
    # The journalist decides the argument was the president's own.
    balked.locator("select[name$=speaker]").select_option(label="Volodymyr Zelenskyy")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "extraction-review.png", full_page=True)
    lithium.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "extraction-review-top.png")

    with page.expect_navigation():
        page.get_by_role("button", name="Save the accepted ones").click()
    message = page.locator(".messagelist .success")
    assert "3 drafts citing" in message.inner_text()
    page.screenshot(path=SCREENSHOTS / "extraction-accepted.png")

    source = Source.objects.get(url=ARTICLE)
    drafts = Statement.objects.filter(sources=source).select_related("actor").order_by("pk")
    assert [(s.actor.slug, s.kind, s.state) for s in drafts] == [
        ("andriy-yermak", "direct", PublicationState.DRAFT),
        ("volodymyr-zelenskyy", "direct", PublicationState.DRAFT),
        ("volodymyr-zelenskyy", "paraphrase", PublicationState.DRAFT),
    ]
    assert drafts[1].text == "off the table."
    assert drafts[2].text.startswith("They didn't contain adequate security assurances")
    assert source.publisher == "Associated Press"
    assert not Actor.objects.filter(name="Government of Ukraine", statements__in=drafts).exists()
    assert {url.rsplit("/", 1)[-1] for url in failed} <= {"favicon.ico"}
    not_found = "Failed to load resource: the server responded with a status of 404 (Not Found)"
    errors = [e for e in journalist.errors if not e.endswith(not_found)]
    assert errors == [] and journalist.outside_requests == []
