"""Page metadata: title, description, canonical URL, Open Graph, JSON-LD, alternates."""

import json
import re
from html.parser import HTMLParser

import pytest

from negotiations.models import Proposal

from .conftest import page_urls

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links, self.title, self.jsonld = {}, [], "", []
        self._in_title = self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "title":
            self._in_title = True
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_jsonld = True

    def handle_endtag(self, tag):
        self._in_title = self._in_jsonld = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._in_jsonld:
            self.jsonld.append(json.loads(data))


def head_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    head = Head()
    head.feed(response.content.decode().split("</head>")[0])
    return head


@pytest.fixture
def urls(demo):
    proposal = Proposal.objects.get(negotiation=demo, amount__isnull=False)
    from negotiations.models import Actor

    return page_urls(demo, proposal=proposal, actor=Actor.objects.get(slug="donald-trump"))


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("home", "Parley — where negotiations stand, what changed, what comes next"),
        ("timeline", "US–Ukraine minerals deal — timeline — Parley"),
        ("changes", "What changed in US–Ukraine minerals deal — Parley"),
        ("next", "What comes next in US–Ukraine minerals deal — Parley"),
        ("positions", "Positions in US–Ukraine minerals deal — Parley"),
        (
            "proposal",
            "U.S. demand: $500 billion in mineral profits — US–Ukraine minerals deal — Parley",
        ),
        ("actor", "Donald Trump — Parley"),
    ],
)
def test_every_page_has_its_metadata(client, urls, name, title):
    head = head_of(client, urls[name])
    assert head.title == title
    assert head.meta["og:title"] == title
    assert head.meta["description"] and head.meta["og:description"] == head.meta["description"]
    assert len(head.meta["description"]) <= 200
    canonical = [link["href"] for link in head.links if link["rel"] == "canonical"]
    path = urls[name].split("?")[0]
    assert canonical == [f"http://testserver{path}"]
    assert head.meta["og:url"] == canonical[0]
    assert head.meta["og:site_name"] == "Parley"
    assert head.meta["og:type"] in {"website", "article", "profile"}
    assert len(head.jsonld) == 1 and head.jsonld[0]["@context"] == "https://schema.org"


def test_the_timeline_describes_itself_in_json_ld(client, urls):
    (data,) = head_of(client, urls["timeline"]).jsonld
    assert data["@type"] == "WebPage"
    assert data["name"] == "US–Ukraine minerals deal: timeline"
    assert data["about"]["name"] == "US–Ukraine minerals deal"
    assert {party["name"] for party in data["mentions"]} == {
        "Government of Ukraine",
        "Government of the United States",
    }
    assert re.match(r"\d{4}-\d\d-\d\dT", data["dateModified"])


def test_an_actor_is_a_person_with_their_wikidata_entry(client, urls):
    (data,) = head_of(client, urls["actor"]).jsonld
    assert data["@type"] == "Person"
    assert data["jobTitle"] == "President of the United States"
    assert data["sameAs"] == "https://www.wikidata.org/wiki/Q22686"
    assert "Trump" in data["alternateName"]


def test_a_filtered_timeline_points_to_the_whole_one(client, urls):
    head = head_of(client, urls["timeline"] + "?kind=event")
    assert [link["href"] for link in head.links if link["rel"] == "canonical"] == [
        "http://testserver/negotiations/us-ukraine-minerals-deal/"
    ]


@pytest.mark.parametrize("name", ["timeline", "changes", "next", "positions", "proposal"])
def test_negotiation_pages_advertise_their_feed_and_calendar(client, urls, name):
    alternates = {
        link["type"]: link["href"]
        for link in head_of(client, urls[name]).links
        if link["rel"] == "alternate"
    }
    assert alternates["application/atom+xml"] == urls["feed"]
    assert alternates["text/calendar"] == urls["calendar"]
    assert alternates["application/json"] == urls["timelinejs"]


def test_the_actor_page_advertises_its_feed(client, urls):
    alternates = [
        link for link in head_of(client, urls["actor"]).links if link["rel"] == "alternate"
    ]
    assert [link["href"] for link in alternates] == [urls["actor-feed"]]
