"""Reader versions in the shared cache (negotiations.caching.reader_versions): a repeat read
asks no database, a publication is seen on the very next read, in every process, the edge
purge comes only once the cache holds the new version, and Redis away costs speed, not
correctness. On SQLite or PostgreSQL (whichever the suite runs on), with the test settings'
in-process cache and with a real Redis."""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import DatabaseError
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from redis.exceptions import ResponseError

from negotiations.caching import edge, reader_versions
from negotiations.domain.embargoes import lift_due_embargoes
from negotiations.domain.entries import publish
from negotiations.models import Negotiation, PublicationState
from tests import factories
from tests.pages.test_edge import run_due_tasks
from tests.queries import at_most_the_stamp, is_the_stamp, no_query
from tests.test_http_cache import sql_of
from tracker import cache as resilient
from tracker.cache import caches_on

pytestmark = pytest.mark.django_db
PAGE = "/negotiations/talks/"


def draft(negotiation, title):
    return factories.EventFactory(
        negotiation=negotiation,
        title=title,
        state=PublicationState.DRAFT,
        sources=[factories.SourceFactory()],
    )


def in_database(negotiation):
    return (
        Negotiation.objects.filter(pk=negotiation.pk)
        .values_list("reader_version", "reader_changed_at")
        .get()
    )


def cached(negotiation):
    return caches[reader_versions.ALIAS].get(reader_versions._key(negotiation.pk))


def read(url=PAGE, *, elsewhere=False, **headers):
    """An anonymous read; ``elsewhere``: in a process that kept no copy of its own."""
    if elsewhere:
        local = getattr(caches["default"], "_local", None)
        if local is not None:
            local.clear()
    return sql_of(lambda: Client().get(url, **headers))


def test_a_repeat_read_asks_the_database_once_then_never(talks):
    read()
    assert at_most_the_stamp(read()[1])  # the first ask: then in the shared cache
    assert cached(talks) == in_database(talks)
    for _ in range(3):
        page, sql = read()
        assert page.status_code == 200 and no_query(sql)
        etag = page["ETag"]
        assert read(HTTP_IF_NONE_MATCH=etag)[0].status_code == 304
        assert no_query(read(HTTP_IF_NONE_MATCH=etag)[1])


def test_a_publication_is_seen_on_the_very_next_read(talks, editor):
    """In the test's transaction (never committed): the key is forgotten with the write."""
    read(), read()
    event = draft(talks, "Second meeting")
    publish(event, by=editor)
    assert cached(talks) is None
    assert "Second meeting" in read()[0].text


def test_once_committed_the_cache_holds_the_new_version(
    talks, editor, django_capture_on_commit_callbacks
):
    read(), read()
    event = draft(talks, "Second meeting")
    with django_capture_on_commit_callbacks(execute=True):
        publish(event, by=editor)
    assert cached(talks) == in_database(talks)
    page, sql = read()
    assert "Second meeting" in page.text and not at_most_the_stamp(sql)  # rendered afresh
    assert no_query(read()[1])


def test_a_reader_that_read_the_old_version_cannot_put_it_back(
    talks, editor, django_capture_on_commit_callbacks
):
    """A reader read the version just before the commit and adds it after the writer set
    the new one: ``add`` leaves the new one in place."""
    old = in_database(talks)
    with django_capture_on_commit_callbacks(execute=True):
        publish(draft(talks, "Second meeting"), by=editor)
    caches[reader_versions.ALIAS].add(reader_versions._key(talks.pk), old, 5)
    assert cached(talks) == in_database(talks) != old


def test_what_readers_had_is_put_back_only_where_nothing_newer_is(talks, editor):
    """``forget`` returns the version readers had, put back once the write commits: never
    over a version set meanwhile (another write's announcement)."""
    read(), read()
    old = cached(talks)
    held = reader_versions.forget([talks.pk])
    assert cached(talks) is None
    reader_versions.put_back(held)
    assert cached(talks) == old
    held = reader_versions.forget([talks.pk])
    newer = (old[0] + 1, timezone.now())
    caches[reader_versions.ALIAS].set(reader_versions._key(talks.pk), newer, 5)
    reader_versions.put_back(held)
    assert cached(talks) == newer


def test_with_none_in_the_cache_what_readers_had_is_read_before_the_write(
    talks, editor, monkeypatch
):
    """Nobody read the negotiation in the seconds before the write: the version held for
    readers is the database's, read before the version moves."""
    old = in_database(talks)
    assert cached(talks) is None
    held = []
    forget = reader_versions.forget
    monkeypatch.setattr(reader_versions, "forget", lambda ids: held.append(forget(ids)) or held[-1])
    publish(draft(talks, "Second meeting"), by=editor)
    assert held == [{reader_versions._key(talks.pk): old}] and in_database(talks) != old


def test_the_edge_purge_comes_after_the_new_version_is_in_the_cache(
    talks, editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Were the purge enqueued before the cache held the new version, an edge refetching at
    once would be answered under the old one, and keep the old page."""
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    enqueued = []

    def record(keys, urls, attempt, repeat, delay=0):
        enqueued.append((keys, delay, cached(talks)))

    monkeypatch.setattr(edge, "_enqueue", record)
    read(), read()
    with django_capture_on_commit_callbacks(execute=True):
        publish(draft(talks, "Second meeting"), by=editor)
    assert enqueued == [(["site", f"neg-{talks.pk}"], 0, in_database(talks))]


def test_an_embargo_lifted_by_the_worker_moves_the_cached_version(
    editor, talks, django_capture_on_commit_callbacks
):
    soon = timezone.now() + datetime.timedelta(minutes=5)
    factories.EventFactory(negotiation=talks, title="Embargoed", publish_at=soon)
    read(), read()
    before = cached(talks)
    with time_machine.travel(soon + datetime.timedelta(seconds=1)):
        with django_capture_on_commit_callbacks(execute=True):
            lift_due_embargoes()
        assert cached(talks) == in_database(talks) != before
        assert "Embargoed" in read()[0].text


def test_the_repeat_purge_outlasts_a_stale_version():
    """The bound on a version left stale by a failed or reordered write."""
    assert django_settings.EDGE_PURGE_REPEAT_SECONDS > reader_versions.VERSION_SECONDS


def test_without_a_shared_cache_every_read_asks_the_database(talks, no_shared_cache):
    read()
    for _ in range(2):
        page, sql = read()
        assert page.status_code == 200 and at_most_the_stamp(sql) and sql


# --------------------------------------------------------------------------- #
# With a real Redis
# --------------------------------------------------------------------------- #


def test_with_redis_a_publication_reaches_every_process_at_once(
    redis_server, talks, editor, django_capture_on_commit_callbacks
):
    with override_settings(CACHES=caches_on(redis_server.url)):
        read(), read(elsewhere=True)
        assert no_query(read(elsewhere=True)[1])
        with django_capture_on_commit_callbacks(execute=True):
            publish(draft(talks, "Second meeting"), by=editor)
        assert cached(talks) == in_database(talks)
        page, sql = read(elsewhere=True)
        assert "Second meeting" in page.text
        assert not any(is_the_stamp(q) for q in sql)  # the writer put the version there
        page, sql = read()  # the process that had kept the old page
        assert "Second meeting" in page.text and no_query(sql)


def test_with_redis_away_reads_ask_the_database_and_stay_right(
    redis_server, talks, editor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(resilient, "BACKOFF_SECONDS", 0)
    with override_settings(CACHES=caches_on(redis_server.url)):
        read(), read()
        redis_server.stop()
        page, sql = read()
        assert page.status_code == 200 and at_most_the_stamp(sql) and sql
        with django_capture_on_commit_callbacks(execute=True):
            publish(draft(talks, "Second meeting"), by=editor)
        page, sql = read()
        assert page.status_code == 200 and "Second meeting" in page.text
        redis_server.start()  # empty: the versions are read from the database again
        assert "Second meeting" in read(elsewhere=True)[0].text


def test_a_version_that_could_not_be_written_delays_the_purge(
    redis_server, talks, editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Redis stopped answering between the write and its commit: a reader elsewhere may
    still find the old version there (for ``VERSION_SECONDS`` at most), so the purge waits
    that long."""
    monkeypatch.setattr(resilient, "BACKOFF_SECONDS", 0)
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    with override_settings(CACHES=caches_on(redis_server.url)):
        read(), read()
        started = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            publish(draft(talks, "Second meeting"), by=editor)
            redis_server.stop()
        run_due_tasks()
    purge = DBTaskResult.objects.get(task_path="negotiations.caching.edge.purge_edge")
    delay = datetime.timedelta(seconds=reader_versions.VERSION_SECONDS)
    assert purge.run_after >= started + delay


def test_a_version_that_could_not_be_read_after_the_commit_delays_the_purge(
    talks, editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The database gone between the commit and the read of the new versions: the write
    has happened, so nothing raises; the purge waits until any cached version expired."""
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    enqueued = []
    monkeypatch.setattr(edge, "_enqueue", lambda keys, urls, a, r, delay=0: enqueued.append(delay))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(draft(talks, "Second meeting"), by=editor)

    def unavailable(*args, **kwargs):
        raise DatabaseError("gone")

    monkeypatch.setattr(reader_versions, "_read", unavailable)
    for callback in callbacks:
        callback()
    run_due_tasks()
    assert enqueued == [reader_versions.VERSION_SECONDS]


def test_a_version_the_cache_refuses_delays_the_purge(
    talks, editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Redis answering the write with an error (out of memory under ``noeviction``), not
    a lost connection: nothing raises after the commit, the purge waits."""
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    enqueued = []
    monkeypatch.setattr(edge, "_enqueue", lambda keys, urls, a, r, delay=0: enqueued.append(delay))
    store = caches[reader_versions.ALIAS]

    def refused(*args, **kwargs):
        raise ResponseError("OOM command not allowed when used memory > 'maxmemory'")

    read(), read()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(draft(talks, "Second meeting"), by=editor)
    monkeypatch.setattr(store, "set_many", refused)
    monkeypatch.setattr(store, "add", refused)
    for callback in callbacks:
        callback()
    assert enqueued == [reader_versions.VERSION_SECONDS]


def test_a_request_reading_a_replica_reads_the_version_there(talks, monkeypatch):
    """Its page is the replica's: keyed on the shared (the primary's) version, a replica
    behind would store its old page under the new version, for good."""
    read(), read()
    assert cached(talks) == in_database(talks)
    asked = []

    def replica(ids, using=None):
        asked.append(using)
        return {talks.pk: (0, None)}

    monkeypatch.setattr(reader_versions, "_read", replica)
    monkeypatch.setattr(reader_versions.router, "db_for_read", lambda model, **hints: "replica1")
    assert reader_versions.current(talks.pk) == (0, None) and asked == ["replica1"]
    monkeypatch.undo()
    assert reader_versions.current(talks.pk) == in_database(talks)  # the primary's readers
