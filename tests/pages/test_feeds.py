"""Atom feeds per negotiation and per actor, read back with feedparser."""

import feedparser
import pytest
from django.urls import reverse

from negotiations.models import Entry, PublicationState
from tests import factories

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_the_negotiation_feed_is_atom_with_every_published_entry(client, demo):
    feed = parse(client, reverse("negotiations:feed", args=[demo.slug]))
    assert feed.feed.title == "US–Ukraine minerals deal — Parley"
    assert feed.feed.link == f"http://testserver{demo.get_absolute_url()}"
    assert len(feed.entries) == Entry.objects.filter(negotiation=demo).count() == 17
    titles = [entry.title for entry in feed.entries]
    assert "23 February 2025: U.S. demand: $500 billion in mineral profits: withdrawn" in titles
    assert (
        "Sometime in February 2025: Volodymyr Zelenskyy: “That will be paid off by ten "
        "generations of Ukrainians.”" in titles
    )
    ids = {entry.id for entry in feed.entries}
    assert len(ids) == 17 and all(i.startswith("tag:parley,2025:entry-") for i in ids)


def test_each_item_links_to_its_permalink_and_cites_its_sources(client, demo):
    feed = parse(client, reverse("negotiations:feed", args=[demo.slug]))
    statement = next(e for e in feed.entries if "ten generations" in e.title)
    pk = statement.id.rsplit("-", 1)[1]
    assert statement.link == f"http://testserver{demo.get_absolute_url()}?entry={pk}#entry-{pk}"
    assert "https://apnews.com/article/ukraine-us-minerals-deal" in statement.summary
    assert "Associated Press" in statement.summary
    assert 'href="http://testserver/actors/volodymyr-zelenskyy/"' in statement.summary
    assert statement.author == "Volodymyr Zelenskyy"
    assert [tag.term for tag in statement.tags] == ["Statement"]
    assert statement.published_parsed and statement.updated_parsed


def test_newest_recorded_first(client, negotiation):
    old = factories.EventFactory(negotiation=negotiation, title="Logged first", date="2025-03-01")
    new = factories.EventFactory(negotiation=negotiation, title="Logged later", date="2020-01-01")
    feed = parse(client, reverse("negotiations:feed", args=[negotiation.slug]))
    assert [e.id for e in feed.entries] == [
        f"tag:parley,2025:entry-{new.pk}",
        f"tag:parley,2025:entry-{old.pk}",
    ]


def test_the_actor_feed_has_what_they_and_those_speaking_for_them_did(client, demo):
    feed = parse(client, reverse("negotiations:actor_feed", args=["government-of-ukraine"]))
    assert feed.feed.title == "Government of Ukraine — Parley"
    titles = " ".join(entry.title for entry in feed.entries)
    assert "Andriy Yermak" in titles and "Volodymyr Zelenskyy" in titles
    assert "Donald Trump" not in titles
    person = parse(client, reverse("negotiations:actor_feed", args=["donald-trump"]))
    assert [e.title for e in person.entries] == [
        "Sometime in February 2025: Donald Trump: Trump said he wanted a deal that would supply "
        "the U.S. with Ukraine's rare earth elements."
    ]


def test_drafts_are_not_in_feeds(client, negotiation):
    actor = factories.ActorFactory()
    factories.StatementFactory(negotiation=negotiation, actor=actor, text="Published words")
    factories.StatementFactory(
        negotiation=negotiation, actor=actor, text="Draft words", state=PublicationState.DRAFT
    )
    for url in [
        reverse("negotiations:feed", args=[negotiation.slug]),
        reverse("negotiations:actor_feed", args=[actor.slug]),
    ]:
        feed = parse(client, url)
        assert [e.title.split(": ", 2)[-1] for e in feed.entries] == ["“Published words”"]


def test_unknown_feeds_are_404(client, db):
    assert client.get("/negotiations/missing/feed/").status_code == 404
    assert client.get("/actors/missing/feed/").status_code == 404
