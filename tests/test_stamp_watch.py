"""Stamps remembered per process, forgotten when a write commits (negotiations.stamp_watch)."""

import datetime
import time

import psycopg2
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations import domain, stamp_watch
from negotiations.reader_http import stamp_of
from negotiations.stamp_watch import watch
from tests.factories import EventFactory, NegotiationFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL delivers the notifications"
)


def asked(negotiation_id):
    """``(stamp, queries run)``."""
    with CaptureQueriesContext(connection) as queries:
        stamp = stamp_of(negotiation_id)
    return stamp, len(queries)


def remembered(negotiation_id):
    """Read a stamp until this process remembers it (the first read opens the listener)."""
    for _ in range(3):
        stamp, queries = asked(negotiation_id)
        if queries == 0:
            return stamp
    raise AssertionError("the stamp was never remembered")


def current(negotiation):
    negotiation.refresh_from_db()
    return negotiation.changed_at


@pytest.mark.django_db
def test_a_stamp_names_the_negotiations_last_change_and_none_for_no_negotiation(negotiation):
    assert stamp_of(negotiation.pk) == (current(negotiation), None)
    assert stamp_of(negotiation.pk + 1000) is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has nothing to listen to")
def test_without_notifications_every_read_asks_the_database(negotiation):
    for _ in range(3):
        assert asked(negotiation.pk) == ((current(negotiation), None), 1)


@on_postgresql
@pytest.mark.django_db
def test_this_processs_own_write_is_seen_by_its_next_read(negotiation):
    remembered(negotiation.pk)
    EventFactory(negotiation=negotiation)  # not committed: the test's transaction
    assert asked(negotiation.pk) == ((current(negotiation), None), 1)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_write_committed_by_another_process_is_seen_by_the_next_read():
    negotiation = NegotiationFactory()
    before = remembered(negotiation.pk)
    other = psycopg2.connect(**connection.get_connection_params())
    with other, other.cursor() as cursor:  # commits: what another worker's write does
        cursor.execute(
            "UPDATE negotiations_negotiation SET changed_at = now() WHERE id = %s",
            [negotiation.pk],
        )
        cursor.execute("SELECT pg_notify(%s, %s)", [stamp_watch.CHANNEL, str(negotiation.pk)])
    other.close()
    deadline = time.monotonic() + 2  # delivered asynchronously, in practice at once
    while stamp_of(negotiation.pk) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stamp_of(negotiation.pk) == (current(negotiation), None) != before


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_lost_listener_means_asking_the_database_until_it_is_back():
    negotiation = NegotiationFactory()
    remembered(negotiation.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [watch.listener.get_backend_pid()])
    deadline = time.monotonic() + 2  # the termination reaches the socket asynchronously
    while watch.listener is not None and time.monotonic() < deadline:
        assert stamp_of(negotiation.pk) == (current(negotiation), None)
        time.sleep(0.01)
    assert watch.listener is None
    domain.touch_negotiations([negotiation.pk])
    assert asked(negotiation.pk) == ((current(negotiation), None), 1)
    assert asked(negotiation.pk)[1] == 1  # nothing remembered meanwhile


@on_postgresql
@pytest.mark.django_db
def test_a_remembered_stamp_ends_at_the_next_scheduled_publication(negotiation):
    at_noon = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
    with time_machine.travel(at_noon - datetime.timedelta(seconds=20), tick=False):
        EventFactory(negotiation=negotiation, publish_at=at_noon)
        changed_at = current(negotiation)
        assert remembered(negotiation.pk) == (changed_at, None)
    # Well within MAX_AGE, but past the publication: asked again.
    with time_machine.travel(at_noon + datetime.timedelta(seconds=1), tick=False):
        assert asked(negotiation.pk) == ((changed_at, at_noon), 1)


@on_postgresql
@pytest.mark.django_db
def test_a_notification_that_is_not_ours_forgets_everything(negotiation):
    remembered(negotiation.pk)
    # Anyone with access to the database may NOTIFY the channel.
    watch.listener.notifies.append(psycopg2.extensions.Notify(0, stamp_watch.CHANNEL, "not-an-id"))
    assert asked(negotiation.pk) == ((current(negotiation), None), 1)


@on_postgresql
@pytest.mark.django_db
def test_a_stamp_read_while_a_write_happened_is_not_remembered(negotiation):
    remembered(negotiation.pk)
    watch.forget(None)

    def ask_while_writing():
        watch.forget([negotiation.pk + 1])  # a write lands while the query runs
        return ("read during the write", None), None

    assert watch.stamp(negotiation.pk, ask_while_writing) == ("read during the write", None)
    assert asked(negotiation.pk) == ((current(negotiation), None), 1)
