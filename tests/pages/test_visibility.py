"""Drafts never reach anonymous readers: not in pages, feeds, .ics, embeds, exports,
pictures or counts. Staff may preview them, marked as such and private."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.models import ProposalStatus, PublicationState, Stance
from tests import factories

from .conftest import HTML_PAGES, grow, page_urls

pytestmark = pytest.mark.django_db

DRAFT = PublicationState.DRAFT
SECRET = "SECRET"


@pytest.fixture
def story(negotiation):
    """Published entries, plus drafts of every kind whose words all contain SECRET."""
    first = grow(negotiation, 1)[0]
    secret_actor = factories.ActorFactory(name="SECRET speaker", slug="secret-speaker")
    draft_proposal = factories.ProposalFactory(
        negotiation=negotiation,
        title="SECRET proposal",
        state=DRAFT,
        date="2025-02-10",
        amount=7,
        currency="USD",
    )
    factories.StatementFactory(
        negotiation=negotiation, actor=secret_actor, text="SECRET draft quote", state=DRAFT
    )
    factories.EventFactory(
        negotiation=negotiation, title="SECRET meeting", state=DRAFT, date="2099-05-01"
    )
    factories.ExpectationFactory(
        negotiation=negotiation,
        actor=secret_actor,
        text="SECRET deadline",
        state=PublicationState.REVIEW,
        due_date_start=datetime.date(2099, 6, 1),
    )
    factories.StatusChangeFactory(proposal=draft_proposal, status=ProposalStatus.REJECTED)
    factories.StatementFactory(
        negotiation=negotiation,
        text="A published view of a proposal not yet published.",
        proposal=draft_proposal,
        stance=Stance.OPPOSES,
    )
    factories.EventFactory(
        negotiation=negotiation,
        title="SECRET embargoed announcement",
        date="2099-07-01",
        publish_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC),
    )
    party = negotiation.parties.order_by("pk").first()
    return {
        "urls": page_urls(negotiation, proposal=first, actor=party),
        "draft_proposal": draft_proposal,
        "secret_actor": secret_actor,
    }


def test_no_output_shows_a_draft_to_anonymous_readers(client, story):
    for name, url in story["urls"].items():
        response = client.get(url)
        assert response.status_code == 200, name
        # Not even the title of the draft proposal a published entry refers to.
        assert SECRET.encode() not in response.content, name
    timeline = client.get(story["urls"]["timeline"]).content.decode()
    assert "A published view of a proposal not yet published." in timeline


def test_staff_do_not_get_drafts_in_shared_outputs(staff_client, story):
    shared = ["feed", "actor-feed", "calendar", "lanes-svg", "amounts-svg", "embed", "timelinejs"]
    for name in shared:
        response = staff_client.get(story["urls"][name])
        assert SECRET.encode() not in response.content, name


def test_a_draft_proposal_has_no_page_for_readers(client, staff_client, story, negotiation):
    url = reverse("negotiations:proposal", args=[negotiation.slug, story["draft_proposal"].pk])
    assert client.get(url).status_code == 404
    assert staff_client.get(url).status_code == 200


def test_an_actor_known_only_from_drafts_is_not_offered_as_a_filter(client, story, negotiation):
    html = client.get(negotiation.get_absolute_url()).content.decode()
    assert "secret-speaker" not in html
    # Their own page exists (actors are public records) but lists nothing of theirs.
    page = client.get(story["secret_actor"].get_absolute_url()).content.decode()
    assert "No statement recorded." in page
    assert "SECRET draft quote" not in page


def test_counts_leave_drafts_out(client, story, negotiation):
    published = negotiation.entries.filter(state=PublicationState.PUBLISHED, publish_at=None)
    # Readable: published, minus the status change of the draft proposal.
    readable = published.count() - 1
    assert (
        f"{readable} entries, oldest first."
        in client.get(negotiation.get_absolute_url()).content.decode()
    )


def test_staff_previews_show_drafts_marked_and_private(staff_client, story, negotiation):
    for name in HTML_PAGES:
        response = staff_client.get(story["urls"][name])
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "ETag" not in response, name
        assert "<strong>Preview.</strong>" in response.content.decode(), name
    html = staff_client.get(negotiation.get_absolute_url()).content.decode()
    assert "SECRET draft quote" in html
    assert '<span class="badge badge-draft">Draft</span>' in html
    assert '<span class="badge badge-draft">Ready for review</span>' in html
    assert "Scheduled for 1 January 2099, 00:00 UTC" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_readers_pages_are_not_marked_as_previews(client, story):
    for name in HTML_PAGES:
        response = client.get(story["urls"][name])
        assert "Preview." not in response.content.decode(), name
        assert response["Cache-Control"].startswith("public"), name


def test_an_embargoed_entry_appears_at_its_time_everywhere(client, story, negotiation):
    with time_machine.travel(datetime.datetime(2099, 1, 1, 0, 0, 1, tzinfo=datetime.UTC)):
        lift_due_embargoes()  # the task, at its time
        for name in ["timeline", "next", "feed", "calendar", "embed", "timelinejs"]:
            content = client.get(story["urls"][name]).content
            assert b"SECRET embargoed announcement" in content, name
            assert b"SECRET meeting" not in content, name
