"""HTTP behaviour of reader outputs: validators from the change stamp, 304s, framing."""

import datetime

import pytest
import time_machine
from django.core.handlers.base import BaseHandler
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import add_correction
from tests import factories
from tests.queries import no_query

from .conftest import HTML_PAGES, grow, page_urls

pytestmark = pytest.mark.django_db

CACHED = [
    *HTML_PAGES,
    "feed",
    "actor-feed",
    "calendar",
    "embed",
    "timelinejs",
    "lanes-svg",
]


@pytest.fixture
def urls(negotiation):
    first = grow(negotiation, 1)[0]
    return page_urls(negotiation, proposal=first, actor=negotiation.parties.first())


@pytest.mark.parametrize("name", CACHED)
def test_a_current_copy_gets_a_304(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 200
    assert response["Cache-Control"] == (
        "public, max-age=0, s-maxage=10, stale-while-revalidate=30, stale-if-error=86400"
    )
    assert response["ETag"].startswith('W/"')
    assert "Last-Modified" in response
    again = client.get(urls[name], HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"]
    assert again.content == b""


def test_any_write_in_the_negotiation_changes_the_validators(client, urls, negotiation):
    before = client.get(urls["timeline"])
    factories.EventFactory(negotiation=negotiation, title="News")
    after = client.get(urls["timeline"], HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "News" in after.content.decode()


def test_a_correction_changes_the_validators(client, urls, negotiation):
    before = client.get(urls["feed"])
    entry = negotiation.entries.first()
    add_correction(entry, note="Fixed a name.", by=factories.editor(username="ed2"))
    assert client.get(urls["feed"], HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_a_scheduled_entry_reaching_its_time_changes_the_validators(client, urls, negotiation):
    at = datetime.datetime(2099, 1, 1, 12, tzinfo=datetime.UTC)
    factories.EventFactory(negotiation=negotiation, title="Embargoed", publish_at=at)
    with time_machine.travel(at - datetime.timedelta(minutes=1), tick=False):
        before = client.get(urls["timeline"])
        assert "Embargoed" not in before.content.decode()
    with time_machine.travel(at + datetime.timedelta(minutes=1), tick=False):
        late = client.get(urls["timeline"], HTTP_IF_NONE_MATCH=before["ETag"])
        assert late.status_code == 304  # the clock alone moves nothing: the task does
        lift_due_embargoes()
        after = client.get(urls["timeline"], HTTP_IF_NONE_MATCH=before["ETag"])
        assert after.status_code == 200
        assert "Embargoed" in after.content.decode()


def test_the_validators_change_with_the_day(client, urls):
    with time_machine.travel(datetime.datetime(2099, 1, 1, 23, 59, tzinfo=datetime.UTC)):
        before = client.get(urls["next"])
    with time_machine.travel(datetime.datetime(2099, 1, 2, 0, 1, tzinfo=datetime.UTC)):
        after = client.get(urls["next"], HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200


def test_readers_after_the_first_get_the_stored_page(client, urls, negotiation):
    first = client.get(urls["timeline"])
    # The first repeat read asks the reader version (the view read it with the page), once.
    assert client.get(urls["timeline"]).content == first.content
    with CaptureQueriesContext(connection) as queries:
        second = client.get(urls["timeline"])
    assert second.content == first.content
    assert second["Content-Type"] == "text/html; charset=utf-8"
    selects = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("SELECT", "EXECUTE"))  # EXECUTE: a prepared one (PostgreSQL)
    ]
    assert no_query(selects)  # the validators from the cached reader version
    calendar = client.get(urls["calendar"])
    again = client.get(urls["calendar"])
    assert again["Content-Disposition"] == calendar["Content-Disposition"]
    assert again["Content-Type"] == "text/calendar; charset=utf-8"


def test_previews_are_never_stored(staff_client, client, urls, negotiation):
    factories.EventFactory(negotiation=negotiation, title="Draft news", state="draft")
    assert "Draft news" in staff_client.get(urls["timeline"]).content.decode()
    assert "Draft news" not in client.get(urls["timeline"]).content.decode()
    assert "Draft news" in staff_client.get(urls["timeline"]).content.decode()


def test_filters_have_their_own_validators(client, urls, negotiation):
    plain = client.get(urls["timeline"])
    filtered = client.get(urls["timeline"] + "?kind=event")
    assert plain["ETag"] != filtered["ETag"]


def test_pages_vary_on_the_cookie(client, urls):
    assert "Cookie" in client.get(urls["timeline"])["Vary"]


@pytest.mark.parametrize("name", [n for n in CACHED if n != "embed"] + ["amounts-svg"])
def test_every_output_but_the_embed_refuses_framing(client, urls, name):
    assert client.get(urls[name])["X-Frame-Options"] == "DENY"


def test_the_admin_and_errors_refuse_framing_too(client, db):
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"
    assert client.get("/negotiations/missing/")["X-Frame-Options"] == "DENY"


def test_the_embed_may_be_framed_and_read_from_other_sites(client, urls):
    response = client.get(urls["embed"], HTTP_ORIGIN="https://news.example")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    data = client.get(urls["timelinejs"], HTTP_ORIGIN="https://news.example")
    assert data["Access-Control-Allow-Origin"] == "*"


def test_only_get_and_head(client, urls):
    assert client.post(urls["timeline"]).status_code == 405
    assert client.head(urls["timeline"]).status_code == 200


@pytest.mark.parametrize("name", HTML_PAGES)
def test_pages_read_outside_a_transaction(urls, name):
    """ATOMIC_REQUESTS is for writes: Django leaves a reader page's view unwrapped."""
    view = resolve(urls[name].split("?")[0]).func
    assert BaseHandler().make_view_atomic(view) is view
