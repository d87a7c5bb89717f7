"""Every reader output costs the same number of queries for 1 and for 6 rounds of entries."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from negotiations.domain.entries import create_statement
from negotiations.reader.selectors.negotiation import open_proposals
from tests import factories
from tests.queries import is_the_stamp

from .conftest import grow, page_urls
from .test_edge import run_due_tasks

pytestmark = pytest.mark.django_db

OUTPUTS = list(
    page_urls(
        factories.NegotiationFactory.build(slug="x"),
        proposal=factories.ProposalFactory.build(pk=1),
        actor=factories.ActorFactory.build(slug="x"),
    )
)


def count(client, url):
    """Queries of a first visit (nothing kept from an earlier request)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("output", OUTPUTS)
def test_same_number_of_queries_at_two_sizes(client, negotiation, output):
    first = grow(negotiation, 1)[0]
    party = negotiation.parties.order_by("pk").first()
    url = page_urls(negotiation, proposal=first, actor=party)[output]
    small = count(client, url)
    grow(negotiation, 5)
    assert negotiation.entries.count() == 6 * 6
    large = count(client, url)
    assert large == small, f"{output}: {small} queries for 6 entries, {large} for 36"
    # Up to 30: the side column of a negotiation's pages reads what comes next (once per
    # reader version and day, kept with the header).
    assert small <= 30, f"{output}: {small} queries"


@pytest.mark.parametrize("output", OUTPUTS)
def test_every_output_is_read_outside_a_transaction(client, negotiation, output):
    """Outside a test's transaction a BEGIN and a COMMIT (its SAVEPOINT and RELEASE here):
    two round trips a read does not need (``reader_http.read_only``)."""
    first = grow(negotiation, 1)[0]
    party = negotiation.parties.order_by("pk").first()
    url = page_urls(negotiation, proposal=first, actor=party)[output]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert not [q for q in captured.captured_queries if "SAVEPOINT" in q["sql"]]
    assert client.post(url).status_code == 405


NOON = datetime.datetime(2027, 1, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize("since", ["another address was read", "a quiet while"])
@pytest.mark.parametrize("address", ["timeline", "timeline-earlier", "timeline-kind-words"])
def test_a_timeline_page_not_stored_costs_five_queries_besides_the_stamp(
    client, negotiation, address, since
):
    """What every address of the timeline shows alike (the negotiation, its header and
    panels) is kept once read, with each entry's fragment, until midnight (what each
    address gets: ``STORE_SECONDS``): an address read for the first time, or again after
    a quiet while, reads its own entries only — the page's ids and versions, then those
    not kept yet (``negotiations.caching.fragments``): their rows, sources, addressees
    and participants, corrections, status trails with the proposals they may name —
    whatever the size. The reader version is one indexed read on top. An actor filter
    adds two small reads (who speaks for the actor; the latest ids of each way it takes
    part, the proposals and events listing it among them), covered by the test above."""
    quiet = since == "a quiet while"

    def queries(urls):
        urls["timeline-kind-words"] = f"{urls['timeline']}?kind=statement&from=2025&q=Statement"
        cache.clear()
        with time_machine.travel(NOON, tick=False):
            assert client.get(urls[address if quiet else "timeline-permalink"]).status_code == 200
        later = NOON + datetime.timedelta(minutes=11 if quiet else 0)
        with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as captured:
            assert client.get(urls[address]).status_code == 200
        return [q["sql"] for q in captured.captured_queries if not is_the_stamp(q["sql"])]

    first = grow(negotiation, 1)[0]
    party = negotiation.parties.order_by("pk").first()
    small = queries(page_urls(negotiation, proposal=first, actor=party))
    grow(negotiation, 5)
    large = queries(page_urls(negotiation, proposal=first, actor=party))
    assert len(small) == len(large) <= 5, "\n".join(large)


def test_the_first_read_after_a_publication_reads_the_new_entry_alone(client, negotiation):
    """A publication moves the reader version: the stored page and what every page
    shares (the header, the panels) are read again, and of the entries only the new one
    (the others keep their fragments: ``negotiations.caching.fragments``), whatever the
    size of the record."""
    editor = factories.editor(username="publisher")

    def queries(number):
        cache.clear()
        url = negotiation.get_absolute_url()
        assert client.get(url).status_code == 200
        create_statement(
            negotiation=negotiation,
            actor=negotiation.parties.order_by("pk").first(),
            text=f"News number {number}.",
            date="2025-12-31",
            by=editor,
            published=True,
            sources=[factories.SourceFactory()],
        )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert f"News number {number}." in response.content.decode()
        return [q["sql"] for q in captured.captured_queries]

    grow(negotiation, 1)
    small = queries(1)
    grow(negotiation, 5)
    large = queries(2)
    assert len(small) == len(large) <= 21, "\n".join(large)


# What a first read after a publication asks, once the worker has built (the stamp
# aside): five queries at most, every output alike.
AFTER_THE_WORKER = 5


@pytest.mark.parametrize("output", OUTPUTS)
def test_after_a_publication_and_its_build_a_first_read_costs_five_queries(
    client, negotiation, output, django_capture_on_commit_callbacks
):
    """A publication builds what a negotiation's pages share and its latest timeline page,
    the worker the entries of its feed and export (``caching.publication``); every other entry
    keeps its forms: a first read after a publication asks for its own selection, not
    its entries, whatever the size of the record."""
    editor = factories.editor(username="publisher")

    def queries(number):
        url = page_urls(negotiation, proposal=first, actor=party)[output]
        cache.clear()
        assert client.get(url).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            create_statement(
                negotiation=negotiation,
                actor=party,
                text=f"News number {number}.",
                date="2025-12-31",
                by=editor,
                published=True,
                sources=[factories.SourceFactory()],
            )
        assert [name for name, _ in run_due_tasks()] == ["build_other_outputs"]
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in captured.captured_queries if not is_the_stamp(q["sql"])]

    first = grow(negotiation, 1)[0]
    party = negotiation.parties.order_by("pk").first()
    small = queries(1)
    grow(negotiation, 5)
    large = queries(2)
    assert len(small) == len(large), "\n".join(large)
    assert len(large) <= AFTER_THE_WORKER, "\n".join(large)


@pytest.mark.parametrize("output", ["timeline", "proposal", "actor", "changes"])
def test_staff_previews_also_cost_the_same_at_two_sizes(staff_client, negotiation, output):
    first = grow(negotiation, 1)[0]
    party = negotiation.parties.order_by("pk").first()
    url = page_urls(negotiation, proposal=first, actor=party)[output]
    small = count(staff_client, url)
    grow(negotiation, 5)
    assert count(staff_client, url) == small


def test_a_timeline_page_reads_its_entries_once(staff_client, negotiation, monkeypatch):
    """The eras and the lanes picture both draw from the page's entries: a preview (nothing
    cached) and a first read read them once (``timeline_page``)."""
    from negotiations.reader.selectors import timeline

    grow(negotiation, 2)
    calls, listed_entries = [], timeline.listed_entries
    monkeypatch.setattr(
        timeline, "listed_entries", lambda *args: calls.append(1) or listed_entries(*args)
    )
    for client in (staff_client, Client()):
        calls.clear()
        count(client, negotiation.get_absolute_url())
        assert len(calls) == 1


def test_a_page_built_whole_reads_the_parties_once(staff_client, negotiation):
    """The page and its header both show the parties: a preview (nothing kept) reads them
    once, and so does a first read."""
    grow(negotiation, 1)
    parties = 'INNER JOIN "negotiations_negotiation_parties"'
    for client in (staff_client, Client()):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(negotiation.get_absolute_url()).status_code == 200
        read = [q["sql"] for q in captured.captured_queries if parties in q["sql"]]
        assert len(read) == 1, "\n".join(read)


@pytest.fixture
def cut_lists(monkeypatch):
    """Every list shorter than what the data holds: the pages read their windows."""
    from negotiations.reader import exports, feeds, views

    for module, names in {
        "negotiation": ["STANDING_LIMIT", "EXPECTATIONS_READ"],
        "next": ["NEXT_LIMIT", "CALENDAR_UPCOMING", "CALENDAR_RECENT"],
        "timeline": ["CORRECTIONS_ON_TIMELINE", "CORRECTIONS_PAGE", "AMOUNTS_LIMIT"],
        "changes": ["CHANGES_LIMIT"],
        "positions": ["POSITIONS_PROPOSALS", "POSITIONS_ACTORS"],
        "actors": ["ACTOR_SECTION"],
        "proposals": ["PROPOSAL_STATEMENTS", "PROPOSAL_TRAIL", "PROPOSAL_SUCCESSORS"],
        "queries": ["FILTER_ACTORS_FROM"],
    }.items():
        for name in names:
            monkeypatch.setattr(f"negotiations.reader.selectors.{module}.{name}", 1)
    # The views pass these limits on, read where the selectors keep them.
    for name in ["CORRECTIONS_PAGE", "CHANGES_LIMIT", "ACTOR_SECTION"]:
        monkeypatch.setattr(views, name, 1)
    monkeypatch.setattr("negotiations.reader.selectors.timeline.TIMELINE_PAGE", 3)
    # A round of ``grow`` is six entries: every kind (and so every prefetch) is in a
    # feed's window at both sizes, whoever's feed it is.
    monkeypatch.setattr(feeds, "FEED_SIZE", 6)
    monkeypatch.setattr(exports, "EXPORT_SIZE", 2)
    monkeypatch.setattr(views, "EMBED_ENTRY_LIMIT", 2)


@pytest.mark.parametrize("output", OUTPUTS)
def test_same_number_of_queries_when_every_list_is_cut(client, negotiation, cut_lists, output):
    first = grow(negotiation, 2)[0]
    party = negotiation.parties.order_by("pk").first()
    url = page_urls(negotiation, proposal=first, actor=party)[output]
    small = count(client, url)
    grow(negotiation, 5)
    large = count(client, url)
    assert large == small, f"{output}: {small} queries for 12 entries, {large} for 42"


def test_the_lanes_picture_reads_the_timeline_s_latest_page(client, negotiation):
    """The picture draws the latest page's entries from where the page reads them: once
    the timeline was read (or the worker built it), the keyset alone, whatever the size."""

    def queries():
        cache.clear()
        assert client.get(negotiation.get_absolute_url()).status_code == 200
        url = page_urls(negotiation, proposal=first, actor=party)["lanes-svg"]
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in captured.captured_queries if not is_the_stamp(q["sql"])]

    first = grow(negotiation, 1)[0]
    party = negotiation.parties.order_by("pk").first()
    small = queries()
    grow(negotiation, 5)
    large = queries()
    assert len(small) == len(large) == 1, "\n".join(large)


def subquery_filters(plan):
    """The table each scan that filters on a subquery reads, in an EXPLAIN's text."""
    scanned, filtering = None, []
    for line in plan.splitlines():
        if " Scan " in line and " on " in line:
            scanned = line.split(" on ")[1].split()[0]
        elif line.strip().startswith("Filter:") and "SubPlan" in line:
            filtering.append(scanned)
    return filtering


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_where_things_stand_walks_the_entries_not_every_proposal(negotiation):
    """Filtered on the proposals' table, the open rule (a subquery per row) could be read
    for every proposal before the join: on 20,000 entries PostgreSQL did (50 ms, not 2)."""
    for day in range(1, 4):
        factories.ProposalFactory(negotiation=negotiation, date=f"2025-01-0{day}")
    plan = open_proposals(negotiation, None, 2).explain()
    assert subquery_filters(plan) == ["negotiations_entry"], plan
