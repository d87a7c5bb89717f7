"""The frameable compact timeline and the TimelineJS export."""

import json
import re

import pytest
from django.urls import reverse

from negotiations.models import Entry, PublicationState
from negotiations.reader.views import EMBED_ENTRY_LIMIT
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_embed_is_a_compact_sourced_timeline(client, demo):
    response = client.get(reverse("embed:timeline", args=[demo.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    # The state of play, the key developments, then the latest entries, newest first.
    assert html.index("state-of-play-title") < html.index('class="embed-entry')
    assert len(re.findall(r'<li class="embed-entry', html)) == EMBED_ENTRY_LIMIT
    assert "off the table" in html
    assert html.count("https://apnews.com/article/") == EMBED_ENTRY_LIMIT
    first = html.index("A deal on Ukraine&#x27;s mineral resources")
    assert first < html.index("He expects a deal allowing the U.S.")
    assert "Permalink" not in html  # compact
    assert '<base target="_blank">' in html  # links leave the frame
    assert f'<link rel="canonical" href="http://testserver{demo.get_absolute_url()}">' in html
    assert "The full sourced timeline on Parley" in html
    assert 'class="site-header"' not in html
    assert 'src="/static/js/embed.js"' in html  # it sizes its frame itself


def test_the_embed_can_show_key_entries_only(client, demo):
    html = client.get(reverse("embed:timeline", args=[demo.slug]) + "?key=1").content.decode()
    assert len(re.findall(r'<li class="embed-entry is-key', html)) == 3
    assert len(re.findall(r'<li class="embed-entry', html)) == 3


def test_the_embed_shows_the_latest_entries_and_links_to_the_rest(client, negotiation):
    for day in range(1, EMBED_ENTRY_LIMIT + 4):
        factories.EventFactory(negotiation=negotiation, date=f"2025-{day % 12 + 1:02d}-01")
    factories.EventFactory(negotiation=negotiation, state=PublicationState.DRAFT)
    html = client.get(reverse("embed:timeline", args=[negotiation.slug])).content.decode()
    assert len(re.findall(r'<li class="embed-entry', html)) == EMBED_ENTRY_LIMIT
    assert f"The latest {EMBED_ENTRY_LIMIT} entries, newest first; earlier ones are on" in html


def test_timelinejs_export(client, demo):
    response = client.get(reverse("embed:timelinejs", args=[demo.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["title"]["text"]["headline"] == "US–Ukraine minerals deal"
    assert len(data["events"]) == 17
    assert {e["unique_id"] for e in data["events"]} == {
        f"entry-{pk}" for pk in Entry.objects.filter(negotiation=demo).values_list("pk", flat=True)
    }
    by_date = {e["display_date"]: e["start_date"] for e in data["events"]}
    assert by_date["Sometime in 2024"] == {"year": 2024, "display_date": "Sometime in 2024"}
    assert by_date["Sometime in February 2025"] == {
        "year": 2025,
        "month": 2,
        "display_date": "Sometime in February 2025",
    }
    assert by_date["23 February 2025"] == {
        "year": 2025,
        "month": 2,
        "day": 23,
        "display_date": "23 February 2025",
    }
    groups = {e["group"] for e in data["events"]}
    assert groups == {"Proposal", "Status change", "Statement", "Event", "Expectation"}
    quote = next(e for e in data["events"] if "ten generations" in e["text"]["text"])
    assert "https://apnews.com/article/" in quote["text"]["text"]
    assert 'href="http://testserver/actors/volodymyr-zelenskyy/"' in quote["text"]["text"]
    assert [era["text"]["headline"] for era in data["eras"]] == [
        "Ukraine&#x27;s offer",
        "The $500 billion demand",
        "Closing in on a deal",
    ]
    assert data["eras"][0]["start_date"] == {"year": 2024, "month": 1, "day": 1}
    assert data["eras"][0]["end_date"] == {"year": 2024, "month": 12, "day": 31}


def test_timelinejs_export_of_drafts(client, negotiation):
    factories.EventFactory(negotiation=negotiation, title="Draft", state=PublicationState.DRAFT)
    data = json.loads(client.get(reverse("embed:timelinejs", args=[negotiation.slug])).content)
    assert data["events"] == []
