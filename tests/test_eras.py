"""Imprecise dates placed honestly: one rule for pages, pictures and exports."""

import datetime
import html
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from negotiations.dates import PartialDate
from negotiations.models import Phase, place_in_phases
from tests.pages.test_timeline import text_of

OFFER = Phase(
    pk=1, name="Offer", starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2025, 1, 31)
)
DEMAND = Phase(
    pk=2, name="Demand", starts_on=datetime.date(2025, 2, 1), ends_on=datetime.date(2025, 2, 22)
)
CLOSING = Phase(pk=3, name="Closing", starts_on=datetime.date(2025, 2, 23))
PHASES = [OFFER, DEMAND, CLOSING]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("date", "phase", "before", "spans"),
    [
        ("2024-10-05", OFFER, None, ()),
        ("2024-10", OFFER, None, ()),  # the whole month lies within
        ("2024", None, OFFER, (OFFER,)),  # January–August 2024 do not
        ("2025", None, OFFER, (OFFER, DEMAND, CLOSING)),
        ("2025-02", None, DEMAND, (DEMAND, CLOSING)),
        ("2025-02-23", CLOSING, None, ()),
        ("2026", CLOSING, None, ()),  # a phase without an end holds what follows
        ("2022-02-24", None, OFFER, ()),  # before every phase
    ],
)
def test_the_rule(date, phase, before, spans):
    place = place_in_phases(PartialDate.parse(date), PHASES)
    assert (place.phase, place.before, place.spans) == (phase, before, spans)


def test_the_wording():
    assert PartialDate.parse("2024").reading == "sometime in 2024"
    assert PartialDate.parse("2025-02").reading == "sometime in February 2025"
    assert PartialDate.parse("2025-02-23").reading == "23 February 2025"


def era_sections(page_html):
    """(era title, [date headings]) in page order."""
    sections = re.split(r'<h3 class="era-title"[^>]*>', page_html)[1:]
    result = []
    for part in sections:
        title = re.sub(r"<[^>]+>", "", part.split("</h3>")[0]).strip()
        headings = [
            " ".join(re.sub(r"<[^>]+>", "", h).split())
            for h in re.findall(r'<h4 class="date-heading">(.*?)</h4>', part, re.S)
        ]
        result.append((html.unescape(title), [html.unescape(h) for h in headings]))
    return result


def test_the_demo_places_ukraines_2024_proposal_and_the_2025_statement(client, demo):
    """Each era of the demo holds what it is named after: Ukraine's offer (made "last
    fall", dated 2024) in "Ukraine's offer"; the demand and its rejection (February
    2025) in "The $500 billion demand"; the withdrawal and Witkoff's expectation (23
    February) in "Closing in on a deal", which begins that day."""
    page = client.get(demo.get_absolute_url())
    sections = era_sections(page.content.decode())
    titles = [title.split(" 1 ")[0].split(" 23 ")[0] for title, _ in sections]
    assert titles == [
        "Earlier",
        "Ukraine's offer",
        "Dated only roughly",
        "The $500 billion demand",
        "Closing in on a deal",
    ]
    assert sections[0] == ("Earlier", ["24 February 2022"])
    assert sections[1][1] == ["Sometime in 2024"]
    assert sections[2] == (
        "Dated only roughly",
        ["Sometime in 2025 (across “The $500 billion demand” and “Closing in on a deal”)"],
    )
    assert sections[3][1] == ["Sometime in February 2025"]
    assert sections[4][1] == ["23 February 2025"]
    html_text = page.content.decode()
    offer, demand, closing = (
        html_text.split(f'id="era-{n}"')[1].split('<section class="era')[0] for n in (2, 4, 5)
    )
    assert "Minerals partnership to strengthen Kyiv" in offer
    assert "U.S. demand: $500 billion in mineral profits" in demand
    assert "paid off by ten generations" in demand and "status-rejected" in demand
    assert "status-withdrawn" in closing and "Steve Witkoff" in closing
    text = text_of(page)
    # The picture's words, and the card's own date.
    assert "Sometime in 2024: Minerals partnership to strengthen Kyiv's hand" in text
    assert "Sometime in 2024 — Proposal: Minerals partnership" in page.content.decode()


def test_exports_and_feeds_say_it_too(client, demo):
    slug = {"slug": demo.slug}
    export = client.get(reverse("embed:timelinejs", kwargs=slug)).json()
    dates = {event["text"]["headline"]: event["display_date"] for event in export["events"]}
    assert dates["Minerals partnership to strengthen Kyiv&#x27;s hand"] == "Sometime in 2024"
    feed = client.get(reverse("negotiations:feed", kwargs=slug)).content.decode()
    assert "Sometime in February 2025: U.S. demand" in feed
