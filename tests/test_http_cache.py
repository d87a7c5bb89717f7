"""Repeat anonymous reads answered before the view, and signed-in readers served the same
stored copies privately (negotiations.caching.reader_http)."""

import datetime

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import publish
from negotiations.models import PublicationState
from tests import factories
from tests.queries import at_most_the_stamp, authentication_only, no_query

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def sql_of(request):
    """The SQL a request ran, leaving out the savepoints of the test's own transaction."""
    with CaptureQueriesContext(connection) as captured:
        response = request()
    return response, [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


PAGES = {
    "timeline": "/negotiations/talks/",
    "embed": "/embed/negotiations/talks/",
    "api": None,  # filled in by the test: it needs the negotiation's id
}


@pytest.mark.parametrize("name", list(PAGES))
def test_a_repeat_read_asks_no_database_and_keeps_its_headers(client, talks, name):
    url = PAGES[name] or f"/api/v1/negotiations/{talks.pk}/timeline/"
    first = client.get(url, HTTP_ORIGIN="https://desk.example.org")
    assert first.status_code == 200
    _, sql = sql_of(lambda: client.get(url))
    assert at_most_the_stamp(sql)  # the reader version, asked once, now in the shared cache
    again, sql = sql_of(lambda: client.get(url, HTTP_ORIGIN="https://desk.example.org"))
    assert no_query(sql), sql
    assert again.content == first.content
    headers = ("ETag", "Cache-Control", "Content-Type", "Content-Length", "Content-Security-Policy")
    for header in headers:
        assert again[header] == first[header], header
    assert again.get("X-Frame-Options") == first.get("X-Frame-Options")
    assert again.get("Access-Control-Allow-Origin") == first.get("Access-Control-Allow-Origin")
    assert "Cookie" in again["Vary"] and "Authorization" in again["Vary"]
    not_modified, sql = sql_of(lambda: client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]))
    assert not_modified.status_code == 304 and no_query(sql)


def test_embeds_stay_frameable_and_pages_do_not(client, talks):
    for _ in range(2):
        assert "X-Frame-Options" not in client.get("/embed/negotiations/talks/")
        assert client.get("/negotiations/talks/")["X-Frame-Options"] == "DENY"


def test_an_edit_is_visible_at_once(client, talks, editor):
    client.get("/negotiations/talks/")
    event = factories.EventFactory(
        negotiation=talks,
        title="Second meeting",
        state=PublicationState.DRAFT,
        sources=[factories.SourceFactory()],
    )
    assert "Second meeting" not in client.get("/negotiations/talks/").text
    publish(event, by=editor)
    assert "Second meeting" in client.get("/negotiations/talks/").text


def test_a_scheduled_entry_appears_at_its_time(client, talks):
    two_pm = datetime.datetime(2025, 2, 25, 14, 0, tzinfo=datetime.UTC)
    with time_machine.travel(two_pm - datetime.timedelta(hours=1), tick=False):
        factories.EventFactory(negotiation=talks, title="Embargoed meeting", publish_at=two_pm)
        assert "Embargoed meeting" not in client.get("/negotiations/talks/").text
        assert "Embargoed meeting" not in client.get("/negotiations/talks/").text
    with time_machine.travel(two_pm, tick=False):
        # Late is safe: it appears when the task lifts the embargo, not by the clock alone.
        assert "Embargoed meeting" not in client.get("/negotiations/talks/").text
        lift_due_embargoes()
        assert "Embargoed meeting" in client.get("/negotiations/talks/").text


def outer_calls(monkeypatch, backend, methods):
    """The keys of each call of ``methods`` on the cache ``backend`` that Parley makes, in
    order: not those one method makes of another (LocMem's ``get_many`` calls its ``get``,
    its ``set_many`` its ``set``)."""
    calls, depth = [], []
    for method in methods:
        original = getattr(backend, method)

        def spy(first, *args, original=original, **kwargs):
            if not depth:
                calls.append([first] if isinstance(first, str) else list(first))
            depth.append(original)
            try:
                return original(first, *args, **kwargs)
            finally:
                depth.pop()

        monkeypatch.setattr(backend, method, spy)
    return calls


def signed_in(client, user, how):
    """``client`` signed in as ``user`` with a session cookie, or sending an API token."""
    if how == "session":
        client.force_login(user)
    else:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    return client


def assert_private(response):
    """Kept by no shared cache nor the edge (API previews carry their body's ETag)."""
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "xkey" not in response


def assert_private_copy(response):
    """A stored copy sent to a signed-in user: private, without the readers' validators."""
    assert_private(response)
    assert "ETag" not in response and "Last-Modified" not in response


NO_PREVIEW = {
    "reader": {},  # an account with no role: a data desk's token, a follower
    "staff without a role": {"is_staff": True},
}


@pytest.mark.parametrize("who", list(NO_PREVIEW))
@pytest.mark.parametrize(
    "name, how", [("timeline", "session"), ("api", "session"), ("api", "token")]
)
def test_a_signed_in_reader_shares_the_readers_stored_copy_privately(talks, name, how, who):
    """What a signed-in user who may not preview gets is byte for byte what readers get:
    read from the same stored copy (and stored there for them), but sent privately."""
    url = PAGES[name] or f"/api/v1/negotiations/{talks.pk}/timeline/"
    user = factories.UserFactory(username="desk", **NO_PREVIEW[who])
    reader = signed_in(Client(), user, how)
    first = reader.get(url)
    assert first.status_code == 200
    assert_private_copy(first)
    again, sql = sql_of(lambda: reader.get(url))
    assert authentication_only(sql), sql  # no keyset query: nothing rendered
    assert again.content == first.content
    assert_private_copy(again)
    # Private responses carry no validators: a copy is never "current", always sent.
    assert reader.get(url, HTTP_IF_NONE_MATCH=Client().get(url)["ETag"]).status_code == 200
    anonymous, sql = sql_of(lambda: Client().get(url))
    assert at_most_the_stamp(sql), sql  # the copy the signed-in reader stored
    assert anonymous.content == first.content and "public" in anonymous["Cache-Control"]


@pytest.mark.parametrize("name, how", [("timeline", "session"), ("api", "token")])
def test_a_preview_is_never_a_stored_copy_nor_stored(talks, editor, name, how):
    factories.EventFactory(negotiation=talks, title="Draft meeting", state=PublicationState.DRAFT)
    url = PAGES[name] or f"/api/v1/negotiations/{talks.pk}/timeline/"
    staff = signed_in(Client(), editor, how)
    preview = staff.get(url)
    assert "Draft meeting" in preview.text
    assert_private(preview)
    read = Client().get(url)
    assert read.status_code == 200 and "Draft meeting" not in read.text
    assert "Draft meeting" in staff.get(url).text  # after readers' copy was stored


def test_a_browser_asking_the_api_for_html_gets_the_browsable_page(client, talks):
    url = f"/api/v1/negotiations/{talks.pk}/timeline/"
    client.get(url)
    page = client.get(url, HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")


def test_a_304_from_the_view_teaches_the_middleware_too(client, talks):
    """Each worker keeps its own cache: one that only ever answered 304s must learn too."""
    first = client.get("/negotiations/talks/")
    cache.clear()  # as in a worker that has not seen the page yet
    assert client.get("/negotiations/talks/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    client.get("/negotiations/talks/", HTTP_IF_NONE_MATCH=first["ETag"])  # the version asked
    again, sql = sql_of(
        lambda: client.get("/negotiations/talks/", HTTP_IF_NONE_MATCH=first["ETag"])
    )
    assert again.status_code == 304 and no_query(sql)


def test_a_new_release_gets_new_validators_and_renders_afresh(client, talks, settings):
    first = client.get("/negotiations/talks/")
    settings.RELEASE_ID = "next-release"
    again, sql = sql_of(
        lambda: client.get("/negotiations/talks/", HTTP_IF_NONE_MATCH=first["ETag"])
    )
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert not at_most_the_stamp(sql)


@pytest.mark.parametrize("name", list(PAGES))
def test_a_rendered_response_and_its_route_are_stored_in_one_write(
    client, talks, name, monkeypatch
):
    """The stored copy and the address's route go to the cache together (one round trip
    to Redis), once the view returned: never one without the other."""
    url = PAGES[name] or f"/api/v1/negotiations/{talks.pk}/timeline/"
    # caches["default"]: the instance ``cache`` stands for.
    writes = outer_calls(monkeypatch, caches["default"], ("set", "set_many"))
    assert client.get(url).status_code == 200
    kinds = [[key.split(":")[1] for key in keys if key.startswith("parley:")] for keys in writes]
    stored = [each for each in kinds if {"reader", "route"} & set(each)]
    assert stored == [["reader", "route"]]
