"""The state of play: written by editors, dated, kept in history, shown first; and the
key developments derived from the record beside it."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client

from negotiations.domain.records import save_record, set_state_of_play
from negotiations.models import Correction, Negotiation, ProposalStatus, ReaderEvent
from negotiations.reader.selectors.negotiation import key_developments, state_of_play_history
from tests import factories
from tests.api.conftest import API, client_for, if_match
from tests.pages.test_timeline import text_of


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_an_editor_writes_it_dated_as_news_not_a_correction(editor):
    negotiation = factories.NegotiationFactory()
    version = negotiation.reader_version
    set_state_of_play(negotiation, text="  Talks resume on Monday.  ", by=editor)
    negotiation.refresh_from_db()
    assert negotiation.state_of_play == "Talks resume on Monday."
    assert negotiation.state_of_play_updated_at is not None
    assert negotiation.reader_version == version + 1
    event = ReaderEvent.objects.filter(record_type="negotiation").latest("at")
    assert (event.record_id, event.action) == (negotiation.pk, ReaderEvent.Action.UPDATED)
    assert not Correction.objects.exists()


def test_only_editors_write_it(journalist):
    negotiation = factories.NegotiationFactory()
    with pytest.raises(PermissionDenied):
        set_state_of_play(negotiation, text="Talks resume.", by=journalist)
    negotiation.refresh_from_db()
    assert negotiation.state_of_play == ""
    # A journalist still edits the rest of the negotiation.
    negotiation.summary = "New summary."
    save_record(negotiation, by=journalist)


def test_other_edits_keep_its_date(editor):
    negotiation = factories.NegotiationFactory()
    set_state_of_play(negotiation, text="First.", by=editor)
    written = Negotiation.objects.get(pk=negotiation.pk).state_of_play_updated_at
    negotiation.summary = "Another summary."
    save_record(negotiation, by=editor)
    assert Negotiation.objects.get(pk=negotiation.pk).state_of_play_updated_at == written


def test_its_history_lists_the_earlier_states(editor):
    negotiation = factories.NegotiationFactory()
    for text in ("First.", "Second.", "Third."):
        set_state_of_play(negotiation, text=text, by=editor)
    negotiation.summary = "Unrelated edit."
    save_record(negotiation, by=editor)
    earlier = state_of_play_history(Negotiation.objects.get(pk=negotiation.pk))
    assert [version["state_of_play"] for version in earlier] == ["Second.", "First."]


def test_key_developments_are_key_entries_and_status_changes_newest_first(negotiation):
    proposal = factories.ProposalFactory(negotiation=negotiation, date="2025-02-01", title="Deal")
    factories.StatusChangeFactory(proposal=proposal, date="2025-02-10", status="rejected")
    factories.StatementFactory(negotiation=negotiation, date="2025-02-20")  # not key
    key = factories.EventFactory(negotiation=negotiation, date="2025-02-15", key=True)
    factories.EventFactory(negotiation=negotiation, date="2025-03-01", key=True, state="draft")
    found = key_developments(negotiation, None)
    assert [entry.headline for entry in found] == [key.headline, "Deal: rejected"]


def test_the_demo_page_opens_with_the_state_of_play_and_the_story(client, demo):
    response = client.get(demo.get_absolute_url())
    html, text = response.content.decode(), text_of(response)
    state = html.index('id="state-of-play-title"')
    assert state < html.index('id="standing-title"') < html.index('id="timeline-title"')
    assert "Washington demanded $500 billion" in text
    assert "23 Feb 2025 — U.S. demand: $500 billion in mineral profits: withdrawn" in text
    assert "Feb 2025 — U.S. demand: $500 billion in mineral profits: rejected" in text
    assert "Last updated 23 February 2025 Record edited" in text


def test_the_embed_and_the_home_card_show_it(client, demo):
    for url in ("/", f"/embed/negotiations/{demo.slug}/"):
        html = client.get(url).content.decode()
        assert "Washington demanded $500 billion" in html, url
        assert "Steve Witkoff expects" in html, url


def test_the_api_shows_it_with_the_key_developments(demo):
    body = client_for().get(f"{API}negotiations/{demo.slug}/").json()
    assert body["state_of_play"].startswith("Washington demanded $500 billion")
    assert body["state_of_play_updated_at"]
    titles = [item["title"] for item in body["key_developments"]]
    assert "U.S. demand: $500 billion in mineral profits: withdrawn" in titles
    assert body["key_developments"][0]["date"] == "2025-02-23"
    listed = client_for().get(f"{API}negotiations/").json()["results"][0]
    assert listed["key_developments"] == body["key_developments"]


def test_editors_patch_it_and_journalists_may_not(editor, journalist):
    negotiation = factories.NegotiationFactory()
    url = f"{API}negotiations/{negotiation.pk}/"
    refused = client_for(journalist).patch(
        url, {"state_of_play": "Closing in."}, format="json", **if_match(negotiation)
    )
    assert refused.status_code == 403
    assert refused.json()
    response = client_for(editor).patch(
        url,
        {"state_of_play": "Closing in.", "state_of_play_updated_at": "2000-01-01T00:00:00Z"},
        format="json",
        **if_match(negotiation),
    )
    assert response.status_code == 200, response.content
    assert response.json()["state_of_play"] == "Closing in."
    assert not response.json()["state_of_play_updated_at"].startswith("2000")
    assert response.json()["key_developments"] == []
    too_long = client_for(editor).patch(
        url, {"state_of_play": "x" * 10_001}, format="json", **if_match(negotiation)
    )
    assert too_long.status_code == 400
    assert "state_of_play" in too_long.json()


def test_the_home_page_costs_the_same_with_more_negotiations(db):
    def count():
        cache.clear()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert Client().get("/").status_code == 200
        return len(captured)

    def negotiation_with_story():
        negotiation = factories.NegotiationFactory()
        proposal = factories.ProposalFactory(negotiation=negotiation, key=True)
        factories.StatusChangeFactory(proposal=proposal, status=ProposalStatus.REJECTED)

    negotiation_with_story()
    one = count()
    for _ in range(3):
        negotiation_with_story()
    assert count() == one


def test_the_admin_offers_it_to_editors_only(editor, journalist):
    negotiation = factories.NegotiationFactory()
    url = f"/admin/negotiations/negotiation/{negotiation.pk}/change/"
    for user, editable in ((editor, True), (journalist, False)):
        client = Client()
        client.force_login(user)
        html = client.get(url).content.decode()
        assert ('name="state_of_play"' in html) is editable, user


def test_the_page_lists_the_earlier_states_of_play(client, editor):
    negotiation = factories.NegotiationFactory()
    set_state_of_play(negotiation, text="Talks open in Riyadh.", by=editor)
    set_state_of_play(negotiation, text="Talks stall.", by=editor)
    text = text_of(client.get(negotiation.get_absolute_url()))
    assert "State of play Talks stall." in text
    assert "Earlier states of play" in text and ": Talks open in Riyadh." in text
