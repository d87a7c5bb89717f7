"""The anonymous timeline: validated by the negotiation's stamp, rendered once per change."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import publish, save_entry
from negotiations.domain.records import save_record
from negotiations.models import PublicationState
from tests import factories
from tests.api.conftest import API
from tests.queries import no_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(negotiation):
    factories.EventFactory(negotiation=negotiation, title="First meeting")
    return f"{API}negotiations/{negotiation.pk}/timeline/"


def titles(response):
    return [item["title"] for item in response.json()["results"]]


def queries_of(request):
    """The SQL a request ran, leaving out the savepoints of the test's own transaction."""
    with CaptureQueriesContext(connection) as captured:
        response = request()
    sql = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    return response, sql


def test_a_repeat_read_and_a_304_ask_no_database(anon, url):
    first = anon.get(url)
    again, sql = queries_of(lambda: anon.get(url))
    assert again.content == first.content
    assert no_query(sql), sql
    not_modified, sql = queries_of(lambda: anon.get(url, HTTP_IF_NONE_MATCH=first["ETag"]))
    assert not_modified.status_code == 304
    assert no_query(sql), sql


def test_shared_caches_may_keep_a_copy_briefly(anon, url):
    cache_control = anon.get(url)["Cache-Control"]
    for directive in ("public", "s-maxage=", "stale-while-revalidate=", "stale-if-error="):
        assert directive in cache_control


def test_an_edit_is_visible_at_once_to_the_next_reader(anon, url, negotiation, editor):
    assert titles(anon.get(url)) == ["First meeting"]
    event = factories.EventFactory(
        negotiation=negotiation,
        title="Second meeting",
        state=PublicationState.DRAFT,
        sources=[factories.SourceFactory()],
    )
    assert titles(anon.get(url)) == ["First meeting"]
    publish(event, by=editor)
    assert titles(anon.get(url)) == ["First meeting", "Second meeting"]
    event.title = "Second meeting, in Riyadh"
    save_entry(event, by=editor, minor_fix=True)
    assert titles(anon.get(url)) == ["First meeting", "Second meeting, in Riyadh"]


def test_a_renamed_actor_is_visible_at_once(anon, negotiation, editor):
    actor = factories.ActorFactory(name="Zelensky")
    factories.StatementFactory(negotiation=negotiation, actor=actor, text="No.")
    url = f"{API}negotiations/{negotiation.pk}/timeline/"
    assert titles(anon.get(url)) == ["Zelensky: “No.”"]
    actor.name = "Zelenskyy"
    save_record(actor, by=editor)
    assert titles(anon.get(url)) == ["Zelenskyy: “No.”"]


def test_a_scheduled_entry_appears_at_its_time_through_the_cache(anon, url, negotiation):
    two_pm = datetime.datetime(2025, 2, 25, 14, 0, tzinfo=datetime.UTC)
    with time_machine.travel(two_pm - datetime.timedelta(hours=1), tick=False):
        factories.EventFactory(negotiation=negotiation, title="Embargoed", publish_at=two_pm)
        assert titles(anon.get(url)) == ["First meeting"]
    with time_machine.travel(two_pm, tick=False):
        lift_due_embargoes()  # the task, at its time
        assert titles(anon.get(url)) == ["First meeting", "Embargoed"]


def test_previews_are_never_what_readers_get(as_journalist, anon, url, negotiation):
    factories.EventFactory(negotiation=negotiation, title="Draft", state=PublicationState.DRAFT)
    preview = as_journalist.get(url)
    assert "Draft" in titles(preview)
    assert "private" in preview["Cache-Control"]
    assert "Draft" not in titles(anon.get(url))
