"""Hidden work leaves no trace readers can see.

Every reader output — pages, feeds, the calendar, pictures, embeds and their export,
API lists and details, the changes feed, the home page, search — is read anonymously
before and after a journalist's draft, an entry sent for review, an editor's embargoed
entry and a journalist's pending revision of a live entry: the bodies are the same
bytes (so the same ids in the same order, no text, no source), and so are the ETag and
Last-Modified.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import save_entry
from negotiations.domain.records import get_or_create_source
from negotiations.models import PublicationState, Revision, Statement
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC)
SECRETS = ("SECRET-DRAFT", "SECRET-REVIEW", "SECRET-EMBARGO", "SECRET-REVISION")
SECRET_SOURCES = [f"https://hidden.example.org/{word.lower()}" for word in SECRETS]
HEADERS = ("ETag", "Last-Modified", "Content-Type")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def story(frozen, negotiation):
    """A small record readers see: a proposal with a status change, a statement, an event,
    an expectation, a party."""
    speaker = factories.ActorFactory(name="Minister Smith", slug="smith")
    negotiation.parties.add(speaker)
    plan = factories.ProposalFactory(
        negotiation=negotiation,
        title="Ceasefire plan",
        proposed_by=speaker,
        date="2025-02-20",
        amount=Decimal("1000000"),
        currency="USD",
    )
    factories.StatusChangeFactory(proposal=plan, date="2025-02-21")
    statement = factories.StatementFactory(
        negotiation=negotiation, actor=speaker, text="We want peace.", date="2025-02-22"
    )
    factories.EventFactory(negotiation=negotiation, title="Talks in Geneva", date="2025-03-20")
    factories.ExpectationFactory(negotiation=negotiation, actor=speaker, date="2025-02-23")
    return {"speaker": speaker, "plan": plan, "statement": statement}


def reader_addresses(negotiation, story):
    slug, speaker, plan = negotiation.slug, story["speaker"], story["plan"]
    page = f"/negotiations/{slug}/"
    api = "/api/v1/"
    addresses = [
        "/",
        page,
        f"{page}?q=SECRET",
        f"{page}?kind=statement",
        f"{page}changes/",
        f"{page}changes/?since=2025-01-01",
        f"{page}next/",
        f"{page}positions/",
        f"{page}corrections/",
        f"{page}proposals/{plan.pk}/",
        f"{page}feed/",
        f"{page}calendar.ics",
        f"{page}pictures/lanes.svg",
        f"{page}pictures/amounts.svg",
        f"/actors/{speaker.slug}/",
        f"/actors/{speaker.slug}/feed/",
        f"/embed/negotiations/{slug}/",
        f"/embed/negotiations/{slug}/timeline.json",
        f"{api}negotiations/",
        f"{api}negotiations/{negotiation.pk}/",
        f"{api}negotiations/{negotiation.pk}/timeline/",
        f"{api}negotiations/{negotiation.pk}/timeline/?q=SECRET",
        f"{api}actors/",
        f"{api}actors/{speaker.pk}/",
        f"{api}sources/",
        f"{api}sources/?search=hidden",
        f"{api}changes/",
        f"{api}statements/{story['statement'].pk}/",
    ]
    for route in ("proposals", "status-changes", "statements", "events", "expectations"):
        addresses += [f"{api}{route}/", f"{api}{route}/?q=SECRET"]
    return addresses


def read_everything(addresses):
    cache.clear()  # rendered afresh, not served from what was stored before
    reader = Client()
    found = {}
    for address in addresses:
        response = reader.get(address)
        assert response.status_code in (200, 400), (address, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = {name: response.get(name) for name in HEADERS}
        found[address] = (response.status_code, body, headers)
    return found


def do_hidden_work(negotiation, story, journalist, editor):
    speaker = story["speaker"]
    sources = [
        get_or_create_source(url=url, title=f"Hidden {n}", by=journalist)
        for n, url in enumerate(SECRET_SOURCES)
    ]
    draft = Statement(negotiation=negotiation, actor=speaker, text="SECRET-DRAFT words")
    draft.date = "2025-02-24"
    save_entry(draft, by=journalist, sources=[sources[0]])

    review = Statement(negotiation=negotiation, actor=speaker, text="SECRET-REVIEW words")
    review.date = "2025-02-25"
    review.state = PublicationState.REVIEW
    save_entry(review, by=journalist, sources=[sources[1]])

    embargoed = Statement(negotiation=negotiation, actor=speaker, text="SECRET-EMBARGO words")
    embargoed.date = "2025-02-26"
    embargoed.state = PublicationState.PUBLISHED
    embargoed.publish_at = NOW + datetime.timedelta(days=2)
    save_entry(embargoed, by=editor, sources=[sources[2]])

    live = Statement.objects.get(pk=story["statement"].pk)
    live.text = "SECRET-REVISION words"
    revision = save_entry(live, by=journalist, sources=[sources[3]])
    assert isinstance(revision, Revision)
    return [draft, review, embargoed]


def test_hidden_work_leaves_no_trace_in_any_reader_output(negotiation, story, journalist, editor):
    addresses = reader_addresses(negotiation, story)
    before = read_everything(addresses)
    hidden = do_hidden_work(negotiation, story, journalist, editor)
    after = read_everything(addresses)

    for address in addresses:
        status, body, headers = after[address]
        assert (status, headers) == before[address][::2], address
        assert body == before[address][1], address
        for secret in (*SECRETS, *SECRET_SOURCES):
            assert secret.encode() not in body, (address, secret)

    # Nor at their own addresses.
    reader = Client()
    for entry in hidden:
        assert reader.get(f"/api/v1/statements/{entry.pk}/").status_code == 404
    source_ids = [get_or_create_source(url=url).pk for url in SECRET_SOURCES]
    for pk in source_ids:
        assert reader.get(f"/api/v1/sources/{pk}/").status_code == 404


def test_the_same_outputs_show_the_embargoed_entry_once_it_is_lifted(
    negotiation, story, journalist, editor
):
    """The walk above sees what it should: lifting the embargo changes the outputs."""
    addresses = reader_addresses(negotiation, story)
    do_hidden_work(negotiation, story, journalist, editor)
    before = read_everything(addresses)
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        lift_due_embargoes()
        after = read_everything(addresses)
    page = f"/negotiations/{negotiation.slug}/"
    assert b"SECRET-EMBARGO" in after[page][1]
    assert after[page][2]["ETag"] != before[page][2]["ETag"]
    assert b"hidden.example.org/secret-embargo" in after["/api/v1/sources/"][1]
    for secret in ("SECRET-DRAFT", "SECRET-REVIEW", "SECRET-REVISION"):
        assert all(secret.encode() not in body for _, body, _ in after.values())
