"""The timeline page: where things stand, entries by era and date, each kind, sources."""

import re

import pytest
from django.urls import reverse

from negotiations.domain.entries import add_correction
from negotiations.domain.records import save_record
from negotiations.models import Entry, Negotiation, Statement
from tests import factories

pytestmark = pytest.mark.django_db


def text_of(response):
    """The page as a reader reads it: tags removed, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("&#x27;", "'")
    return re.sub(r" ([,.;:])", r"\1", text)


def section(response, element_id):
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def page(client, demo):
    return client.get(demo.get_absolute_url())


def test_the_demo_timeline_shows_quotes_speakers_and_sources(page):
    assert page.status_code == 200
    text = text_of(page)
    assert "“That will be paid off by ten generations of Ukrainians.”" in text
    assert "— Volodymyr Zelenskyy, President of Ukraine" in text
    assert "Direct quote" in text and "Paraphrase" in text
    assert "Written document or post" in text
    html = page.content.decode()
    # The one source is listed once, numbered, at the foot; each card cites it.
    assert html.count('href="https://apnews.com/article/ukraine-us-minerals-deal') == 1
    assert html.count('<a href="#ref-1" class="cite">[1]') == 17
    assert '<li id="ref-1" value="1"><a href="https://apnews.com/article/' in html
    assert "Associated Press, 25 February 2025" in text


def test_partial_dates_are_written_as_people_write_them(page):
    html = page.content.decode()
    assert '<time datetime="2025-02">February 2025</time>' in html
    assert '<time datetime="2024">2024</time>' in html
    assert '<time datetime="2025-02-23">23 February 2025</time>' in html


def test_each_kind_is_drawn_its_own_way(page):
    html = page.content.decode()
    for kind in ["proposal", "status_change", "statement", "event", "expectation"]:
        assert f'class="entry kind-{kind}' in html
    text = text_of(page)
    # A status change reads "X → Y" (and "X changed to Y" to a screen reader); the first
    # status of each of the two proposals has no "X".
    assert re.search(
        r'<span class="status">Rejected</span>\s*<span aria-hidden="true">→</span>'
        r'<span class="visually-hidden">changed to</span>\s*<span class="status[^"]*">Withdrawn',
        html,
    )
    assert html.count('<span aria-hidden="true">→</span>') == 2
    assert "$500 billion" in text  # the proposal with its amount
    assert "Steve Witkoff expects: A deal on Ukraine's mineral resources" in text
    assert "Due 2 March 2025 · Overdue" in text  # the expectation with its progress
    assert "Opposes U.S. demand: $500 billion in mineral profits" in text  # a stance


def test_key_entries_are_marked_in_words_not_only_colour(page):
    assert page.content.decode().count('<span class="badge badge-key">Key entry</span>') == 3


def test_every_entry_has_a_permalink_anchor(page, demo):
    html = page.content.decode()
    for entry in Entry.objects.filter(negotiation=demo):
        assert f'id="entry-{entry.pk}"' in html
        # The page that starts with the entry, wherever later entries push it.
        assert f'href="/negotiations/{demo.slug}/?entry={entry.pk}#entry-{entry.pk}"' in html


def test_phases_are_shown_as_eras_in_order(page):
    titles = re.findall(r'<h3 class="era-title" id="era-\d+">([^<]+)', page.content.decode())
    # "2024" lies within "Ukraine's offer", "February 2025" within "The $500 billion
    # demand"; "2025" overlaps the last two: placed before the first of them.
    assert [t.strip() for t in titles] == [
        "Earlier",
        "Ukraine&#x27;s offer",
        "Dated only roughly",
        "The $500 billion demand",
        "Closing in on a deal",
    ]


def test_where_things_stand(page):
    standing = section(page, "standing-title")
    assert "Minerals partnership to strengthen Kyiv" in standing
    assert '<span class="status status-proposed">Proposed</span> since' in standing
    # The $500 billion demand was withdrawn: it is no longer on the table.
    assert "U.S. demand" not in standing
    assert "Steve Witkoff expects" in standing
    assert '<time datetime="2025-03-02">2 March 2025</time>' in standing
    assert "Overdue" in standing


def test_corrections_are_shown_on_the_entry_and_in_the_log(client, demo):
    statement = Statement.objects.get(negotiation=demo, actor__slug="andriy-yermak")
    add_correction(
        statement, note="The quote was attributed to the wrong official.", by=factories.editor()
    )
    response = client.get(demo.get_absolute_url())
    entry = response.content.decode().split(f'id="entry-{statement.pk}"')[1].split("</article>")[0]
    assert "Corrected on" in entry and "The quote was attributed to the wrong official." in entry
    log = section(response, "corrections-title")
    assert "The quote was attributed to the wrong official." in log
    assert f"#entry-{statement.pk}" in log


def test_no_corrections_says_so(page):
    assert "No corrections so far." in section(page, "corrections-title")


def test_feed_and_calendar_are_advertised(page, demo):
    html = page.content.decode()
    head = html.split("</head>")[0]
    feed = reverse("negotiations:feed", args=[demo.slug])
    calendar = reverse("negotiations:calendar", args=[demo.slug])
    assert '<link rel="alternate" type="application/atom+xml"' in head and feed in head
    body = html.split("<body>")[1]
    assert f'<a href="{calendar}" type="text/calendar">Calendar (.ics)</a>' in body


def test_an_unknown_negotiation_is_a_404(client, db):
    assert client.get("/negotiations/nothing-here/").status_code == 404


def test_an_empty_negotiation_says_so(client, negotiation):
    response = client.get(negotiation.get_absolute_url())
    assert response.status_code == 200
    assert "No entries yet." in text_of(response)
    assert "No proposal is on the table." in text_of(response)


def test_home_lists_negotiations_with_state_latest_change_and_update(client, demo):
    factories.NegotiationFactory(title="Other talks", status=Negotiation.Status.STALLED)
    response = client.get("/")
    text = text_of(response)
    assert "US–Ukraine minerals deal" in text and "Other talks" in text
    assert "Active" in text and "Stalled" in text
    assert "entries" not in text  # not counted: a count costs a read of every entry
    # The latest key developments, newest first, and when the story last moved.
    assert "23 Feb 2025 — Steve Witkoff expects" in text
    assert "23 Feb 2025 — U.S. demand: $500 billion in mineral profits: withdrawn" in text
    assert "Last updated 23 February 2025" in text
    assert "Record last edited" in text  # the other negotiation has no development yet


def test_what_every_page_shows_alike_follows_each_write(client, demo):
    """Where things stand, the amounts and the corrections log are rendered once per
    change and shared by every address of the timeline: a write shows on the next."""
    url = demo.get_absolute_url()
    before = client.get(f"{url}?kind=statement")
    assert "A fresh offer" not in section(before, "standing-title")
    factories.ProposalFactory(
        negotiation=demo, title="A fresh offer", amount=7_000_000_000, currency="USD"
    )
    statement = Statement.objects.filter(negotiation=demo).first()
    add_correction(statement, note="A name was misspelt.", by=factories.editor())
    after = client.get(f"{url}?kind=event")  # another address: the panels are shared
    assert "A fresh offer" in section(after, "standing-title")
    assert "A name was misspelt." in section(after, "corrections-title")
    assert "A fresh offer" in section(after, "pictures-title")  # the amounts' table


def test_previews_and_readers_never_share_what_every_page_shows(client, staff_client, demo):
    factories.ProposalFactory(negotiation=demo, title="A draft offer", state="draft")
    url = demo.get_absolute_url()
    assert "A draft offer" not in section(client.get(url), "standing-title")
    assert "A draft offer" in section(staff_client.get(f"{url}?kind=event"), "standing-title")
    assert "A draft offer" not in section(client.get(f"{url}?kind=event"), "standing-title")


def test_addressees_and_participants_belong_to_their_own_entries(client, negotiation):
    """Read in one query for both kinds, each entry keeps its own, by name."""
    ann, bob, cem = (factories.ActorFactory(name=name) for name in ("Ann", "Bob", "Cem"))
    offer = factories.ProposalFactory(
        negotiation=negotiation, date="2025-02-01", addressed_to=[bob]
    )
    other = factories.ProposalFactory(
        negotiation=negotiation, date="2025-02-02", addressed_to=[cem, ann]
    )
    meeting = factories.EventFactory(negotiation=negotiation, date="2025-02-03", actors=[cem, bob])
    html = client.get(negotiation.get_absolute_url()).content.decode()

    def names(entry):
        article = html.split(f'id="entry-{entry.pk}"')[1].split("</article>")[0]
        return re.findall(r'<a href="/actors/[^"]+/">([^<]+)</a>', article)

    assert names(offer)[-1:] == ["Bob"]
    assert names(other)[-2:] == ["Ann", "Cem"]
    assert names(meeting) == ["Bob", "Cem"]


def test_a_renamed_negotiation_moves_to_its_new_address(client, demo, editor):
    old = demo.get_absolute_url()
    assert client.get(old).status_code == 200
    demo.slug = "minerals-talks"
    save_record(demo, by=editor)
    assert client.get("/negotiations/minerals-talks/").status_code == 200
    assert client.get(old).status_code == 404  # not the copy kept under the new stamp


def test_an_event_time_is_shown_with_its_time_zone(client, negotiation):
    import datetime

    from tests import factories

    factories.EventFactory(
        negotiation=negotiation,
        date="2025-02-23",
        title="Forum in Kyiv",
        time=datetime.time(14, 30),
        timezone="Europe/Kyiv",
    )
    factories.EventFactory(
        negotiation=negotiation, date="2025-02-24", title="Call", time=datetime.time(9, 0)
    )
    html = client.get(negotiation.get_absolute_url()).content.decode()
    assert (
        '<time class="entry-time" datetime="2025-02-23T14:30:00+02:00">14:30 EET (Europe/Kyiv)'
        "</time>" in html
    )
    # No zone given: the site's (UTC), said all the same.
    assert '<time class="entry-time" datetime="2025-02-24T09:00:00+00:00">09:00 UTC</time>' in html


def test_sources_are_numbered_once_per_page_in_order_of_citation(client, negotiation):
    from tests import factories

    first = factories.SourceFactory(title="First report")
    second = factories.SourceFactory(title="Second report")
    older = factories.EventFactory(negotiation=negotiation, date="2025-01-01", title="Older")
    older.sources.set([first])
    newer = factories.EventFactory(negotiation=negotiation, date="2025-01-02", title="Newer")
    newer.sources.set([second, first])
    html = client.get(negotiation.get_absolute_url()).content.decode()
    references = html.split('id="references-title"')[1]
    assert references.index("First report") < references.index("Second report")
    assert html.count(">First report</a>") == 1 and html.count(">Second report</a>") == 1
    newer_card = html.split(f'id="entry-{newer.pk}"')[1].split("</article>")[0]
    assert '<a href="#ref-1" class="cite">[1]' in newer_card
    assert '<a href="#ref-2" class="cite">[2]' in newer_card
    # Feeds keep the full source line under each entry.
    feed = client.get(negotiation.get_absolute_url() + "feed/").content.decode()
    assert feed.count("Second report") >= 1
