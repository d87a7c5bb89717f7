"""Each entry's HTML fragment and API item are kept in the cache
(``negotiations.caching.fragments``): a page read again is one keyset query plus the cache,
and what an entry shows of other records, of the viewer and of the date is never served
stale."""

import datetime

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from negotiations.domain.entries import (
    add_correction,
    change_status,
    create_statement,
    save_entry,
    unpublish,
)
from negotiations.domain.records import delete_record, save_record
from negotiations.models import Entry, ProposalStatus, PublicationState, Stance
from negotiations.reader.selectors import actors, entries, timeline
from tests import factories
from tests.queries import is_the_stamp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def page(client, negotiation, query=""):
    response = client.get(reverse("negotiations:timeline", args=[negotiation.slug]) + query)
    assert response.status_code == 200
    return response.content.decode()


def api(client, negotiation, query=""):
    url = reverse("api:negotiation-timeline", args=[negotiation.pk]) + query
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()["results"]


def article(html, entry):
    """The entry's own fragment in a page (the panels may say the same words)."""
    start = html.index(f'id="entry-{entry.pk}"')
    return html[start : html.index("</article>", start)]


def reads(call):
    """The queries of ``call()`` but the reader version's (and the API's savepoints)."""
    with CaptureQueriesContext(connection) as captured:
        call()
    sql = [q["sql"] for q in captured.captured_queries]
    return [q for q in sql if not is_the_stamp(q) and "SAVEPOINT" not in q]


@pytest.fixture
def record(negotiation):
    speaker = factories.ActorFactory(name="Ana Speaker")
    plan = factories.ProposalFactory(negotiation=negotiation, title="The plan")
    factories.StatusChangeFactory(proposal=plan, status=ProposalStatus.PROPOSED)
    statement = factories.StatementFactory(negotiation=negotiation, actor=speaker)
    return {"speaker": speaker, "plan": plan, "statement": statement}


def test_another_address_showing_the_same_entries_renders_nothing(client, record, negotiation):
    """The entries' fragments, the page's sources (numbered for the page) and its picture
    come from the cache: the page is its keyset query alone (the stored response of this
    address is another's)."""
    page(client, negotiation)
    assert len(reads(lambda: page(client, negotiation, "?kind="))) == 1
    api(client, negotiation)
    assert len(reads(lambda: api(client, negotiation, "?page_size=49"))) == 1


def test_a_page_whose_entries_did_not_change_reads_no_entry(
    client, record, negotiation, monkeypatch
):
    """The page as put together — its eras with each entry's HTML and its sources; the API
    page's joined items — is kept under its entries' ids and versions: another address
    showing the same entries is one cache read, no entry's own fragment."""
    first_page, first_items = page(client, negotiation), api(client, negotiation)
    backend = caches["default"]  # the instance ``cache`` stands for
    asked, get_many = [], backend.get_many
    monkeypatch.setattr(
        backend, "get_many", lambda keys, *args: asked.extend(keys) or get_many(keys, *args)
    )
    again = page(client, negotiation, "?kind=")
    assert api(client, negotiation, "?page_size=50") == first_items
    assert not [key for key in asked if key.startswith("parley:entry:")]
    for entry in record.values():
        if isinstance(entry, Entry):
            assert article(again, entry) == article(first_page, entry)


def test_an_actors_new_name_shows_on_the_entries_naming_them(client, record, negotiation, editor):
    assert "Ana Speaker" in page(client, negotiation)
    speaker = record["speaker"]
    speaker.name = "Ana Minister"
    save_record(speaker, by=editor)  # moves no entry's version
    html = article(page(client, negotiation, "?kind="), record["statement"])
    assert "Ana Minister" in html and "Ana Speaker" not in html


def test_a_proposals_new_status_shows_on_its_entry(client, record, negotiation, editor):
    assert "status-proposed" in article(page(client, negotiation), record["plan"])
    change_status(
        proposal=record["plan"],
        status=ProposalStatus.REJECTED,
        date="2025-03-01",
        by=editor,
        published=True,
        sources=[factories.SourceFactory()],
    )
    assert "status-rejected" in article(page(client, negotiation), record["plan"])


def test_a_correction_shows_on_its_entry_page_and_api(client, record, negotiation, editor):
    page(client, negotiation)
    api(client, negotiation)
    add_correction(record["statement"], note="The quote was shortened.", by=editor)
    html = article(page(client, negotiation, "?kind="), record["statement"])
    assert "The quote was shortened." in html
    (item,) = [i for i in api(client, negotiation) if i["id"] == record["statement"].pk]
    assert [c["note"] for c in item["corrections"]] == ["The quote was shortened."]


def syndicated(client, negotiation, actor):
    """The negotiation's feed, the actor's feed and the TimelineJS export, as text."""
    urls = [
        reverse("negotiations:feed", args=[negotiation.slug]),
        reverse("negotiations:actor_feed", args=[actor.slug]),
        reverse("embed:timelinejs", args=[negotiation.slug]),
    ]
    return [client.get(url).content.decode() for url in urls]


def test_feeds_and_the_export_show_an_entrys_correction_and_a_new_name(
    client, record, negotiation, editor
):
    """They carry each entry's syndicated form from the cache: kept under the same key
    rule as the pages' fragments (``fragments.entry_key``)."""
    speaker = record["speaker"]
    assert all("Ana Speaker" in text for text in syndicated(client, negotiation, speaker))
    add_correction(record["statement"], note="The quote was shortened.", by=editor)
    speaker.name = "Ana Minister"
    save_record(speaker, by=editor)  # moves no entry's version
    for text in syndicated(client, negotiation, speaker):
        assert "The quote was shortened." in text
        assert "Ana Minister" in text and "Ana Speaker" not in text


def test_a_sources_new_title_shows_in_the_pages_sources(client, record, negotiation, editor):
    page(client, negotiation)
    source = record["statement"].sources.get()
    source.title = "A better headline"
    save_record(source, by=editor)  # moves no entry's version
    html = page(client, negotiation, "?kind=")
    foot = html[html.index('class="reference-list"') :]
    assert "A better headline" in foot[: foot.index("</ol>")]


def test_a_source_added_to_an_entry_shows_in_the_pages_sources(client, record, negotiation, editor):
    page(client, negotiation)
    statement = record["statement"]
    statement.sources.add(factories.SourceFactory(title="A second report"))
    save_entry(statement, by=editor)
    html = page(client, negotiation, "?kind=")
    assert "A second report" in article(html, statement)
    foot = html[html.index('class="reference-list"') :]
    assert "A second report" in foot[: foot.index("</ol>")]


def test_a_sources_new_title_shows_in_the_api(client, record, negotiation, editor):
    api(client, negotiation)
    source = record["statement"].sources.get()
    source.title = "A better headline"
    save_record(source, by=editor)
    (item,) = [i for i in api(client, negotiation) if i["id"] == record["statement"].pk]
    assert [s["title"] for s in item["sources"]] == ["A better headline"]


def test_overdue_moves_with_the_date(client, negotiation, time_machine):
    """Two minutes apart, well within what the cache keeps: only the day in the key
    tells the fragment of 2 March from the one of 3 March."""
    time_machine.move_to(datetime.datetime(2025, 3, 2, 23, 59, tzinfo=datetime.UTC), tick=False)
    expected = factories.ExpectationFactory(
        negotiation=negotiation, date="2025-02-23"
    )  # due 2 March
    assert "outcome-pending" in article(page(client, negotiation), expected)
    time_machine.move_to(datetime.datetime(2025, 3, 3, 0, 1, tzinfo=datetime.UTC), tick=False)
    assert "outcome-overdue" in article(page(client, negotiation, "?kind="), expected)


def test_previews_are_neither_kept_nor_served_from_what_readers_got(record, negotiation):
    staff = Client()
    staff.force_login(factories.journalist(username="previewer"))
    draft = factories.EventFactory(
        negotiation=negotiation, title="Not yet", state=PublicationState.DRAFT
    )
    assert "Not yet" not in page(Client(), negotiation)
    html = page(staff, negotiation)
    assert "Not yet" in html and "badge-draft" in html
    assert "Not yet" not in page(Client(), negotiation, "?kind=")
    # A draft's edit moves no reader version: the preview shows it at once.
    draft.title = "Not yet, renamed"
    save_entry(draft, by=None)
    assert "Not yet, renamed" in page(staff, negotiation)
    assert not any(i["id"] == draft.pk for i in api(Client(), negotiation))
    assert any(i["id"] == draft.pk for i in api(staff, negotiation))


def test_an_entry_cites_the_numbers_of_the_page_it_is_on(client, negotiation):
    """The timeline numbers its sources for the page (``timeline.page_sources``): an
    entry's cached fragment cites by mark, so a page that numbers differently never
    shows another page's numbers."""
    first_source = factories.SourceFactory(title="First report")
    second_source = factories.SourceFactory(title="Second report")
    factories.EventFactory(negotiation=negotiation, date="2025-02-01", sources=[first_source])
    statement = factories.StatementFactory(
        negotiation=negotiation, date="2025-02-02", sources=[second_source]
    )
    alone = page(client, negotiation, "?kind=statement")
    assert 'href="#ref-1"' in article(alone, statement)

    html = page(client, negotiation)
    assert 'href="#ref-2"' in article(html, statement)
    assert 'href="#ref-1"' not in article(html, statement)
    foot = html[html.index('id="ref-2"') :]
    assert "Second report" in foot[: foot.index("</li>")]


@pytest.fixture
def rendered(monkeypatch):
    """The ids of the entries the timeline and actor pages read and render (their cache
    misses)."""
    built = []
    listed_entries = timeline.listed_entries

    def spy(ids, user):
        built.extend(ids)
        return listed_entries(ids, user)

    monkeypatch.setattr(timeline, "listed_entries", spy)
    monkeypatch.setattr(actors, "listed_entries", spy)
    return built


def published_statement(negotiation, editor, text, date, source_title="A report"):
    """A statement an editor publishes at once, citing a new source."""
    return create_statement(
        negotiation=negotiation,
        actor=factories.ActorFactory(),
        text=text,
        date=date,
        by=editor,
        published=True,
        sources=[factories.SourceFactory(title=source_title)],
    )


def test_a_publication_renders_only_what_it_changed(client, record, negotiation, editor, rendered):
    """The first read after a publication renders the new entry alone: the entries
    whose text did not change keep their cached fragments (their key is their own
    versions, not the negotiation's), and so does the page's filter form."""
    page(client, negotiation)
    assert set(rendered) == {e.pk for e in Entry.objects.filter(negotiation=negotiation)}
    rendered.clear()
    new = published_statement(negotiation, editor, "A new word.", "2025-03-01")
    html = page(client, negotiation)
    assert rendered == [new.pk]
    assert "A new word." in article(html, new)


def test_a_proposals_new_title_shows_where_it_is_named(client, negotiation, editor):
    plan = factories.ProposalFactory(negotiation=negotiation, title="The plan")
    change = factories.StatusChangeFactory(proposal=plan, status=ProposalStatus.PROPOSED)
    about = factories.StatementFactory(
        negotiation=negotiation, proposal=plan, stance=Stance.SUPPORTS
    )
    html = page(client, negotiation)
    assert "The plan" in article(html, change) and "The plan" in article(html, about)
    plan.title = "The better plan"
    save_entry(plan, by=editor, correction_note="The title was wrong.")
    html = page(client, negotiation, "?kind=")
    assert "The better plan" in article(html, change)
    assert "The better plan" in article(html, about)


def test_a_proposals_page_follows_its_status_corrections_statements_and_successors(
    client, record, negotiation, editor
):
    """Its facts and status history are kept whole under its version and its successors'
    (``proposals.proposal_page``), its statements as the timeline's entries."""
    plan = record["plan"]
    url = reverse("negotiations:proposal", args=[negotiation.slug, plan.pk])
    assert "status-proposed" in client.get(url).content.decode()
    change_status(
        proposal=plan,
        status=ProposalStatus.REJECTED,
        date="2025-03-01",
        by=editor,
        published=True,
        sources=[factories.SourceFactory()],
    )
    add_correction(plan, note="The amount was misread.", by=editor)
    create_statement(
        negotiation=negotiation,
        actor=record["speaker"],
        text="We will not sign this plan.",
        date="2025-03-02",
        proposal=plan,
        stance=Stance.OPPOSES,
        by=editor,
        published=True,
        sources=[factories.SourceFactory()],
    )
    successor = factories.ProposalFactory(negotiation=negotiation, supersedes=plan, title="Plan B")
    html = client.get(url).content.decode()
    assert "status-rejected" in html and "The amount was misread." in html
    assert "We will not sign this plan." in html and "Plan B" in html
    successor.title = "Plan C"
    save_entry(successor, by=editor, correction_note="The title was wrong.")
    assert "Plan C" in client.get(url).content.decode()


def test_a_withdrawn_status_change_leaves_the_one_before(client, record, negotiation, editor):
    rejected = change_status(
        proposal=record["plan"],
        status=ProposalStatus.REJECTED,
        date="2025-03-01",
        by=editor,
        published=True,
        sources=[factories.SourceFactory()],
    )
    assert "status-rejected" in article(page(client, negotiation), record["plan"])
    delete_record(rejected, by=editor)
    assert "status-proposed" in article(page(client, negotiation, "?kind="), record["plan"])


def test_a_proposal_unpublished_is_no_longer_named(client, negotiation, editor):
    plan = factories.ProposalFactory(negotiation=negotiation, title="The plan")
    about = factories.StatementFactory(
        negotiation=negotiation, proposal=plan, stance=Stance.OPPOSES
    )
    assert "The plan" in article(page(client, negotiation), about)
    unpublish(plan, by=editor)
    assert "The plan" not in article(page(client, negotiation, "?kind="), about)


def test_a_sources_new_title_shows_on_the_page(client, record, negotiation, editor):
    page(client, negotiation)
    source = record["statement"].sources.get()
    source.title = "A better headline"
    save_record(source, by=editor)
    assert "A better headline" in article(page(client, negotiation, "?kind="), record["statement"])


def test_a_page_whose_window_moves_renumbers_without_rendering(
    client, negotiation, editor, rendered, monkeypatch
):
    """Cached entries cite their sources by mark; the page numbers them when it is put
    together (``timeline.numbered``): when a publication pushes the oldest entry off the
    latest page, every source is renumbered and only the new entry is rendered."""
    monkeypatch.setattr(timeline, "TIMELINE_PAGE", 3)
    events = [
        factories.EventFactory(
            negotiation=negotiation,
            date=f"2025-02-0{day}",
            sources=[factories.SourceFactory(title=f"Report {day}")],
        )
        for day in (1, 2, 3)
    ]
    html = page(client, negotiation)
    assert 'href="#ref-2"' in article(html, events[1])
    rendered.clear()
    new = published_statement(negotiation, editor, "The latest word.", "2025-02-04", "Report 4")
    html = page(client, negotiation)
    assert rendered == [new.pk]
    assert f'id="entry-{events[0].pk}"' not in html
    assert 'href="#ref-1"' in article(html, events[1])
    assert 'href="#ref-3"' in article(html, new)
    assert "<!--cite:" not in html
    foot = html[html.index('id="ref-1"') :]
    assert "Report 2" in foot[: foot.index("</li>")]


def actor_page(client, actor):
    response = client.get(reverse("negotiations:actor", args=[actor.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_actors_page_lists_the_timeline_s_fragments_naming_their_negotiation(
    client, record, negotiation, editor, rendered
):
    """An actor's page lists the entries the timelines cached (``actors.actor_page``),
    each naming its negotiation as it is called now and citing the page's numbers."""
    speaker, statement = record["speaker"], record["statement"]
    elsewhere = factories.StatementFactory(
        negotiation=factories.NegotiationFactory(title="Other talks"),
        actor=speaker,
        date="2025-01-01",
        sources=[factories.SourceFactory(title="Older report")],
    )
    timeline_html = page(client, negotiation)
    rendered.clear()
    html = actor_page(client, speaker)
    assert rendered == [elsewhere.pk]  # the other entry came from the timeline's cache
    assert "entry-negotiation" not in article(timeline_html, statement)
    assert "<!--" not in timeline_html + html
    assert 'class="entry-negotiation">in <a' in article(html, elsewhere)
    assert "Other talks</a>" in article(html, elsewhere)
    ours = article(html, statement)
    assert f"{negotiation.title}</a>" in ours and 'href="#ref-2"' in ours
    foot = html[html.index('id="ref-2"') :]
    assert statement.sources.get().title in foot[: foot.index("</li>")]

    negotiation.title = "The renamed talks"
    save_record(negotiation, by=editor)
    assert "The renamed talks</a>" in article(actor_page(client, speaker), statement)


def test_an_actors_page_after_a_publication_elsewhere_reads_none_of_its_entries(
    client, record, editor, monkeypatch
):
    """Its sections are kept whole under their entries' ids and versions and the
    negotiations' names (``actors.actor_page``): a publication in another negotiation
    moves the site stamp its stored copy is keyed on, and the page is put together again
    from that one cache read."""
    speaker = record["speaker"]
    actor_page(client, speaker)
    published_statement(factories.NegotiationFactory(), editor, "Elsewhere.", "2025-03-01")
    backend = caches["default"]
    asked, get_many, section_rows = [], backend.get_many, actors.section_rows
    monkeypatch.setattr(
        backend, "get_many", lambda keys, *args: asked.extend(keys) or get_many(keys, *args)
    )
    monkeypatch.setattr(
        actors, "section_rows", lambda *args: asked.append("sections") or section_rows(*args)
    )
    assert "Statement number" in actor_page(client, speaker)
    assert "sections" in asked  # built again, not its stored copy
    assert not [key for key in asked if key.startswith("parley:entry:")]


def test_an_actors_stances_follow_the_proposals_they_name(client, negotiation, editor):
    """The rows of an actor's stances are kept with each statement's fragment
    (``ListedEntry.stance``), under the key the proposal's new title moves."""
    speaker = factories.ActorFactory(name="Ana Speaker")
    plan = factories.ProposalFactory(negotiation=negotiation, title="The plan")
    factories.StatementFactory(
        negotiation=negotiation, actor=speaker, proposal=plan, stance=Stance.OPPOSES
    )

    def stances():
        html = actor_page(client, speaker)
        return html[html.index('id="stances-title"') : html.index('id="statements-title"')]

    assert "The plan" in stances() and "Opposes" in stances()
    plan.title = "The better plan"
    save_entry(plan, by=editor, correction_note="The title was wrong.")
    assert "The better plan" in stances()


def panel(html, name):
    start = html.index(f'<section class="{name}"')
    return html[start : html.index("</section>", start)]


def test_the_panels_follow_what_they_show(client, negotiation, editor):
    """The amounts are kept under their proposals' versions (``amount_spine``) as well
    as the negotiation's, where things stand under the negotiation's: a status change and
    a proposer's new name show in both."""
    proposer = factories.ActorFactory(name="Old Name")
    plan = factories.ProposalFactory(
        negotiation=negotiation, title="The plan", proposed_by=proposer, amount=5, currency="USD"
    )
    assert "The plan" in panel(page(client, negotiation), "standing")
    proposer.name = "New Name"
    save_record(proposer, by=editor)
    assert "proposed by New Name" in panel(page(client, negotiation), "standing")
    change_status(
        proposal=plan,
        status=ProposalStatus.WITHDRAWN,
        date="2025-03-01",
        by=editor,
        published=True,
        sources=[factories.SourceFactory()],
    )
    html = page(client, negotiation)
    assert "The plan" not in panel(html, "standing")
    assert "Withdrawn" in html[html.index("chart-figure-amounts") :]


def test_after_a_quiet_while_only_what_each_address_gets_is_rendered_again(
    client, negotiation, record, monkeypatch
):
    """What each address gets (the stored page, the page as put together, its lanes
    picture) is kept ``STORE_SECONDS``; what the record decides (each entry, the panels,
    the filter form, the amounts pictures) until midnight."""
    names, render = [], entries.render_to_string
    monkeypatch.setattr(
        entries,
        "render_to_string",
        lambda name, *a, **k: names.append(name) or render(name, *a, **k),
    )
    noon = datetime.datetime(2027, 1, 15, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(noon, tick=False):
        first = page(client, negotiation)
    assert {"negotiations/timeline.html#filters", "negotiations/timeline.html#amounts"} <= set(
        names
    )
    names.clear()
    with time_machine.travel(noon + datetime.timedelta(minutes=11), tick=False):
        assert page(client, negotiation) == first
    assert "negotiations/timeline.html#eras" in names  # the page was put together again
    assert not {name for name in names if name.endswith(("#filters", "#amounts", "#entry"))}
