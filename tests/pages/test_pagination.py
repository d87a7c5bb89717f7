"""A long negotiation, a page at a time: keyset cursors over the timeline order, filters
kept, no COUNT(*); every list on every page bounded, with a way to the rest.

The limits are small here (``small_pages``) so that a few entries make several pages.
"""

import datetime
import html as html_lib
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from negotiations.domain.entries import add_correction
from negotiations.models import Entry, ProposalStatus, PublicationState, Stance
from negotiations.reader import exports, feeds
from tests import factories

from .test_timeline import text_of

pytestmark = pytest.mark.django_db

PAGE = 5


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.timeline.TIMELINE_PAGE", PAGE)


@pytest.fixture
def events(negotiation):
    """Twelve events, one a day from 1 January 2025, oldest first."""
    return [
        factories.EventFactory(
            negotiation=negotiation, title=f"Meeting {day}", date=f"2025-01-{day:02d}"
        )
        for day in range(1, 13)
    ]


def shown(html):
    return [int(pk) for pk in re.findall(r'<article class="entry[^"]*" id="entry-(\d+)"', html)]


def link(html, rel):
    """The href of the first ``rel`` link of the timeline's pager (unescaped), or None."""
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return html_lib.unescape(found[1]) if found else None


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def key_of(entry):
    return f"{entry.date_start.isoformat()}.{entry.sequence}.{entry.pk}"


# --------------------------------------------------------------------------- #
# The timeline, a page at a time
# --------------------------------------------------------------------------- #


def test_the_timeline_opens_at_its_latest_page(client, negotiation, events, small_pages):
    html = get(client, negotiation.get_absolute_url())
    assert shown(html) == [e.pk for e in events[-PAGE:]]  # oldest first within the page
    assert link(html, "prev") == f"?before={key_of(events[-PAGE])}#timeline-title"
    assert link(html, "next") is None
    assert "The latest 5 entries, 8 January 2025 to 12 January 2025, oldest first." in text_of_html(
        html
    )


def text_of_html(html):
    class Page:
        content = html.encode()

    return text_of(Page)


def test_earlier_and_later_links_walk_the_whole_timeline(client, negotiation, events, small_pages):
    url = negotiation.get_absolute_url()
    html = get(client, url)
    pages = [shown(html)]
    while link(html, "prev"):
        html = get(client, url + link(html, "prev"))
        pages.insert(0, shown(html))
    assert [pk for page in pages for pk in page] == [e.pk for e in events]
    assert [len(page) for page in pages] == [2, 5, 5]
    assert "Earlier ones are a click away" not in html  # the first page
    forward = []
    while True:
        forward.append(shown(html))
        if not link(html, "next"):
            break
        html = get(client, url + link(html, "next"))
    assert [pk for page in forward for pk in page] == [e.pk for e in events]


def test_an_entry_added_meanwhile_does_not_shift_a_page(client, negotiation, events, small_pages):
    url = negotiation.get_absolute_url()
    earlier = link(get(client, url), "prev")
    before = shown(get(client, url + earlier))
    factories.EventFactory(negotiation=negotiation, title="News", date="2025-01-13")
    assert shown(get(client, url + earlier)) == before


def test_cursor_links_keep_the_filters(client, negotiation, events, small_pages):
    factories.StatementFactory(negotiation=negotiation, text="Not a meeting", date="2025-01-06")
    url = negotiation.get_absolute_url()
    html = get(client, url + "?kind=event&q=Meeting")
    earlier = link(html, "prev")
    assert earlier.startswith("?kind=event&q=Meeting&before=")
    html = get(client, url + earlier)
    assert shown(html) == [e.pk for e in events[2:7]]
    later = link(html, "next")
    assert later.startswith("?kind=event&q=Meeting&after=")
    assert 'name="q" value="Meeting"' in html  # the form still shows the filters
    latest = re.search(r'<a href="([^"]+)">Latest entries</a>', html)[1]
    assert html_lib.unescape(latest) == "?kind=event&q=Meeting#timeline-title"


def test_filtered_pages_say_what_they_show(client, negotiation, events, small_pages):
    url = negotiation.get_absolute_url()
    text = text_of_html(get(client, url + "?kind=event"))
    assert "The latest 5 matching entries, 8 January 2025 to 12 January 2025" in text
    text = text_of_html(get(client, url + "?q=Meeting+3"))
    assert "1 entry matches." in text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?kind=event",
        "?q=Meeting",
        "?from=2025-01-03",
        "?before={key}",
        "?after={key}",
        "?entry={pk}",
    ],
)
def test_paging_never_counts(client, negotiation, events, small_pages, query):
    query = query.format(key=key_of(events[6]), pk=events[6].pk)
    with CaptureQueriesContext(connection) as queries:
        get(client, negotiation.get_absolute_url() + query)
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert not [s for s in sql if "COUNT(" in s]
    assert not [s for s in sql if " OFFSET " in s]


def test_a_permalink_opens_the_page_that_starts_with_the_entry(
    client, negotiation, events, small_pages
):
    entry = events[3]
    url = negotiation.get_absolute_url()
    html = get(client, f"{url}?entry={entry.pk}")
    assert shown(html) == [e.pk for e in events[3:8]]
    assert link(html, "prev") == f"?before={key_of(entry)}#timeline-title"
    assert link(html, "next") == f"?after={key_of(events[7])}#timeline-title"
    assert f'href="{url}?entry={entry.pk}#entry-{entry.pk}"' in html  # its permalink


def test_a_permalink_to_the_first_entry_has_no_earlier_page(
    client, negotiation, events, small_pages
):
    html = get(client, f"{negotiation.get_absolute_url()}?entry={events[0].pk}")
    assert shown(html)[0] == events[0].pk
    assert link(html, "prev") is None


def test_a_permalink_to_a_draft_shows_nothing_of_it(
    client, staff_client, negotiation, events, small_pages
):
    draft = factories.EventFactory(
        negotiation=negotiation,
        title="Draft meeting",
        date="2025-01-05",
        state=PublicationState.DRAFT,
    )
    url = f"{negotiation.get_absolute_url()}?entry={draft.pk}"
    html = get(client, url)
    assert "That entry is not on the timeline" in html
    assert shown(html) == [e.pk for e in events[-PAGE:]]  # the latest page, not the draft's
    assert "Draft meeting" not in html
    preview = get(staff_client, url)
    assert shown(preview)[0] == draft.pk


@pytest.mark.parametrize(
    "query",
    [
        "?before=yesterday",
        "?after=2025-13-40.0.1",
        "?before=2025-01-01.1234567890.1",  # beyond the order within a day
        "?after=2025-01-01.0.12345678901234567890",  # beyond any id
        "?entry=12345678901234567890",
        "?entry=-3",
        "?before=２０２５-01-01.0.1",
    ],
)
def test_an_unreadable_cursor_shows_the_latest_page(
    client, negotiation, events, small_pages, query
):
    html = get(client, negotiation.get_absolute_url() + query)
    assert "That page address could not be read" in html
    assert shown(html) == [e.pk for e in events[-PAGE:]]


def test_an_unknown_entry_shows_the_latest_page(client, negotiation, events, small_pages):
    html = get(client, f"{negotiation.get_absolute_url()}?entry=999999")
    assert "That entry is not on the timeline" in html
    assert shown(html) == [e.pk for e in events[-PAGE:]]


def test_a_start_date_opens_the_range_at_its_start(client, negotiation, events, small_pages):
    url = negotiation.get_absolute_url()
    html = get(client, url + "?from=2025-01-03")
    assert shown(html) == [e.pk for e in events[2:7]]
    assert link(html, "prev") is None
    assert link(html, "next").startswith("?from=2025-01-03&after=")
    assert ">Latest entries</a>" not in html


def test_a_page_shows_only_the_phases_it_reaches(client, negotiation, events, small_pages):
    factories.PhaseFactory(
        negotiation=negotiation,
        name="Opening",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 1, 4),
    )
    factories.PhaseFactory(
        negotiation=negotiation, name="Endgame", starts_on=datetime.date(2025, 2, 1)
    )

    def eras(html):
        return [t.strip() for t in re.findall(r'<h3 class="era-title" id="era-\d+">([^<]+)', html)]

    url = negotiation.get_absolute_url()
    latest = get(client, url)
    # 8–12 January: between the phases; the phase still to come is shown, empty, after it.
    assert eras(latest) == ["Between phases", "Endgame"]
    assert "Nothing recorded in this phase yet." in latest
    first = get(client, url + f"?entry={events[0].pk}")
    assert eras(first) == ["Opening", "Between phases"]


def test_the_lanes_picture_draws_the_page(client, negotiation, events, small_pages):
    html = get(client, negotiation.get_absolute_url())
    assert "The 5 entries on this page of the timeline from 8 January 2025 to 12 January" in html
    svg = get(client, reverse("negotiations:lanes_svg", args=[negotiation.slug]))
    assert "The latest 5 entries from 8 January 2025 to 12 January 2025" in svg
    assert svg.count('class="mark mark-event"') == PAGE


# --------------------------------------------------------------------------- #
# Every other list, bounded
# --------------------------------------------------------------------------- #


def test_where_things_stand_shows_the_latest_open_proposals(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.negotiation.STANDING_LIMIT", 2)
    proposals = [
        factories.ProposalFactory(negotiation=negotiation, title=f"Offer {n}", date=f"2025-01-0{n}")
        for n in range(1, 5)
    ]
    factories.StatusChangeFactory(proposal=proposals[3], status=ProposalStatus.REJECTED)
    for n in range(1, 4):
        factories.ExpectationFactory(
            negotiation=negotiation, text=f"Hope {n}", date=f"2025-01-0{n}"
        )
    html = get(client, negotiation.get_absolute_url())
    standing = html.split('id="standing-title"')[1].split("</section>")[0]
    assert "Offer 4" not in standing  # rejected
    assert standing.index("Offer 2") < standing.index("Offer 3")
    assert "Offer 1" not in standing
    assert "more open proposals</a>" in standing
    assert standing.count("expects:") == 2 and "more pending expectations</a>" in standing


def test_the_corrections_log_shows_the_latest_and_links_to_all(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.timeline.CORRECTIONS_ON_TIMELINE", 2)
    monkeypatch.setattr("negotiations.reader.selectors.timeline.CORRECTIONS_PAGE", 2)
    monkeypatch.setattr("negotiations.reader.views.CORRECTIONS_PAGE", 2)
    editor = factories.editor(username="fixer")
    event = factories.EventFactory(negotiation=negotiation)
    for n in range(1, 4):
        with time_machine.travel(datetime.datetime(2025, 3, n, tzinfo=datetime.UTC), tick=False):
            add_correction(event, note=f"Fix number {n}.", by=editor)
    html = get(client, negotiation.get_absolute_url())
    log = html.split('id="corrections-title"')[1].split("</section>")[0]
    assert "Fix number 3." in log and "Fix number 2." in log and "Fix number 1." not in log
    everything = reverse("negotiations:corrections", args=[negotiation.slug])
    assert f'<a href="{everything}">Every correction</a>' in log
    page = get(client, everything)
    assert page.index("Fix number 3.") < page.index("Fix number 2.")
    assert "Fix number 1." not in page
    earlier = link(page, "next")
    page = get(client, everything + earlier)
    assert "Fix number 1." in page and "Fix number 2." not in page
    assert f'<a href="{everything}">Latest corrections</a>' in page


def test_what_changed_shows_the_latest_changes(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.changes.CHANGES_LIMIT", 3)
    monkeypatch.setattr("negotiations.reader.views.CHANGES_LIMIT", 3)
    for n in range(1, 6):
        with time_machine.travel(datetime.datetime(2025, 3, n, tzinfo=datetime.UTC), tick=False):
            factories.EventFactory(negotiation=negotiation, title=f"Logged {n}")
    with time_machine.travel(datetime.datetime(2025, 3, 10, tzinfo=datetime.UTC), tick=False):
        html = get(
            client, reverse("negotiations:changes", args=[negotiation.slug]) + "?since=2025-01-01"
        )
    new = html.split('id="changes-recorded"')[1].split("</section>")[0]
    assert [int(n) for n in re.findall(r"Logged (\d)", new)] == [5, 4, 3]
    assert "The latest 3 are shown" in html


def test_what_comes_next_is_bounded(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.next.NEXT_LIMIT", 2)
    with time_machine.travel(datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC), tick=False):
        for day in (20, 10, 30):
            factories.EventFactory(
                negotiation=negotiation, title=f"Summit {day}", date=f"2025-03-{day}"
            )
        html = get(client, reverse("negotiations:next", args=[negotiation.slug]))
    events = html.split('id="next-events"')[1].split("</section>")[0]
    assert events.index("Summit 10") < events.index("Summit 20")
    assert "Summit 30" not in events and "The 2 soonest are shown" in events


def test_the_amounts_picture_draws_the_latest_amounts(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.timeline.AMOUNTS_LIMIT", 2)
    for n in range(1, 4):
        factories.ProposalFactory(
            negotiation=negotiation,
            title=f"Offer {n}",
            date=f"2025-01-0{n}",
            amount=Decimal(n * 10**9),
            currency="USD",
        )
    svg = get(client, reverse("negotiations:amounts_svg", args=[negotiation.slug]))
    assert "The latest 2 proposals with an amount in USD" in svg
    assert "Offer 1" not in svg and "Offer 2" in svg and "Offer 3" in svg


def test_feeds_calendar_export_and_embed_are_bounded(client, negotiation, monkeypatch):
    monkeypatch.setattr(feeds, "FEED_SIZE", 3)
    monkeypatch.setattr(exports, "EXPORT_SIZE", 3)
    monkeypatch.setattr("negotiations.reader.selectors.next.CALENDAR_UPCOMING", 2)
    monkeypatch.setattr("negotiations.reader.selectors.next.CALENDAR_RECENT", 1)
    with time_machine.travel(datetime.datetime(2025, 6, 15, tzinfo=datetime.UTC), tick=False):
        for day in ("2025-06-01", "2025-06-10", "2025-06-20", "2025-07-01", "2025-08-01"):
            factories.EventFactory(negotiation=negotiation, title=f"Meeting of {day}", date=day)
        slug = [negotiation.slug]
        feed = get(client, reverse("negotiations:feed", args=slug))
        calendar = get(client, reverse("negotiations:calendar", args=slug))
        export = get(client, reverse("embed:timelinejs", args=slug))
    assert feed.count("<entry>") == 3
    summaries = re.findall(r"SUMMARY:Meeting of ([\d-]+)", calendar)
    assert sorted(summaries) == ["2025-06-10", "2025-06-20", "2025-07-01"]
    assert export.count('"unique_id"') == 3 and "The latest 3 entries." in export


def test_the_actor_page_shows_the_latest_of_each_kind(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.actors.ACTOR_SECTION", 2)
    monkeypatch.setattr("negotiations.reader.views.ACTOR_SECTION", 2)
    speaker = factories.ActorFactory(name="Envoy", slug="envoy")
    for n in range(1, 4):
        factories.StatementFactory(
            negotiation=negotiation, actor=speaker, text=f"Words {n}", date=f"2025-01-0{n}"
        )
    html = get(client, reverse("negotiations:actor", args=["envoy"]))
    statements = html.split('id="statements-title"')[1].split("</section>")[0]
    assert "Words 1" not in statements
    assert statements.index("Words 2") < statements.index("Words 3")
    more = f"{negotiation.get_absolute_url()}?actor=envoy&amp;kind=statement#timeline-title"
    assert f'<a href="{more}">The talks</a>' in statements
    # The timeline filtered by that actor shows them all.
    timeline = get(client, html_lib.unescape(more))
    assert all(f"Words {n}" in timeline for n in (1, 2, 3))


def test_the_actor_filter_takes_an_actor_of_any_time(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.queries.FILTER_ACTORS_FROM", 2)
    early = factories.ActorFactory(name="Early speaker", slug="early-speaker")
    factories.StatementFactory(
        negotiation=negotiation, actor=early, text="Long ago", date="2020-01-01"
    )
    for day in (1, 2, 3):
        factories.EventFactory(negotiation=negotiation, date=f"2025-01-0{day}")
    url = negotiation.get_absolute_url()
    assert 'value="early-speaker"' not in get(client, url)  # only recent actors are offered
    html = get(client, url + "?actor=early-speaker")
    assert '<option value="early-speaker" selected>Early speaker</option>' in html
    assert "Long ago" in html


def test_the_proposal_page_pages_its_statements(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.proposals.PROPOSAL_STATEMENTS", 2)
    proposal = factories.ProposalFactory(negotiation=negotiation, date="2025-01-01")
    for n in range(1, 4):
        factories.StatementFactory(
            negotiation=negotiation,
            proposal=proposal,
            stance=Stance.SUPPORTS,
            text=f"View {n}",
            date=f"2025-01-0{n + 1}",
        )
    url = reverse("negotiations:proposal", args=[negotiation.slug, proposal.pk])
    html = get(client, url)
    said = html.split('id="statements-title"')[1].split("</section>")[0]
    assert "View 1" not in said and said.index("View 2") < said.index("View 3")
    html = get(client, url + link(said, "prev"))
    said = html.split('id="statements-title"')[1].split("</section>")[0]
    assert "View 1" in said and "View 2" not in said
    assert link(said, "next")


def test_positions_show_the_proposals_most_recently_discussed(client, negotiation, monkeypatch):
    monkeypatch.setattr("negotiations.reader.selectors.positions.POSITIONS_PROPOSALS", 1)
    actor = factories.ActorFactory(name="Envoy")
    old = factories.ProposalFactory(negotiation=negotiation, title="Old plan", date="2025-01-01")
    new = factories.ProposalFactory(negotiation=negotiation, title="New plan", date="2025-01-02")
    for proposal, day in [(old, "2025-01-03"), (new, "2025-01-04")]:
        factories.StatementFactory(
            negotiation=negotiation, actor=actor, proposal=proposal, stance=Stance.OPPOSES, date=day
        )
    html = get(client, reverse("negotiations:positions", args=[negotiation.slug]))
    table = html.split('<table class="positions">')[1]
    assert "New plan" in table and "Old plan" not in table
    assert "The proposals most recently taken a stance on" in html


def test_entries_link_to_their_permalink(client, negotiation, events, small_pages):
    html = get(client, negotiation.get_absolute_url())
    for entry in events[-PAGE:]:
        assert f'href="/negotiations/talks/?entry={entry.pk}#entry-{entry.pk}"' in html
    assert Entry.objects.filter(negotiation=negotiation).count() == 12
