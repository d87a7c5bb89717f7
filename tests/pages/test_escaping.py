"""All entered text is escaped: a quote containing <script> shows as text, everywhere."""

import json

import feedparser
import pytest
from icalendar import Calendar

from negotiations.models import Stance
from tests import factories

from .conftest import page_urls

pytestmark = pytest.mark.django_db

QUOTE = '<script>alert("quote")</script> & more'
TITLE = "<img src=x onerror=alert(1)> talks"
NAME = "<b>Bold</b> O'Brien"


@pytest.fixture
def hostile(negotiation):
    speaker = factories.ActorFactory(name=NAME, title="<i>Envoy</i>")
    negotiation.parties.add(speaker)
    proposal = factories.ProposalFactory(
        negotiation=negotiation, title=TITLE, proposed_by=speaker, amount=5, currency="EUR"
    )
    factories.StatementFactory(
        negotiation=negotiation,
        actor=speaker,
        text=QUOTE,
        context="<u>context</u>",
        proposal=proposal,
        stance=Stance.SUPPORTS,
    )
    factories.EventFactory(negotiation=negotiation, title=TITLE, date="2099-01-01")
    factories.ExpectationFactory(negotiation=negotiation, actor=speaker, text=QUOTE)
    factories.PhaseFactory(negotiation=negotiation, name="<em>Phase</em>")
    return page_urls(negotiation, proposal=proposal, actor=speaker)


@pytest.mark.parametrize(
    "name",
    ["home", "timeline", "changes", "next", "positions", "proposal", "actor", "embed"],
)
def test_html_outputs_show_entered_markup_as_text(client, hostile, name):
    html = client.get(hostile[name]).content.decode()
    for raw in ["<script>alert", "<img src=x", "<b>Bold</b>", "<i>Envoy", "<u>context", "<em>Ph"]:
        assert raw not in html, (name, raw)
    assert "&lt;script&gt;alert(&quot;quote&quot;)&lt;/script&gt; &amp; more" in html or (
        name in {"home", "positions"}
    )


@pytest.mark.parametrize("name", ["lanes-svg", "amounts-svg"])
def test_pictures_show_entered_markup_as_text(client, hostile, name):
    svg = client.get(hostile[name]).content.decode()
    assert "<img src=x" not in svg and "<b>Bold" not in svg
    assert "&lt;img src=x onerror=alert(1)&gt; talks" in svg


def test_feeds_carry_entered_markup_as_text(client, hostile):
    for name in ["feed", "actor-feed"]:
        feed = feedparser.parse(client.get(hostile[name]).content)
        titles = [entry.title for entry in feed.entries]
        assert any(QUOTE[:20] in title for title in titles), titles
        summaries = " ".join(entry.summary for entry in feed.entries)
        assert "<script>" not in summaries and "&lt;script&gt;" in summaries


def test_timelinejs_escapes_what_timelinejs_shows_as_html(client, hostile):
    data = json.loads(client.get(hostile["timelinejs"]).content)
    texts = json.dumps(data)
    assert "<script>" not in texts and "<img src=x" not in texts and "<em>Phase" not in texts
    headlines = [event["text"]["headline"] for event in data["events"]]
    assert "&lt;img src=x onerror=alert(1)&gt; talks" in headlines


def test_the_calendar_is_plain_text(client, hostile):
    calendar = Calendar.from_ical(client.get(hostile["calendar"]).content)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert TITLE in summaries  # plain text in a calendar: nothing to escape, nothing run


def test_json_ld_cannot_close_its_script_block(client, hostile):
    html = client.get(hostile["actor"]).content.decode()
    block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in block
    assert json.loads(block)["name"] == NAME
